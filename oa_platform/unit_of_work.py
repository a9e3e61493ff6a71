"""One unit of work per command: the only place a transaction begins its end.

Every command (the runtime's, lifecycle, agents, accounts, timers, hand-over, an
administrator's retry or skip) runs its work through :meth:`UnitOfWork.run`, which owns

- the commit, and the rollback when the work raises: views and helpers never commit;
- the retry on conflict: another transaction changed the same rows (an instance's optimistic
  version, an audit chain's sequence number), so the work runs again from scratch on the new
  state, and then sees the winner's result;
- savepoints (:meth:`savepoint`), which a plugin's hook runs in: their rollback drops what was
  done and queued inside them, and nothing else;
- the per-transaction caches (:func:`transaction_cache`): what a command read once (chain heads,
  an activation's tasks) is forgotten when its transaction ends or any rollback may have made it
  wrong;
- the after-commit queue (:meth:`after_commit`): Celery jobs, integration events and e-mails
  must never see a change that is then rolled back (Superset's lesson, SIP-98), so they are
  sent after the commit and dropped with a rollback.

The unit of work belongs to the session (one per request, CLI command or worker), so the
engine, the audit trail and notifications reach it from the session they already hold.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction, scoped_session
from sqlalchemy.orm.exc import StaleDataError

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")
RETRIES = 5
# A version-checked update lost (StaleDataError), or an insert met a row another transaction
# added first (the audit chain's unique sequence number): the work's premise changed.
CONFLICTS: tuple[type[Exception], ...] = (StaleDataError, IntegrityError)

_KEY = "oa_unit_of_work"
_CACHES = "oa_transaction_caches"


class UnitOfWork:
    """The transaction boundary of the commands run on one session."""

    def __init__(self, session: Session):
        self.session = session
        self._queue: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self._running = False

    def run(
        self,
        work: Callable[[], T],
        *,
        conflicts: tuple[type[Exception], ...] = CONFLICTS,
        retries: int = RETRIES,
    ) -> T:
        """Run ``work`` and commit, then send what it queued; roll back if it raises.

        On one of ``conflicts`` the work runs again, up to ``retries`` times in all; pass
        ``conflicts=()`` for work whose integrity errors are the user's (a duplicate name),
        which it reports itself. A command run by another command's work joins its unit:
        the outer one commits, or rolls back, both.
        """
        if self._running:
            return work()
        self._running = True
        try:
            result = self._attempts(work, conflicts, retries)
        finally:
            self._running = False
        # Outside the unit: what it sends may run a command at once (an eager Celery job).
        self._dispatch()
        return result

    def _attempts(
        self, work: Callable[[], T], conflicts: tuple[type[Exception], ...], retries: int
    ) -> T:
        for attempt in range(retries):
            try:
                result = work()
                self.session.commit()
            except conflicts:
                self.roll_back()
                if attempt == retries - 1:
                    raise
                continue
            except BaseException:
                self.roll_back()
                raise
            return result
        raise AssertionError("unreachable")

    def roll_back(self) -> None:
        """Undo the transaction: its caches and queued work go with it."""
        self.session.rollback()
        self._queue.clear()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run the block in a savepoint: if it raises, what it did and queued is undone (and
        the transaction's caches forgotten) before the exception goes on; what came before
        is kept."""
        queued = len(self._queue)
        nested = self.session.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            del self._queue[queued:]
            raise
        nested.commit()

    def after_commit(self, send: Callable[..., Any], *args: Any) -> None:
        """Call ``send(*args)`` once the transaction has committed; never if it rolls back."""
        self._queue.append((send, args))

    def _dispatch(self) -> None:
        queue, self._queue = self._queue, []
        for send, args in queue:
            try:
                send(*args)
            except Exception:  # committed: a broker outage must not look like a failed command
                log.exception("after-commit work %s failed", getattr(send, "__name__", send))


def unit_of_work(session: Session) -> UnitOfWork:
    """The unit of work of ``session`` (made the first time it is asked for)."""
    unit = session.info.get(_KEY)
    if unit is None:
        unit = session.info[_KEY] = UnitOfWork(session)
    return unit


def command(function: Callable[Concatenate[Session, P], T]) -> Callable[Concatenate[Session, P], T]:
    """Make ``function(session, ...)`` a command: one unit of work on its session."""

    @functools.wraps(function)
    def run(session: Session, *args: P.args, **kwargs: P.kwargs) -> T:
        return unit_of_work(session).run(lambda: function(session, *args, **kwargs))

    return run


def transaction_cache(session: Session, name: str) -> dict[Any, Any]:
    """A dict for what the session's transaction read or wrote under ``name``.

    Forgotten when the transaction ends (others may change the rows next) and on any rollback,
    a savepoint's included (what it named may never have been).
    """
    # db.session is a scoped_session: the request's own Session knows its transaction.
    current = session() if isinstance(session, scoped_session) else session
    transaction = current.get_transaction()
    if transaction is None:
        return {}  # no transaction yet: nothing read is known to hold in the one to come
    held = session.info.get(_CACHES)
    if held is None or held[0] is not transaction:
        # Filled in an earlier transaction: not this one's.
        held = session.info[_CACHES] = (transaction, {})
    return held[1].setdefault(name, {})


def _forget_caches(session: Session) -> None:
    session.info.pop(_CACHES, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_transaction(session: Session, transaction: SessionTransaction) -> None:
    # Committed or rolled back: other transactions may change the rows next (a worker's
    # long-lived session must read an audit chain's head again, not append after a stale one).
    if transaction.parent is None:
        _forget_caches(session)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous: SessionTransaction) -> None:
    _forget_caches(session)
    if not previous.nested:
        unit = session.info.get(_KEY)
        if unit is not None:
            unit._queue.clear()
