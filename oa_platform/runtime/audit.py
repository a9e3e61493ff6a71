"""The per-instance audit trail (regulations §6.1): append-only, hash-chained, anchored.

Each entry's hash covers its content and the previous entry's hash, so changing, removing or
reordering any entry breaks every hash after it; :func:`verify` finds the first break. Entries
are kept on the caller's session and written by its commit, with the change they describe.

Deleting the *last* entries breaks no hash, so each chain's head (how many entries, the last
one's hash) is also kept on its instance's row, written by the same commit: a trail that
ends before its head is a truncated one. Signed checkpoints (``audit_checkpoints``) guard
the heads in turn against someone who rewrites both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.commit_writes import WrittenAtCommit
from oa_platform.runtime.models import AUDIT_GENESIS, Activation, AuditEntry, Instance, Task
from oa_platform.runtime.rows import write_updates
from oa_platform.unit_of_work import transaction_cache

GENESIS = AUDIT_GENESIS
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
# The transaction cache of the chains' heads.
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


# Who reads each transaction's entries before its commit writes them (``observe``).
_observers: list[Callable[[Session, list[dict[str, Any]]], None]] = []


def observe(reader: Callable[[Session, list[dict[str, Any]]], None]) -> None:
    """Have ``reader(session, entries)`` see each transaction's new entries (rows of column
    values, in order) at its commit, before they are written, inside the transaction: what a
    step did is said once, here, and the notifications tell people from it (issue 19)."""
    if reader not in _observers:
        _observers.append(reader)


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
    transaction_cache(session, _HEADS)[instance_id] = (row["seq"], row["hash"])
    _entries.add(session, row)


def _head(session: Session, instance_id: int) -> tuple[int, str]:
    """(seq, hash) of the chain's last entry: remembered, added in this transaction, or the
    head its instance records, read."""
    heads: dict[int, tuple[int, str]] = transaction_cache(session, _HEADS)
    if instance_id not in heads:
        mine = [row for row in _entries.pending(session) if row["instance_id"] == instance_id]
        if mine:
            heads[instance_id] = (mine[-1]["seq"], mine[-1]["hash"])
        else:
            heads[instance_id] = _read_head(session, instance_id)
    return heads[instance_id]


def _read_head(session: Session, instance_id: int) -> tuple[int, str]:
    # The instance's head, not the trail's last row: were the last rows deleted, the next
    # entry must leave the gap showing, not quietly take over their numbers. Read, not taken
    # from a loaded Instance: that may have been loaded before another transaction extended
    # the chain (a worker's long-lived session), and appending after it would only conflict.
    # No autoflush: the head is written only by the commit (_write), so pending ORM changes
    # cannot alter the answer, and flushing them here, once per instance, would cost more
    # than the read.
    with session.no_autoflush:
        row = session.execute(_READ_HEAD, {"instance": instance_id}).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def know_head(session: Session, instance_id: int, count: int, head: str) -> None:
    """The chain head of ``instance_id`` as a query of the caller's transaction just read it
    from the instance's row (with the rest of a command's context): :func:`append` then needs
    no read of its own."""
    heads: dict[int, tuple[int, str]] = transaction_cache(session, _HEADS)
    if instance_id not in heads and not any(
        row["instance_id"] == instance_id for row in _entries.pending(session)
    ):
        heads[instance_id] = (count, head)


def read_heads(session: Session, instance_ids: Iterable[int]) -> None:
    """Read the chain heads of many instances in one query, for :func:`append` to find
    (a chunk of timers touches one instance per timer: one query instead of one each)."""
    heads: dict[int, tuple[int, str]] = transaction_cache(session, _HEADS)
    touched = {row["instance_id"] for row in _entries.pending(session)}
    wanted = {i for i in instance_ids if i not in heads and i not in touched}
    if not wanted:
        return
    with session.no_autoflush:  # as in _read_head
        found = {
            instance_id: (count, head)
            for instance_id, count, head in session.execute(_READ_HEADS, {"instances": wanted})
        }
    for instance_id in wanted:
        heads[instance_id] = found.get(instance_id, (0, GENESIS))


def write_heads(session: Session, heads: Mapping[int, tuple[int, str]]) -> None:
    """Record chains' heads, {instance id: (entries, last hash)}, on their instances.

    The commit does this for what :func:`append` added; code that writes trail rows itself
    (bulk copies) calls it for those. Instances go in id order: two transactions that lock
    several of the same rows lock them in the same order (no deadlock on PostgreSQL).
    """
    if heads:
        rows = [
            {"instance": instance_id, "count": count, "head": head}
            for instance_id, (count, head) in sorted(heads.items())
        ]
        session.connection().execute(_WRITE_HEAD, rows)


def _write(session: Session, rows: list[dict[str, Any]]) -> None:
    """At commit: the entries, and each touched chain's new head on its instance.

    Only the rows still pending are written (a rolled-back savepoint took its own away), so
    the head is the last of those, whatever was undone. The heads go first, so that a
    transaction locks its instances' rows before it claims entry numbers in the trail's
    unique index, as a command that changed its instance (the revision bump) already has:
    were the entries first, a view or a reminder holding the next number while it waits for
    the row would deadlock with such a command on PostgreSQL. Now the two queue on the row
    and the later one still fails on the unique sequence, and runs again. An instance the
    transaction changed gets its head in the ORM's UPDATE of it (version-checked), flushed
    here first; the others (a view, a reminder) one UPDATE by primary key each.
    """
    # No autoflush: the instances' flush below must still find them changed (their heads
    # ride in it), whatever a reader looks up.
    with session.no_autoflush:
        for reader in _observers:
            reader(session, rows)
    heads = {row["instance_id"]: (row["seq"], row["hash"]) for row in rows}
    # An instance the transaction changed is updated anyway (its revision): the head rides
    # in that UPDATE, written here, with the step's activations and tasks, so the row is
    # still taken first (by Core statements built once: ``rows.write_updates``).
    changed = [
        instance
        for instance in session.dirty
        if isinstance(instance, Instance) and instance.id in heads and session.is_modified(instance)
    ]
    for instance in changed:
        instance.audit_count, instance.audit_head = heads.pop(instance.id)
    write_updates(session, (Instance, Activation, Task))
    write_heads(session, heads)
    # A Core executemany on the table: the entries' ids are never needed (fetching them costs
    # a statement per row on SQLite), and the ORM's bulk path cost more than the insert.
    session.connection().execute(_INSERT, rows)


# Statements built once (building them costs more than SQLite running them).
_instances = Instance.__table__
_READ_HEAD = select(_instances.c.audit_count, _instances.c.audit_head).where(
    _instances.c.id == bindparam("instance")
)
_READ_HEADS = select(_instances.c.id, _instances.c.audit_count, _instances.c.audit_head).where(
    _instances.c.id.in_(bindparam("instances", expanding=True))
)
_WRITE_HEAD = (
    update(_instances)
    .where(_instances.c.id == bindparam("instance"))
    .values(audit_count=bindparam("count"), audit_head=bindparam("head"))
)
_INSERT = insert(AuditEntry.__table__)


_entries: WrittenAtCommit[dict[str, Any]] = WrittenAtCommit("audit", _write, first=True)


@dataclass(frozen=True)
class Break:
    """Something :func:`verify` found wrong: in a chain (at an entry, when ``entry_id`` is
    set), or in the checkpoints (``instance_id`` None)."""

    instance_id: int | None
    seq: int | None
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        if self.instance_id is None:
            return self.reason
        if self.entry_id is None:
            return f"instance {self.instance_id}: {self.reason}"
        return f"instance {self.instance_id}, entry {self.seq} (id {self.entry_id}): {self.reason}"


def verify(
    session: Session, instance_id: int | None = None, key: bytes | None = None
) -> list[Break]:
    """What is wrong with every chain (of one instance, or of all); empty if all is sound.

    For each chain: its first broken entry; a head that the trail does not end at (its last
    entries were deleted, or some added behind the runtime's back); and, with the signing
    ``key`` (by default the app's), a signed checkpoint the chain no longer contains. Then,
    for all instances, the checkpoint runs themselves (``audit_checkpoints.verify_runs``).
    """
    # Imported here: the checkpoints build on this module.
    from oa_platform.runtime import audit_checkpoints

    key = audit_checkpoints.default_key() if key is None else key
    entries = select(AuditEntry).order_by(AuditEntry.instance_id, AuditEntry.seq)
    heads = (
        select(Instance.id, Instance.audit_count, Instance.audit_head)
        .where(Instance.audit_count > 0)
        .order_by(Instance.id)
    )
    if instance_id is not None:
        entries = entries.where(AuditEntry.instance_id == instance_id)
        heads = heads.where(Instance.id == instance_id)
    chains = (
        (number, list(chain))
        for number, chain in groupby(
            session.scalars(entries.execution_options(yield_per=1000)), lambda e: e.instance_id
        )
    )
    recorded = (
        (row[0], (row[1], row[2]))
        for row in session.execute(heads.execution_options(yield_per=1000))
    )
    signed = audit_checkpoints.signed_by_instance(session, key, instance_id) if key else ()
    breaks: list[Break] = []
    for number, (chain, head, checkpoints) in _merge(chains, recorded, signed):
        chain = chain or []
        problem = first_break(chain)
        if problem:
            breaks.append(problem)
        problem = head_mismatch(number, chain[-1] if chain else None, head or (0, GENESIS))
        if problem:
            breaks.append(problem)
        if checkpoints is not None:
            breaks += checkpoints.problems(chain)
    if key and instance_id is None:
        breaks += audit_checkpoints.verify_runs(session, key)
    return breaks


def _merge(*streams: Iterable[tuple[int, Any]]) -> Iterator[tuple[int, list[Any]]]:
    """Join streams of (instance id, item), each in ascending id order, on the id: each id
    with its item from every stream (None from those without one). Streams are read as
    they go, so verifying every instance never holds more than one chain."""
    iterators = [iter(stream) for stream in streams]
    current = [next(iterator, None) for iterator in iterators]
    while any(item is not None for item in current):
        low = min(item[0] for item in current if item is not None)
        items = []
        for n, item in enumerate(current):
            if item is not None and item[0] == low:
                items.append(item[1])
                current[n] = next(iterators[n], None)
            else:
                items.append(None)
        yield low, items


def first_break(chain: Sequence[AuditEntry], after: tuple[int, str] = (0, GENESIS)) -> Break | None:
    """The first entry of ``chain`` that does not follow ``after`` (seq, hash: the entry
    before it; the chain's start by default) and the entries before it, or is not what its
    own hash says."""
    expected_seq, prev = after
    for entry in chain:
        expected_seq += 1
        if entry.seq != expected_seq:
            return Break(entry.instance_id, entry.seq, entry.id, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev:
            return Break(entry.instance_id, entry.seq, entry.id, "does not follow the entry before")
        if entry_hash(entry) != entry.hash:
            return Break(entry.instance_id, entry.seq, entry.id, "its content was changed")
        prev = entry.hash
    return None


def gone(first: int, last: int) -> str:
    """Which entries are missing, in words: "entry 9" or "entries 8-9"."""
    return f"entry {last}" if first == last else f"entries {first}-{last}"


def head_mismatch(
    instance_id: int,
    last: AuditEntry | None,
    head: tuple[int, str],
    after: tuple[int, str] = (0, GENESIS),
) -> Break | None:
    """Whether a trail whose last entry is ``last`` (None: no entry after ``after``, the
    start by default) ends at the ``head`` its instance records; None if it does."""
    count, head_hash = head
    last_seq = last.seq if last is not None else after[0]
    if last_seq < count:
        return Break(
            instance_id,
            last_seq + 1,
            None,
            f"trail ends at entry {last_seq} but its head records {count} entries"
            f" ({gone(last_seq + 1, count)} deleted)",
        )
    if last_seq > count:
        return Break(
            instance_id,
            count + 1,
            None,
            f"trail has {last_seq} entries but its head records only {count}"
            f" ({gone(count + 1, last_seq)} written outside the runtime)",
        )
    if last is not None and last.hash != head_hash:
        return Break(
            instance_id,
            last.seq,
            last.id,
            "is not the last entry its instance's head records (the trail's end was rewritten)",
        )
    return None
