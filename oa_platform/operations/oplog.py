"""The server operation log (seed 2 §6.1: "establish a server operation log and save it for
more than 30 days").

The web, worker and beat processes (and the ``oa`` commands, as ``cli``) write JSON lines
(time, level, process, request id, user, route, status, duration, message) to
``OA_LOG_DIR/<process>-<YYYY-MM-DD>.jsonl``: a new file each day in the company's time
zone, and files older than ``OA_LOG_RETENTION_DAYS`` (default 90, at least 30) deleted.
Files are named by their day and only ever appended to, never renamed, so several processes
of one kind (gunicorn's workers) share a day's file without a rotation race.

Each request gets an id (the proxy's ``X-Request-ID`` when it sends a sane one), returned in
the answer's header and written on every line logged while the request runs: one page's lines
are found by it. A request line holds the method, the route's rule (not the path: no query
string) and the status: never a password, token or form value. Werkzeug's own access lines,
which carry the whole path, are left out of the file, and anything resembling a secret
(``password=``, ``token=``, ``Bearer ...``) is masked in every message.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from celery.signals import after_setup_logger
from flask import Flask, g, has_request_context, request
from sqlalchemy.exc import SQLAlchemyError

MINIMUM_RETENTION_DAYS = 30
_FILE = re.compile(r"^(web|worker|beat|cli)-(\d{4}-\d{2}-\d{2})\.jsonl$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_SECRET = re.compile(
    r"(?i)((?:password|passwd|pwd|token|secret|csrf_token|api_key|authorization)\W{0,3}[=:]\s*)"
    r"[^\s&,;\"']+"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
request_log = logging.getLogger("oa.request")


class RetentionTooShortError(RuntimeError):
    """``OA_LOG_RETENTION_DAYS`` below the regulation's minimum."""


def retention_days(value: int) -> int:
    """The retention setting, refused below 30 days with a message naming the rule."""
    if value < MINIMUM_RETENTION_DAYS:
        raise RetentionTooShortError(
            f"OA_LOG_RETENTION_DAYS is {value}: the server operation log must be kept more"
            f" than {MINIMUM_RETENTION_DAYS} days (seed 2 §6.1); set it to"
            f" {MINIMUM_RETENTION_DAYS} or more (default 90)."
        )
    return value


def mask(text: str) -> str:
    """``text`` with anything that looks like a secret replaced by ``***``."""
    return _BEARER.sub(r"\1 ***", _SECRET.sub(r"\1***", text))


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line; the request's fields when logged inside one."""

    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "process": self.process,
            "pid": record.process,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        for field in ("request_id", "user", "method", "route", "status", "duration_ms", "task"):
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["error"] = mask(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def _username(user: object) -> str | None:
    """The signed-in person's user name, or None. Reading it may ask the database (Flask-Login
    loads the person, a rolled-back transaction expired the row), which may be what is away
    when an outage's 503 is logged: a log line never fails a request."""
    try:
        return user.username if getattr(user, "is_authenticated", False) else None
    except SQLAlchemyError:
        return None


def _context(record: logging.LogRecord) -> bool:
    """Adds the request's id, user and route (or the Celery task's id) to ``record``."""
    if has_request_context():
        record.request_id = getattr(record, "request_id", None) or g.get("request_id")
        if getattr(record, "user", None) is None:
            record.user = _username(g.get("user"))
        if getattr(record, "route", None) is None and request.url_rule is not None:
            record.route = request.url_rule.rule
    else:
        from celery import current_task

        if current_task and current_task.request.id:
            record.task = current_task.name
            record.request_id = current_task.request.id
    return True


class DailyFileHandler(logging.Handler):
    """Appends to ``<folder>/<process>-<day>.jsonl``; on a new day opens the day's file
    and deletes those older than the retention."""

    def __init__(self, folder: Path, process: str, days: int, zone: str) -> None:
        super().__init__(logging.INFO)
        self.folder, self.process, self.days = Path(folder), process, retention_days(days)
        self.zone = ZoneInfo(zone)
        self.day: date | None = None
        self.stream = None
        self.setFormatter(JsonLineFormatter(process))
        self.addFilter(lambda record: not record.name.startswith("werkzeug"))
        self.addFilter(_context)

    def today(self) -> date:
        return datetime.fromtimestamp(time.time(), self.zone).date()

    def path_for(self, day: date) -> Path:
        return self.folder / f"{self.process}-{day.isoformat()}.jsonl"

    def _open(self, day: date) -> None:
        if self.stream is not None:
            self.stream.close()
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path_for(day), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.stream = os.fdopen(fd, "a", encoding="utf-8", buffering=1)
        self.day = day
        self.prune(day)

    def prune(self, today: date) -> list[Path]:
        """Delete the day files (of every process) older than the retention."""
        oldest = today - timedelta(days=self.days)
        removed = []
        for path in self.folder.iterdir():
            found = _FILE.match(path.name)
            if found and date.fromisoformat(found.group(2)) < oldest:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            with self.lock:
                day = self.today()
                if day != self.day:
                    self._open(day)
                self.stream.write(line + "\n")
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        with self.lock:
            if self.stream is not None:
                self.stream.close()
                self.stream = None
                self.day = None
        super().close()


_installed: dict[str, DailyFileHandler] = {}
_settings: dict = {}  # the last app's, for Celery's logging set-up below


@after_setup_logger.connect
def _celery_logging(**_kwargs) -> None:
    """Celery's worker and beat set the root logger up anew at start: add the day files."""
    if _settings:
        install(**_settings)


def install(folder: Path, process: str, days: int, zone: str) -> DailyFileHandler:
    """Send the process's log records (the platform's INFO and up, everyone's WARNING and
    up) to the day files; replaces the handler an earlier call installed."""
    handler = DailyFileHandler(folder, process, days, zone)
    root = logging.getLogger()
    old = _installed.pop("handler", None)
    if old is not None:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    if root.level > logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.WARNING)
    for name in ("oa", "oa_platform", "form_builder", "plugins", "celery"):
        logging.getLogger(name).setLevel(logging.INFO)
    _installed["handler"] = handler
    return handler


def _process_name() -> str:
    """web (gunicorn, ``flask run``), worker, beat, or cli (``oa backup`` and the like)."""
    program = os.path.basename(sys.argv[0]) if sys.argv else ""
    if "celery" in program or "celery" in sys.argv[:2]:
        return "beat" if "beat" in sys.argv else "worker"
    if program in {"flask", "oa"} and "run" not in sys.argv:
        return "cli"
    return "web"


def init_app(app: Flask) -> None:
    """Install the day files for this process and log every request's line."""
    _settings.update(
        folder=Path(app.config["OA_LOG_DIR"]),
        process=_process_name(),
        days=int(app.config["OA_LOG_RETENTION_DAYS"]),
        zone=app.config["OA_TIMEZONE"],
    )
    install(**_settings)

    @app.before_request
    def _start() -> None:
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        started = g.get("request_started")
        if started is None:
            return response
        response.headers["X-Request-ID"] = g.request_id
        request_log.info(
            "%s %s %s",
            request.method,
            request.url_rule.rule if request.url_rule else "(no route)",
            response.status_code,
            extra={
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return response
