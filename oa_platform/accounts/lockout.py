"""Lock-out after repeated failed log-ins (default 5 failures, 15 minutes; §6.2).

Counted per typed user name whether or not an account has it, so a locked answer never tells
an attacker that a name exists; a name that resolves to an account (its user name or its
e-mail address) counts for the account's user name as well, so typing the other one does not
get round a lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from oa_platform.accounts.models import LoginThrottle


@dataclass(frozen=True)
class LockoutRule:
    threshold: int = 5
    minutes: int = 15

    @classmethod
    def from_config(cls, config) -> LockoutRule:
        return cls(
            threshold=int(config["OA_LOCKOUT_THRESHOLD"]),
            minutes=int(config["OA_LOCKOUT_MINUTES"]),
        )


def throttle_key(username: str) -> str:
    return username.strip().lower()[:128]


def names_to_count(typed: str, account_username: str | None) -> list[str]:
    """The throttle names one log-in attempt counts for: the typed name, and the user name
    of the account it resolved to when that differs."""
    names = [throttle_key(typed)]
    if account_username is not None and throttle_key(account_username) not in names:
        names.append(throttle_key(account_username))
    return names


def locked_until(session: Session, username: str, now: datetime) -> datetime | None:
    """The end of the running lock for this name, or None when it may try."""
    row = session.get(LoginThrottle, throttle_key(username))
    if row is None or row.locked_until is None or row.locked_until <= now:
        return None
    return row.locked_until


def register_failure(session: Session, username: str, now: datetime, rule: LockoutRule) -> bool:
    """Count one failure; return True when this failure starts a lock."""
    key = throttle_key(username)
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(username=key, failures=0)
        session.add(row)
    if row.locked_until is not None and row.locked_until <= now:
        row.failures = 0  # the last lock has run out: count afresh
        row.locked_until = None
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= rule.threshold and row.locked_until is None:
        row.locked_until = now + timedelta(minutes=rule.minutes)
        return True
    return False


def clear(session: Session, username: str) -> None:
    """Forget failures after a successful log-in."""
    row = session.get(LoginThrottle, throttle_key(username))
    if row is not None:
        session.delete(row)


def purge_expired(session: Session, now: datetime, older_than: timedelta) -> int:
    """Delete rows whose lock ended and whose last failure is older than ``older_than``."""
    cutoff = now - older_than
    rows = (
        session.query(LoginThrottle)
        .filter(LoginThrottle.last_failure_at < cutoff)
        .filter((LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until <= now))
    )
    return rows.delete(synchronize_session=False)
