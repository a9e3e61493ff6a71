"""Wires operations into the web app: the Backups page, the health endpoints, the
operation log's request lines, the template filter for recorded times."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from oa_platform.i18n import N_, format_when


def _iso_when(value: str | None) -> str:
    """A time the status file recorded (ISO text, UTC) in the company's time zone."""
    return format_when(datetime.fromisoformat(value)) if value else "—"


def init_app(app: Flask) -> None:
    """Register the operations views and hooks on ``app`` (inside its app context)."""
    from oa_platform.operations import health, oplog
    from oa_platform.operations.views import BackupsView

    app.register_blueprint(health.blueprint)
    app.add_template_filter(_iso_when, "iso_when")
    app.appbuilder.add_view(
        BackupsView, N_("Backups"), icon="fa-hdd-o", category=N_("Administration")
    )
    oplog.init_app(app)
