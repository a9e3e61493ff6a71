"""Settings for the OA platform.

Every setting comes from the environment; the defaults run the whole platform on one machine
(SQLite in ``instance/``, the Celery broker on a SQLite file beside it). Production sets
``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` (Redis) and ``SECRET_KEY`` at least.
Nothing secret is stored in the repository: an unset ``SECRET_KEY`` is generated once into
``instance/secret_key``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("OA_INSTANCE_DIR", BASE_DIR / "instance")).resolve()


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"Setting {name} must be a whole number, got {raw!r}") from exc


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    """A comma-separated setting as a list of its non-empty, stripped entries."""
    return [entry.strip() for entry in os.environ.get(name, "").split(",") if entry.strip()]


def instance_secret_key(instance_dir: Path) -> str:
    """Return the secret key kept in ``instance/secret_key``, creating it once (mode 0600)."""
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place (which fails if it exists): web, worker and
        # beat starting together on a new instance folder all end up reading one whole key.
        aside = instance_dir / f".secret_key.{os.getpid()}"
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        finally:
            aside.unlink()
    return path.read_text().strip()


# --- Application ----------------------------------------------------------------------------
APP_NAME = os.environ.get("OA_APP_NAME", "OA Platform")
SECRET_KEY = os.environ.get("SECRET_KEY") or instance_secret_key(INSTANCE_DIR)
WTF_CSRF_ENABLED = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)

# --- Languages, dates and times (issue 18) --------------------------------------------------
# The language of a request: the signed-in person's saved choice (the navbar's language
# menu), else the browser's Accept-Language, else this default. Catalogs: translations/.
OA_DEFAULT_LOCALE = os.environ.get("OA_DEFAULT_LOCALE", "zh_CN")
LANGUAGES = {
    "zh_CN": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "gb", "name": "English"},
}
# Flask-Babel's settings follow from ours (oa_platform/i18n.py sets them again when an app
# overrides OA_DEFAULT_LOCALE or OA_TIMEZONE). Flask-AppBuilder puts its own catalogs first,
# so ours, loaded after them, override its translations where both have a message.
BABEL_DEFAULT_LOCALE = OA_DEFAULT_LOCALE
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

# --- Database -------------------------------------------------------------------------------
SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'oa.sqlite'}")
SQLALCHEMY_TRACK_MODIFICATIONS = False

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get(
    "CELERY_BROKER_URL", f"sqla+sqlite:///{INSTANCE_DIR / 'celery-broker.sqlite'}"
)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_BEAT_SCHEDULE_FILE = os.environ.get(
    "CELERY_BEAT_SCHEDULE_FILE", str(INSTANCE_DIR / "celerybeat-schedule")
)

# --- Mail -----------------------------------------------------------------------------------
# One sender (plugins/mail.py) uses these for notification mails and the e-mail node type.
MAIL_SERVER = os.environ.get("MAIL_SERVER", "")  # empty: no e-mail, in-app notices only
MAIL_PORT = _env_int("MAIL_PORT", 25)
MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)  # STARTTLS after connecting
MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")  # empty: no log-in
MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "oa@localhost")
# The address mailed links start with (scheme, host, any path prefix; no trailing slash
# needed): a mail is read outside the site, so its links cannot be relative. The default is
# where `make run` serves; production sets its public address.
OA_BASE_URL = os.environ.get("OA_BASE_URL", "http://127.0.0.1:5000")

# --- Outgoing HTTP (webhook node type) -------------------------------------------------------
# Webhooks may only reach public addresses (server-side request forgery guard,
# plugins/safe_http.py). Comma-separated host names and networks listed here are reachable
# even though private or local, e.g. "erp.internal,10.20.0.0/16". Parsed into a list.
OA_WEBHOOK_ALLOW = _env_list("OA_WEBHOOK_ALLOW")

# --- Security (Flask-AppBuilder) ------------------------------------------------------------
AUTH_TYPE = AUTH_DB
FAB_SECURITY_MANAGER_CLASS = "oa_platform.accounts.security_manager.OASecurityManager"
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
AUTH_USERNAME_CI = True
FAB_ADD_SECURITY_API = False
FAB_API_SWAGGER_UI = True
FAB_UPDATE_PERMS = True
# Log-in endpoint rate limit (per client address). Storage is per process unless
# RATELIMIT_STORAGE_URI points at Redis, which production must do.
AUTH_RATE_LIMITED = _env_bool("AUTH_RATE_LIMITED", True)
AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "20 per minute")
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
FAB_ROLES_MAPPING: dict[int, str] = {}
# Flask-AppBuilder's layout with the platform's site-wide styles (templates/oa/base.html).
FAB_BASE_TEMPLATE = "oa/base.html"
# Reverse proxies in front of the site whose X-Forwarded-For/-Proto headers are trusted (for
# client addresses and https links); 0 trusts none, as when the site is reached directly.
OA_TRUSTED_PROXIES = _env_int("OA_TRUSTED_PROXIES", 0)

# --- Account rules (regulations §4, §6.2) ---------------------------------------------------
OA_PASSWORD_MIN_LENGTH = _env_int("OA_PASSWORD_MIN_LENGTH", 12)
OA_PASSWORD_HISTORY = _env_int("OA_PASSWORD_HISTORY", 5)
# Days before a password must be changed; 0 turns expiry off (NIST SP 800-63B advises that).
OA_PASSWORD_MAX_AGE_DAYS = _env_int("OA_PASSWORD_MAX_AGE_DAYS", 90)
OA_LOCKOUT_THRESHOLD = _env_int("OA_LOCKOUT_THRESHOLD", 5)
OA_LOCKOUT_MINUTES = _env_int("OA_LOCKOUT_MINUTES", 15)
# Sessions and API tokens (issue 17): a page session ends after this many minutes without a
# request, and this many hours after its log-in whatever happens; a password change, a reset
# or a deactivation ends every session and token of the account at once, a log-out its own.
OA_SESSION_IDLE_MINUTES = _env_int("OA_SESSION_IDLE_MINUTES", 30)
OA_SESSION_MAX_HOURS = _env_int("OA_SESSION_MAX_HOURS", 12)
# The REST API's access tokens (minutes) and refresh tokens (hours): short, since a JWT is a
# bearer credential; a day of refresh at most, not flask-jwt-extended's 30 days. (The
# security manager turns them into JWT_ACCESS_TOKEN_EXPIRES / JWT_REFRESH_TOKEN_EXPIRES.)
OA_JWT_ACCESS_MINUTES = _env_int("OA_JWT_ACCESS_MINUTES", 15)
OA_JWT_REFRESH_HOURS = _env_int("OA_JWT_REFRESH_HOURS", 24)
# Largest CSV file HR may upload for a user import.
OA_IMPORT_MAX_BYTES = _env_int("OA_IMPORT_MAX_BYTES", 2 * 1024 * 1024)

# --- Deadlines (regulations §3.3) ---------------------------------------------------------------
# Handlers are reminded when this share of a task's time has passed (0 turns reminders off).
OA_REMINDER_PERCENT = _env_int("OA_REMINDER_PERCENT", 75)
# Hours within which a question raised on an instance must be answered.
OA_QUESTION_HOURS = _env_int("OA_QUESTION_HOURS", 24)
# Business calendar: when on, deadline hours count working time only (working hours on
# working days, in the company's time zone). Holidays: a country's public calendar from the
# `holidays` package (its weekend and make-up working days included) and/or the company's
# own days off; OA_EXTRA_WORKDAYS are working days whatever else says.
OA_BUSINESS_CALENDAR = _env_bool("OA_BUSINESS_CALENDAR", False)
# The company's time zone: every time a person reads is shown in it (times are stored in
# UTC), and the business calendar's working hours are in it.
OA_TIMEZONE = os.environ.get("OA_TIMEZONE", "Asia/Shanghai")
OA_WORKING_HOURS = os.environ.get("OA_WORKING_HOURS", "09:00-12:00,13:00-18:00")
OA_WORKING_DAYS = os.environ.get("OA_WORKING_DAYS", "mon-fri")
OA_HOLIDAY_COUNTRY = os.environ.get("OA_HOLIDAY_COUNTRY", "")
OA_HOLIDAY_SUBDIVISION = os.environ.get("OA_HOLIDAY_SUBDIVISION", "")
# Comma-separated dates or ranges: 2026-10-01..2026-10-07,2026-12-31
OA_HOLIDAYS = os.environ.get("OA_HOLIDAYS", "")
OA_EXTRA_WORKDAYS = os.environ.get("OA_EXTRA_WORKDAYS", "")
# Durable timers: beat polls every this many seconds; each worker claims a batch and holds
# it for the lease (a worker that dies loses its claim when the lease runs out).
OA_TIMER_INTERVAL_SECONDS = _env_int("OA_TIMER_INTERVAL_SECONDS", 30)
OA_TIMER_BATCH = _env_int("OA_TIMER_BATCH", 1000)
OA_TIMER_LEASE_SECONDS = _env_int("OA_TIMER_LEASE_SECONDS", 300)

# --- Audit trail (regulations §6.1) ---------------------------------------------------------
# Beat signs every audit chain head that grew this often (runtime/audit_checkpoints.py): a
# trail rewritten together with its instance's head shows from its last checkpoint on.
# The signatures are keyed by SECRET_KEY: after changing it, old checkpoints fail to verify.
OA_AUDIT_CHECKPOINT_MINUTES = _env_int("OA_AUDIT_CHECKPOINT_MINUTES", 60)

# --- Forms and attachments --------------------------------------------------------------------
# Largest single attachment (fields may set a lower `max_size_mb`).
OA_ATTACHMENT_MAX_MB = _env_int("OA_ATTACHMENT_MAX_MB", 20)
# Files no submission refers to (it failed, or the upload was cut off) are removed this
# long after they were last touched; pending uploads (files kept from a refused form) nobody
# came back for, this long after they were uploaded (runtime/pending_uploads.py).
OA_ATTACHMENT_ORPHAN_HOURS = _env_int("OA_ATTACHMENT_ORPHAN_HOURS", 24)
# Where attachment files live (outside the database); default instance/attachments.
OA_ATTACHMENT_DIR = os.environ.get("OA_ATTACHMENT_DIR") or str(INSTANCE_DIR / "attachments")
# Werkzeug refuses larger request bodies before any view reads them (several files per form).
MAX_CONTENT_LENGTH = _env_int("OA_MAX_REQUEST_MB", 100) * 1024 * 1024
# Security headers on every answer (oa_platform/security_headers.py; issue 17). The
# Content-Security-Policy's "{nonce}" becomes each request's nonce, which the templates put
# on their inline scripts (Flask-AppBuilder's csp_nonce); nothing else inline may run.
OA_CONTENT_SECURITY_POLICY = os.environ.get(
    "OA_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'",
)
OA_REFERRER_POLICY = os.environ.get("OA_REFERRER_POLICY", "same-origin")
# Strict-Transport-Security, sent only when SESSION_COOKIE_SECURE is on (HTTPS): a year.
OA_HSTS_SECONDS = _env_int("OA_HSTS_SECONDS", 365 * 24 * 3600)
# "production" refuses what only a trial installation may do (`oa demo`: its users share a
# published password); anything else, e.g. "development", allows it.
OA_ENV = os.environ.get("OA_ENV", "development")

# --- Operations: backups, off-site copies, logs, health, the yearly archive (issue 24) -------
# Regulations §2.1.3 and §7.2: IT backs the system up regularly and copies it off site.
# Backups are written here (oa_platform/operations/); the folder should be on another disk.
OA_BACKUP_DIR = os.environ.get("OA_BACKUP_DIR") or str(INSTANCE_DIR / "backups")
# Encryption of the backup archives: a passphrase from the environment only (never in
# instance settings or a backup); empty: archives are not encrypted.
OA_BACKUP_KEY = os.environ.get("OA_BACKUP_KEY", "")
# Retention: the newest backup of each of the last N days, ISO weeks and months is kept.
OA_BACKUP_KEEP_DAILY = _env_int("OA_BACKUP_KEEP_DAILY", 7)
OA_BACKUP_KEEP_WEEKLY = _env_int("OA_BACKUP_KEEP_WEEKLY", 4)
OA_BACKUP_KEEP_MONTHLY = _env_int("OA_BACKUP_KEEP_MONTHLY", 12)
# Beat's schedules, as crontab fields in UTC ("minute hour day-of-month month day-of-week");
# empty turns the run off. The drill restores the newest backup into a scratch database.
OA_BACKUP_SCHEDULE = os.environ.get("OA_BACKUP_SCHEDULE", "0 18 * * *")  # 02:00 in Shanghai
OA_BACKUP_DRILL_SCHEDULE = os.environ.get("OA_BACKUP_DRILL_SCHEDULE", "0 20 * * 6")
# Off-site copies (§7.2): comma-separated URLs, e.g. "/mnt/offsite/oa,
# s3://bucket/oa, sftp://backup@host/srv/oa". Credentials come from each store's own
# environment (AWS_ACCESS_KEY_ID..., ~/.ssh), never from these URLs.
OA_BACKUP_TARGETS = _env_list("OA_BACKUP_TARGETS")
# An S3-compatible store's address (MinIO, Ceph...); empty for Amazon S3 itself.
OA_BACKUP_S3_ENDPOINT = os.environ.get("OA_BACKUP_S3_ENDPOINT", "")
# A backup older than this is missing: administrators are told and the Backups page says so.
OA_BACKUP_MAX_AGE_HOURS = _env_int("OA_BACKUP_MAX_AGE_HOURS", 26)
# The drill's scratch database; empty: a temporary SQLite file, or "<database>_restore_drill"
# beside a PostgreSQL database (created and dropped by the drill).
OA_BACKUP_SCRATCH_URL = os.environ.get("OA_BACKUP_SCRATCH_URL", "")
# The server operation log (seed 2 §6.1): JSON lines, one file a day, kept this many days.
OA_LOG_DIR = os.environ.get("OA_LOG_DIR") or str(INSTANCE_DIR / "logs")
OA_LOG_RETENTION_DAYS = _env_int("OA_LOG_RETENTION_DAYS", 90)
# Beat's heartbeat (readiness counts beat as down after three missed beats), in seconds.
OA_BEAT_HEARTBEAT_SECONDS = _env_int("OA_BEAT_HEARTBEAT_SECONDS", 60)
# Readiness (/health/ready) fails when a disk holding attachments or backups has less free.
OA_HEALTH_MIN_FREE_MB = _env_int("OA_HEALTH_MIN_FREE_MB", 1024)
# The yearly archive on disc images (seed 2 §7.2): where `oa archive YEAR` writes and the
# size of one disc (700 MB: a CD).
OA_ARCHIVE_DIR = os.environ.get("OA_ARCHIVE_DIR") or str(INSTANCE_DIR / "archive")
OA_ARCHIVE_DISC_MB = _env_int("OA_ARCHIVE_DISC_MB", 700)
# Red and white tickets (§8.7; issue 22): what a white ticket means in this company,
# "warning" or "commendation" (a red ticket is always a penalty).
OA_WHITE_TICKET = os.environ.get("OA_WHITE_TICKET", "warning")
