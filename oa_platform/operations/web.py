"""Wires operations into the web app: the Backups page, the health endpoints, the
operation log's request lines, the template filter for recorded times, and the dashboard's
backups-and-health panel for administrators."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from oa_platform.i18n import N_, format_when


def _iso_when(value: str | None) -> str:
    """A time the status file recorded (ISO text, UTC) in the company's time zone."""
    return format_when(datetime.fromisoformat(value)) if value else "—"


def overview() -> dict | None:
    """Backups and health for the dashboard, for those who may see the Backups page (the
    permission decides, as on the page itself); None for everyone else."""
    from flask import current_app

    from form_builder.clock import utcnow
    from oa_platform.operations import health, status

    if not current_app.appbuilder.sm.has_access("can_list", "BackupsView"):
        return None
    app = current_app._get_current_object()
    good_at = status.last_good_at(app)
    checks = health.readiness(app)
    return {
        "good_at": good_at,
        "age_hours": None if good_at is None else (utcnow() - good_at).total_seconds() / 3600,
        "overdue": status.overdue(app),
        "checks": checks,
        "healthy": all(check.ok for check in checks),
        "names": health.CHECK_NAMES,
    }


def init_app(app: Flask) -> None:
    """Register the operations views and hooks on ``app`` (inside its app context)."""
    from oa_platform.operations import health, oplog
    from oa_platform.operations.views import BackupsView

    app.register_blueprint(health.blueprint)
    app.add_template_filter(_iso_when, "iso_when")
    app.add_template_global(overview, "operations_overview")
    app.appbuilder.add_view(
        BackupsView, N_("Backups"), icon="fa-hdd-o", category=N_("Administration")
    )
    oplog.init_app(app)
