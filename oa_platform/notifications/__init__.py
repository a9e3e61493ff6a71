"""In-app notifications (and their e-mails): see :mod:`oa_platform.notifications.service`."""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context
from flask_login import current_user


def init_app(app: Flask) -> None:
    """Give every page ``unread_notifications``, the signed-in person's unread count (the
    navbar bell; ``None`` when nobody is signed in). Calling it again changes nothing."""
    if "oa_notifications" in app.extensions:
        return
    app.extensions["oa_notifications"] = True
    from oa_platform.extensions import db
    from oa_platform.notifications import reviews
    from oa_platform.notifications.service import unread_count
    from oa_platform.runtime import trail_notices

    trail_notices.install()  # what a step decided, told from its trail
    reviews.install()  # definitions submitted for review, approved or rejected

    @app.context_processor
    def unread_notifications() -> dict[str, Any]:
        if not has_request_context() or not current_user.is_authenticated:
            return {"unread_notifications": None}
        return {"unread_notifications": unread_count(db.session, current_user.id)}
