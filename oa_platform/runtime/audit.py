"""The per-instance audit trail (regulations §6.1): append-only, hash-chained.

Each entry's hash covers its content and the previous entry's hash, so changing, removing or
reordering any entry breaks every hash after it; :func:`verify` finds the first break. Entries
are kept on the caller's session and written by its commit, with the change they describe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session, SessionTransaction

from form_builder.clock import utcnow
from oa_platform.commit_writes import WrittenAtCommit
from oa_platform.runtime.models import AuditEntry

GENESIS = "0" * 64
# The columns an entry's hash covers, besides its own hash and id.
_COLUMNS = (
    "instance_id",
    "seq",
    "at",
    "event",
    "actor_id",
    "on_behalf_of_id",
    "node_id",
    "task_id",
    "detail",
    "prev_hash",
)
# Key of Session.info: the chains' cached heads.
_HEADS = "audit_heads"


def content_hash(row: Mapping[str, Any]) -> str:
    """The hash of an entry's content (its columns, by name) chained to ``prev_hash``."""
    content = {
        "instance": row["instance_id"],
        "seq": row["seq"],
        "at": row["at"].isoformat(timespec="microseconds"),
        "event": row["event"],
        "actor": row["actor_id"],
        "on_behalf_of": row["on_behalf_of_id"],
        "node": row["node_id"],
        "task": row["task_id"],
        "detail": row["detail"],
        "prev": row["prev_hash"],
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    """The hash a stored entry should have."""
    return content_hash({key: getattr(entry, key) for key in _COLUMNS})


def append(
    session: Session,
    instance_id: int,
    event: str,
    *,
    actor_id: int | None = None,
    on_behalf_of_id: int | None = None,
    node_id: str | None = None,
    task_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add the next entry of the instance's chain to ``session``'s transaction.

    The entry is inserted when the transaction commits, with the transaction's other
    entries, in one statement; a rollback of the transaction, or of a savepoint it was added
    in, drops it. Until the commit, queries do not see it.
    """
    seq, prev = _head(session, instance_id)
    # A row of column values, not an AuditEntry: the commit inserts it as it is.
    row = {
        "instance_id": instance_id,
        "seq": seq + 1,
        "at": utcnow(),
        "event": event,
        "actor_id": actor_id,
        "on_behalf_of_id": on_behalf_of_id,
        "node_id": node_id,
        "task_id": task_id,
        "detail": detail or {},
        "prev_hash": prev,
    }
    row["hash"] = content_hash(row)
    session.info.setdefault(_HEADS, {})[instance_id] = (row["seq"], row["hash"])
    _entries.add(session, row)


def _head(session: Session, instance_id: int) -> tuple[int, str]:
    """(seq, hash) of the chain's last entry: remembered, added in this transaction, or
    read."""
    heads: dict[int, tuple[int, str]] = session.info.setdefault(_HEADS, {})
    if instance_id not in heads:
        mine = [row for row in _entries.pending(session) if row["instance_id"] == instance_id]
        if mine:
            heads[instance_id] = (mine[-1]["seq"], mine[-1]["hash"])
        else:
            # No autoflush: the trail's rows are written only by the commit (_insert), so
            # pending ORM changes cannot alter the answer, and flushing them here, once per
            # instance, would cost more than the read.
            with session.no_autoflush:
                last = session.execute(
                    select(AuditEntry.seq, AuditEntry.hash)
                    .where(AuditEntry.instance_id == instance_id)
                    .order_by(AuditEntry.seq.desc())
                    .limit(1)
                ).first()
            heads[instance_id] = (last[0], last[1]) if last else (0, GENESIS)
    return heads[instance_id]


def read_heads(session: Session, instance_ids: Iterable[int]) -> None:
    """Read the chain heads of many instances in one query, for :func:`append` to find
    (a chunk of timers touches one instance per timer: one query instead of one each)."""
    heads: dict[int, tuple[int, str]] = session.info.setdefault(_HEADS, {})
    touched = {row["instance_id"] for row in _entries.pending(session)}
    wanted = {i for i in instance_ids if i not in heads and i not in touched}
    if not wanted:
        return
    last = (
        select(AuditEntry.instance_id, func.max(AuditEntry.seq).label("seq"))
        .where(AuditEntry.instance_id.in_(wanted))
        .group_by(AuditEntry.instance_id)
        .subquery()
    )
    with session.no_autoflush:  # as in _head
        rows = session.execute(
            select(AuditEntry.instance_id, AuditEntry.seq, AuditEntry.hash).join(
                last,
                (AuditEntry.instance_id == last.c.instance_id) & (AuditEntry.seq == last.c.seq),
            )
        )
        found = {instance_id: (seq, hash_) for instance_id, seq, hash_ in rows}
    for instance_id in wanted:
        heads[instance_id] = found.get(instance_id, (0, GENESIS))


def forget_heads(session: Session) -> None:
    """Drop cached chain heads (after a rollback they may name entries that never were)."""
    session.info.pop(_HEADS, None)


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    # A Core executemany on the table: the entries' ids are never needed (fetching them costs
    # a statement per row on SQLite), and the ORM's bulk path cost more than the insert.
    session.connection().execute(_INSERT, rows)


_INSERT = insert(AuditEntry.__table__)


_entries: WrittenAtCommit[dict[str, Any]] = WrittenAtCommit("audit", _insert)


@event.listens_for(Session, "after_soft_rollback")
def _forget_heads_after_rollback(session: Session, previous: SessionTransaction) -> None:
    forget_heads(session)


@event.listens_for(Session, "after_commit")
def _forget_heads_after_commit(session: Session) -> None:
    # Once committed, other transactions may extend the same chains: a long-lived session (a
    # worker firing timer after timer) must read the heads again, not append after stale ones.
    # after_commit also fires for savepoints, which end nothing: the heads are still ours.
    if session.get_nested_transaction() is None:
        forget_heads(session)


@dataclass(frozen=True)
class Break:
    instance_id: int
    seq: int
    entry_id: int
    reason: str

    def __str__(self) -> str:
        return f"instance {self.instance_id}, entry {self.seq} (id {self.entry_id}): {self.reason}"


def verify(session: Session, instance_id: int | None = None) -> list[Break]:
    """The first broken entry of every chain (of one instance, or of all); empty if sound."""
    query = select(AuditEntry).order_by(AuditEntry.instance_id, AuditEntry.seq)
    if instance_id is not None:
        query = query.where(AuditEntry.instance_id == instance_id)
    breaks: list[Break] = []
    for chain in _chains(session.scalars(query.execution_options(yield_per=1000))):
        problem = _first_break(chain)
        if problem:
            breaks.append(problem)
    return breaks


def _chains(entries) -> Iterator[list[AuditEntry]]:
    chain: list[AuditEntry] = []
    for entry in entries:
        if chain and chain[0].instance_id != entry.instance_id:
            yield chain
            chain = []
        chain.append(entry)
    if chain:
        yield chain


def _first_break(chain: list[AuditEntry]) -> Break | None:
    prev = GENESIS
    for expected_seq, entry in enumerate(chain, start=1):
        if entry.seq != expected_seq:
            return Break(entry.instance_id, entry.seq, entry.id, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev:
            return Break(entry.instance_id, entry.seq, entry.id, "does not follow the entry before")
        if entry_hash(entry) != entry.hash:
            return Break(entry.instance_id, entry.seq, entry.id, "its content was changed")
        prev = entry.hash
    return None
