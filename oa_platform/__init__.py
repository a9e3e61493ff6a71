"""The OA platform: a Flask-AppBuilder application (see ARCHITECTURE.md).

The package is ``oa_platform``, not ``platform``: a top-level ``platform`` package would
shadow Python's standard-library module of that name, which SQLAlchemy imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` up to the largest 64-bit integer the databases store: a longer number in
    an address is "not found", not an overflow inside the database driver (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**63 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings from ``config.py`` (the environment), then ``config``."""
    from flask_appbuilder import AppBuilder

    import config as settings
    import form_builder.services
    from oa_platform import (
        csrf,
        i18n,
        menu_cache,
        outages,
        request_limits,
        request_translations,
        security_headers,
        static_urls,
    )
    from oa_platform.accounts.passwords import fab_complexity_validator
    from oa_platform.celery_setup import init_celery
    from oa_platform.database import configure_sqlite
    from oa_platform.discussion.api import DiscussionApi
    from oa_platform.documents.api import DocumentApi
    from oa_platform.documents.archive import IssuedDocuments
    from oa_platform.extensions import db, migrate
    from oa_platform.library.api import LibraryApi
    from oa_platform.notices.api import NoticeApi
    from oa_platform.notifications import init_app as init_notifications
    from oa_platform.operations import web as operations_web
    from oa_platform.operations.archive_items import register_provider
    from oa_platform.org.directory import OrgDirectory
    from oa_platform.orgchange.api import OrgChangeApi
    from oa_platform.roles import ROLES
    from oa_platform.runtime import (
        business_calendar,
        handover,  # noqa: F401 (connects the deactivation hand-over)
    )
    from oa_platform.runtime.api import ProcessApi
    from oa_platform.unit_of_work import unit_of_work
    from oa_platform.views import register_views
    from plugins.registry import field_types, node_types, timer_subjects

    app = Flask(__name__, instance_path=str(settings.INSTANCE_DIR))
    # Ids in addresses are database integers: a bigger number matches no route (404).
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.from_object(settings)
    app.config.update(
        FAB_ROLES=ROLES,
        # Permissions are synchronised by `flask oa init` after migrations, not at start-up.
        FAB_UPDATE_PERMS=False,
        FAB_CREATE_DB=False,
        FAB_PASSWORD_COMPLEXITY_ENABLED=True,
        FAB_PASSWORD_COMPLEXITY_VALIDATOR=fab_complexity_validator,
        FAB_INDEX_VIEW="oa_platform.views.DashboardView",
    )
    if config:
        app.config.update(config)
    i18n.configure(app)  # Flask-Babel's defaults from OA_DEFAULT_LOCALE and OA_TIMEZONE
    # The instance folder holds the secret key, the SQLite database and the attachments.
    Path(app.instance_path).mkdir(parents=True, exist_ok=True, mode=0o700)
    proxies = int(app.config["OA_TRUSTED_PROXIES"] or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    outages.init_app(app)  # 503 with Retry-After when Redis or the database is away
    db.init_app(app)
    outages.init_teardown(app)  # a connection lost while closing the session: not a 500
    request_limits.init_app(app)  # 4xx, not 500, for deep JSON and numbers past 64 bits
    csrf.init_app(app)  # before AppBuilder, which exempts its REST APIs from it
    # Batch mode: SQLite can only ALTER tables by copying them.
    migrate.init_app(
        app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True
    )
    with app.app_context():
        sqlite_mode = configure_sqlite(db.engine)
        if sqlite_mode is not None:
            # Issue 25: which SQLite guards the embedded file (README, "Embedded SQLite").
            app.extensions["oa_sqlite_checkpoints"] = sqlite_mode
            app.logger.info(sqlite_mode.describe())
        appbuilder = AppBuilder(update_perms=False)
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
        # Backups page, health endpoints, the operation log (issue 24).
        operations_web.init_app(app)
        i18n.init_app(app)  # the request's language, the saved choice, the time filters
        request_translations.init_app(app)  # templates' _() looks the catalog up once
        appbuilder.add_api(ProcessApi)
        appbuilder.add_api(DocumentApi)
        appbuilder.add_api(OrgChangeApi)  # organisation changes for IT (§8.4)
        # Issue 23: running instances moved to a newer version, for REST clients.
        from oa_platform.migration.api import InstanceMigrationApi

        appbuilder.add_api(InstanceMigrationApi)
        appbuilder.add_api(LibraryApi)  # the file library for mobile clients (seed 2 §7.1)
        appbuilder.add_api(DiscussionApi)  # the discussion area for mobile clients (§8.2)
        appbuilder.add_api(NoticeApi)  # notices for mobile clients (§5.1)
        # Issued documents go on the yearly archive discs beside finished instances (§7.2).
        register_provider(app, IssuedDocuments(app))
        # Quarterly inspection, red and white tickets (§8.5-§8.7; issue 22).
        from oa_platform.inspection.web import init_app as init_inspection

        init_inspection(appbuilder)
    from oa_platform.runtime.opinions import button

    form_builder.services.init_app(
        app,
        OrgDirectory,
        node_types,
        lambda session, work: unit_of_work(session).run(work),
        action_word=button,  # the review names a node's actions as the task page does
    )
    for problem in node_types().problems:
        # A broken plugin must not stop the platform; it is skipped and reported.
        app.logger.error(
            "node-type plugin %s (%s): %s", problem.entry_point, problem.source, problem.message
        )
    for problem in field_types().problems:
        app.logger.error(
            "field-type plugin %s (%s): %s", problem.entry_point, problem.source, problem.message
        )
    for problem in timer_subjects().problems:
        app.logger.error(
            "timer-subject plugin %s (%s): %s", problem.entry_point, problem.source, problem.message
        )
    init_celery(app)
    init_notifications(app)
    menu_cache.init_app(app)
    static_urls.init_app(app)
    security_headers.init_app(app)
    business_calendar.init_app(app)
    # The form contents' word index follows each commit (issue 19).
    from oa_platform.runtime import search

    search.init_app(app)

    from oa_platform.cli import oa_cli

    app.cli.add_command(oa_cli)
    return app
