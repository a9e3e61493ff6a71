"""Health for monitoring (seed 2 §6.1: the servers stay online in working hours).

``/health`` answers 200 while the web process serves. ``/health/ready`` checks what the
platform needs to do its work: the database, the Celery broker, beat's last tick, the timer
backlog and free disk space where attachments and backups are written; 200 when all pass,
503 otherwise. Neither needs a log-in (protect them at the proxy if the operator wants), so
they say what failed, never a URL, a host name, a password or an exception's text.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify
from flask_babel import force_locale, gettext, lazy_gettext
from sqlalchemy import func, select, text

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.operations import heartbeat
from oa_platform.operations.status import last_good_at

# A due timer still pending this long after its time means the timer loop is behind.
BACKLOG_GRACE = timedelta(minutes=10)
CHECK_NAMES = {
    "database": lazy_gettext("Database"),
    "broker": lazy_gettext("Task broker"),
    "beat": lazy_gettext("Scheduler (beat)"),
    "timers": lazy_gettext("Timer backlog"),
    "disk": lazy_gettext("Disk space"),
}


@dataclass
class Check:
    """One readiness check: its name, whether it passed, and a detail without secrets."""

    name: str
    ok: bool
    detail: str


def _database() -> Check:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as error:
        db.session.rollback()
        return Check(
            "database", False, gettext("unreachable (%(kind)s)", kind=type(error).__name__)
        )
    return Check("database", True, gettext("reachable (%(kind)s)", kind=db.engine.dialect.name))


def _broker(app: Flask) -> Check:
    from kombu import Connection

    try:
        with Connection(app.config["CELERY_BROKER_URL"], connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
            transport = connection.transport_cls
    except Exception as error:
        return Check("broker", False, gettext("unreachable (%(kind)s)", kind=type(error).__name__))
    return Check("broker", True, gettext("reachable (%(kind)s)", kind=transport))


def _beat(app: Flask) -> Check:
    tick = heartbeat.last_tick(app)
    if tick is None:
        return Check("beat", False, gettext("no tick recorded yet"))
    age = (utcnow() - tick).total_seconds()
    return Check(
        "beat",
        age <= 3 * heartbeat.interval(app),
        gettext("last tick %(seconds)d s ago", seconds=int(age)),
    )


def _timers() -> Check:
    from oa_platform.runtime.models import Timer, TimerState

    late = db.session.scalar(
        select(func.count())
        .select_from(Timer)
        .where(Timer.state == TimerState.PENDING, Timer.due_at < utcnow() - BACKLOG_GRACE)
    )
    failed = db.session.scalar(
        select(func.count()).select_from(Timer).where(Timer.state == TimerState.FAILED)
    )
    db.session.rollback()
    detail = gettext(
        "%(late)d overdue by more than 10 min, %(failed)d failed", late=late, failed=failed
    )
    return Check("timers", late == 0, detail)


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _disk(app: Flask) -> Check:
    least = app.config["OA_HEALTH_MIN_FREE_MB"]
    details, ok = [], True
    for label, folder in (
        (gettext("attachments"), app.config["OA_ATTACHMENT_DIR"]),
        (gettext("backups"), app.config["OA_BACKUP_DIR"]),
    ):
        free = shutil.disk_usage(_existing(Path(folder))).free // (1024 * 1024)
        ok = ok and free >= least
        details.append(gettext("%(folder)s: %(free)d MB free", folder=label, free=free))
    least_text = gettext("(at least %(least)d MB)", least=least)
    return Check("disk", ok, ", ".join(details) + " " + least_text)


def readiness(app: Flask) -> list[Check]:
    """Every readiness check, in a fixed order."""
    return [_database(), _broker(app), _beat(app), _timers(), _disk(app)]


blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def live():
    """The web process is up."""
    return jsonify(status="ok")


@blueprint.get("/health/ready")
def ready():
    """Ready to work: 200 when every check passes, 503 otherwise."""
    app = current_app._get_current_object()
    with force_locale("en"):  # for monitoring tools: one language, whoever asks
        checks = readiness(app)
    ok = all(check.ok for check in checks)
    good = last_good_at(app)
    body = {
        "status": "ok" if ok else "failing",
        "checks": [asdict(check) for check in checks],
        "last_good_backup": good.isoformat() if good else None,
    }
    return jsonify(body), 200 if ok else 503
