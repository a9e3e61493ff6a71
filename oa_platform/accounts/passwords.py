"""Hashing, history and one-time passwords, shared by every command that sets a password."""

from __future__ import annotations

import secrets
import string

from flask import current_app
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser, PasswordHistory
from oa_platform.accounts.password_policy import PasswordPolicy

_TEMP_ALPHABET = string.ascii_letters + string.digits + "-_.!@#"


def hash_password(password: str) -> str:
    return generate_password_hash(
        password,
        method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def recent_hashes(session: Session, user: OAUser, count: int) -> list[str]:
    """The user's current hash and the previous ones, newest first, ``count`` in all."""
    if count <= 0:
        return []
    rows = session.scalars(
        select(PasswordHistory.password_hash)
        .where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.created_at.desc(), PasswordHistory.id.desc())
        .limit(count)
    )
    return list(rows)


def store_password(session: Session, user: OAUser, password: str, *, must_change: bool) -> None:
    """Set ``user``'s password, remember it in the history and (re)start its age.

    Every session and JWT made with the old password ends: they carry the credentials version
    they were made with (``accounts/sessions.py``), and this moves it on.
    """
    store_password_hash(session, user, hash_password(password), must_change=must_change)


def store_password_hash(
    session: Session, user: OAUser, password_hash: str, *, must_change: bool
) -> None:
    """:func:`store_password` with the hash made beforehand: hashing is slow on purpose, so
    a bulk import hashes before its write transaction opens, not while it holds it."""
    user.password = password_hash
    user.credentials_version = (user.credentials_version or 0) + 1
    user.password_changed_at = utcnow()
    user.must_change_password = must_change
    session.add(PasswordHistory(user_id=user.id, password_hash=user.password))


def one_time_password(policy: PasswordPolicy, username: str = "") -> str:
    """A random password that itself satisfies the policy, for resets and new accounts."""
    length = max(policy.min_length, 16)
    while True:
        candidate = "".join(secrets.choice(_TEMP_ALPHABET) for _ in range(length))
        if not policy.problems(candidate, username):
            return candidate


def fab_complexity_validator(password: str) -> None:
    """The policy for FAB's own user forms (an administrator's initial password), where no
    user name or history is at hand; the user must change it at first log-in anyway."""
    problems = PasswordPolicy.from_config(current_app.config).problems(password)
    if problems:
        raise PasswordComplexityValidationError(" ".join(problems))
