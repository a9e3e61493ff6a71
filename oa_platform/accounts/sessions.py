"""When a page session or an API token stops counting (issue 17, defect 3).

Flask keeps the session in a signed cookie, so the server cannot delete one; instead each
session carries, from its log-in on, its own id, the account's credentials version, its
log-in time and the time it was last used, and every request checks them
(``OASecurityManager.load_session_user``). A JWT carries the credentials version as the
claim ``cv`` and its id as ``jti`` (checked by the JWT manager's blocklist loader):

- a new password, a reset or a deactivation moves the account's credentials version on, so
  every session and token made before it is refused;
- a log-out records the session's id (or a token's ``jti``) in ``account_revoked_token``,
  so a copy of the logged-out cookie or token is refused;
- a session ends ``OA_SESSION_IDLE_MINUTES`` after its last request and
  ``OA_SESSION_MAX_HOURS`` after its log-in; tokens expire by their own ``exp``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser, RevokedToken

SESSION_ID = "_oa_sid"
CREDENTIALS = "_oa_cv"
LOGGED_IN_AT = "_oa_login"
LAST_SEEN_AT = "_oa_seen"
# Flask-Login's keys: dropped with ours when a session stops counting.
_FLASK_LOGIN = ("_user_id", "_fresh", "_id", "_remember_seconds")
# The last-use time is written back at most this often, so a busy page does not rewrite its
# cookie on every request; an idle time-out may therefore fall up to this much later.
_SEEN_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionRule:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SessionRule:
        return cls(
            idle=timedelta(minutes=int(config["OA_SESSION_IDLE_MINUTES"])),
            absolute=timedelta(hours=int(config["OA_SESSION_MAX_HOURS"])),
        )


def _stamp(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def _moment(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)


def start(cookie: MutableMapping[str, Any], user: OAUser, now: datetime | None = None) -> None:
    """A log-in: give the session its id, the account's credentials version and its times."""
    now = now or utcnow()
    cookie[SESSION_ID] = secrets.token_urlsafe(24)
    cookie[CREDENTIALS] = user.credentials_version
    cookie[LOGGED_IN_AT] = cookie[LAST_SEEN_AT] = _stamp(now)


def follow_credentials(cookie: MutableMapping[str, Any], user: OAUser) -> None:
    """The session's own person changed their password: this session goes on, the others
    (which still carry the old version) end."""
    if SESSION_ID in cookie:
        cookie[CREDENTIALS] = user.credentials_version


def refusal(
    cookie: MutableMapping[str, Any],
    user: OAUser,
    revoked: bool,
    rule: SessionRule,
    now: datetime | None = None,
) -> str | None:
    """Why the session no longer counts for ``user``, or None (and its last use noted)."""
    now = now or utcnow()
    if SESSION_ID not in cookie or LOGGED_IN_AT not in cookie or LAST_SEEN_AT not in cookie:
        return "a session from before its rules"
    if revoked:
        return "logged out"
    if cookie.get(CREDENTIALS) != user.credentials_version:
        return "credentials changed"
    if now - _moment(cookie[LOGGED_IN_AT]) > rule.absolute:
        return "too old"
    seen = _moment(cookie[LAST_SEEN_AT])
    if now - seen > rule.idle:
        return "idle"
    if now - seen >= _SEEN_RESOLUTION:
        cookie[LAST_SEEN_AT] = _stamp(now)
    return None


def end(cookie: MutableMapping[str, Any]) -> None:
    """Forget the signed-in person in this cookie (Flask-Login's keys and ours)."""
    for key in (*_FLASK_LOGIN, SESSION_ID, CREDENTIALS, LOGGED_IN_AT, LAST_SEEN_AT):
        cookie.pop(key, None)


def revoke_session(
    db_session: Session, cookie: MutableMapping[str, Any], user: OAUser, rule: SessionRule
) -> None:
    """A log-out: a copy of this cookie is refused from now on (not committed here)."""
    session_id = cookie.get(SESSION_ID)
    if session_id:
        logged_in = _moment(cookie.get(LOGGED_IN_AT) or _stamp(utcnow()))
        revoke(db_session, session_id, user, logged_in + rule.absolute)
    end(cookie)


def revoke(db_session: Session, jti: str, user: OAUser | None, expires_at: datetime) -> None:
    """Refuse the session or token ``jti`` until it would have expired (not committed)."""
    if db_session.get(RevokedToken, jti) is None:
        db_session.add(
            RevokedToken(
                jti=jti, user_id=user.id if user is not None else None, expires_at=expires_at
            )
        )


def purge_expired(db_session: Session, now: datetime) -> int:
    """Forget revocations of credentials that have expired anyway."""
    result = db_session.execute(delete(RevokedToken).where(RevokedToken.expires_at <= now))
    return result.rowcount or 0
