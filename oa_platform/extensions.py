"""Unbound extensions, bound to an app by :func:`oa_platform.create_app`.

Nothing here touches an application or a database at import time. Flask-AppBuilder is not
here: an ``AppBuilder`` collects views as it is initialised, so each app gets its own
(``current_app.appbuilder``).
"""

from __future__ import annotations

from celery import Celery
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_migrate import Migrate

db = get_sqla_class()()
migrate = Migrate()
celery = Celery("oa_platform")
