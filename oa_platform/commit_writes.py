"""Rows a transaction collects as it goes and writes in one statement when it commits.

The audit trail and notifications are appended one at a time by the runtime (a step, a
chunk of timers), yet need nothing back before the commit: writing them there, all at once,
costs one statement per transaction instead of one per row. A rolled-back savepoint drops the
rows added inside it, a rollback drops all, so a row exists exactly when the change it
describes commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

Row = TypeVar("Row")


class WrittenAtCommit(Generic[Row]):
    """A kind of row kept on each session until its outermost transaction commits.

    ``write(session, rows)`` runs in the session's ``before_commit``, inside the transaction,
    with the rows in the order they were added; it is not called when there are none.
    ``name`` keys the session's ``info`` and must be unique. ``first`` writes this kind
    before the kinds made without it (the audit trail: its heads ride in the flush of the
    instances the transaction changed, which the others' writes would flush before).
    """

    def __init__(
        self, name: str, write: Callable[[Session, list[Row]], None], *, first: bool = False
    ):
        self._rows = f"{name}_pending"
        self._marks = f"{name}_savepoints"
        self._write = write
        event.listen(Session, "after_transaction_create", self._mark_savepoint)
        event.listen(Session, "before_commit", self._write_pending, insert=first)
        event.listen(Session, "after_soft_rollback", self._drop_rolled_back)
        event.listen(Session, "after_transaction_end", self._forget_transaction)

    def add(self, session: Session, row: Row) -> None:
        """Write ``row`` when the session's transaction commits."""
        self.pending(session).append(row)

    def pending(self, session: Session) -> list[Row]:
        """The rows added in the session's transaction, not written yet."""
        return session.info.setdefault(self._rows, [])

    def _mark_savepoint(self, session: Session, transaction: SessionTransaction) -> None:
        # Where a savepoint began in the pending rows: its rollback drops the ones after.
        if transaction.nested:
            session.info.setdefault(self._marks, {})[transaction] = len(self.pending(session))

    def _write_pending(self, session: Session) -> None:
        # before_commit also fires for savepoints: only the outermost commit writes.
        if session.get_nested_transaction() is None:
            rows = session.info.pop(self._rows, [])
            if rows:
                self._write(session, rows)

    def _drop_rolled_back(self, session: Session, previous: SessionTransaction) -> None:
        marks = session.info.get(self._marks, {})
        if previous.nested and previous in marks:
            del self.pending(session)[marks.pop(previous) :]
        else:
            session.info.pop(self._rows, None)

    def _forget_transaction(self, session: Session, transaction: SessionTransaction) -> None:
        # A savepoint's mark stays until then: its rollback is announced after it ended.
        if transaction.parent is None:
            for key in (self._rows, self._marks):
                session.info.pop(key, None)
