"""The instance's settings that are not secrets, saved into each backup so that a new
machine can be set up like the old one (seed 2 §6.2: configuration is kept confidential, so
keys, passwords, tokens and URLs with credentials never leave in a backup)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask
from sqlalchemy import make_url

_SECRET = re.compile(r"KEY|SECRET|PASSWORD|TOKEN|CREDENTIAL|SALT", re.IGNORECASE)
_URL_SETTINGS = {"SQLALCHEMY_DATABASE_URI", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
_ALSO = {"APP_NAME", "LANGUAGES", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_DEFAULT_SENDER"}


def _without_password(url: Any) -> str | None:
    if not url:
        return None
    try:
        return make_url(str(url)).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads (a broker's): keep only its scheme
        return str(url).split(":", 1)[0] + "://…"


def snapshot(app: Flask) -> dict[str, Any]:
    """The platform's own settings (``OA_*`` and a few more), secrets left out."""
    kept: dict[str, Any] = {}
    for name, value in sorted(app.config.items()):
        if _SECRET.search(name):
            continue
        if name in _URL_SETTINGS:
            kept[name] = _without_password(value)
        elif name == "OA_BACKUP_TARGETS":
            kept[name] = [_without_password(target) for target in value]
        elif name.startswith("OA_") or name in _ALSO:
            kept[name] = value
    return kept


def to_json(app: Flask) -> str:
    return json.dumps(snapshot(app), indent=2, sort_keys=True, default=str, ensure_ascii=False)
