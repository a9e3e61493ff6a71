"""The per-instance audit trail (regulations §6.1): append-only, hash-chained.

Each entry's hash covers its content and the previous entry's hash, so changing, removing or
reordering any entry breaks every hash after it; :func:`verify` finds the first break. Entries
are added to the caller's session and commit with the change they describe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.runtime.models import AuditEntry

GENESIS = "0" * 64


def entry_hash(entry: AuditEntry) -> str:
    """The hash of an entry's content chained to ``prev_hash``."""
    content = {
        "instance": entry.instance_id,
        "seq": entry.seq,
        "at": entry.at.isoformat(timespec="microseconds"),
        "event": entry.event,
        "actor": entry.actor_id,
        "on_behalf_of": entry.on_behalf_of_id,
        "node": entry.node_id,
        "task": entry.task_id,
        "detail": entry.detail,
        "prev": entry.prev_hash,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
) -> AuditEntry:
    """Add the next entry of the instance's chain to ``session`` (not committed)."""
    heads: dict[int, tuple[int, str]] = session.info.setdefault("audit_heads", {})
    if instance_id not in heads:
        last = session.execute(
            select(AuditEntry.seq, AuditEntry.hash)
            .where(AuditEntry.instance_id == instance_id)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).first()
        heads[instance_id] = (last[0], last[1]) if last else (0, GENESIS)
    seq, prev = heads[instance_id]
    entry = AuditEntry(
        instance_id=instance_id,
        seq=seq + 1,
        at=utcnow(),
        event=event,
        actor_id=actor_id,
        on_behalf_of_id=on_behalf_of_id,
        node_id=node_id,
        task_id=task_id,
        detail=detail or {},
        prev_hash=prev,
    )
    entry.hash = entry_hash(entry)
    heads[instance_id] = (entry.seq, entry.hash)
    session.add(entry)
    return entry


def forget_heads(session: Session) -> None:
    """Drop cached chain heads (after a rollback they may name entries that never were)."""
    session.info.pop("audit_heads", None)


@event.listens_for(Session, "after_commit")
def _forget_heads_after_commit(session: Session) -> None:
    # Once committed, other transactions may extend the same chains: a long-lived session (a
    # worker firing timer after timer) must read the heads again, not append after stale ones.
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
