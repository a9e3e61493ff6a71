"""Ending a failed runtime transaction: what the session kept for it goes with it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from oa_platform.runtime import audit, deferred


def roll_back(session: Session) -> None:
    """Roll back, and forget the cached audit chain heads and the work queued for after the
    commit: both may name things that now never happened."""
    session.rollback()
    audit.forget_heads(session)
    deferred.discard(session)
