"""Signed checkpoints of the audit chains (regulations §6.1).

A chain's head on its instance row shows a truncated trail, but whoever can delete trail
rows can usually also rewrite that row, and recompute the hashes of a rewritten tail: the
chain is hashed, not signed. A checkpoint is signed (HMAC-SHA256, with a key derived from
the app's ``SECRET_KEY``): "instance 12's chain had 9 entries, the 9th with hash h". Without
the key nobody can write a new one, so a later rewrite or truncation of what a checkpoint
covers shows, whatever else was rewritten with it.

A checkpoint run (Celery beat, ``OA_AUDIT_CHECKPOINT_MINUTES``; ``oa audit checkpoint``)
signs the head of every chain that grew since its last checkpoint, after checking that the
new entries follow on from that checkpoint: a run never vouches for what it cannot trace
back to a signed head. Each run also writes a signed digest of the checkpoints it wrote,
chained to the run before, so deleting a checkpoint (to fall back on an older one) shows too.
What happened since the newest run is guarded by the instance heads alone.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from flask import current_app, has_app_context
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.runtime.audit import GENESIS, Break, entry_hash, first_break, gone, head_mismatch
from oa_platform.runtime.models import AuditCheckpoint, AuditEntry, Instance
from oa_platform.unit_of_work import unit_of_work

# Instances a run reads at a time (their chain heads, checkpoints and new entries).
BATCH = 500
# The signing key is derived from SECRET_KEY for this one use, so a checkpoint signature
# can never stand for anything else the secret signs (session cookies, CSRF tokens).
_PURPOSE = b"oa-platform audit checkpoint v1"


class CheckpointClash(Exception):
    """Another checkpoint run committed first; this one wrote nothing."""


def signing_key(secret: str | bytes) -> bytes:
    """The checkpoint key derived from an app secret."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, _PURPOSE, hashlib.sha256).digest()


def default_key() -> bytes | None:
    """The current app's checkpoint key; None outside an app (checkpoints are not checked)."""
    if not has_app_context() or not current_app.config.get("SECRET_KEY"):
        return None
    return signing_key(current_app.config["SECRET_KEY"])


def sign(
    key: bytes, run: int, instance_id: int | None, entries: int, head: str, created_at: datetime
) -> str:
    """The signature of a checkpoint's columns."""
    subject = "*" if instance_id is None else str(instance_id)
    at = created_at.isoformat(timespec="microseconds")
    message = f"{run}|{subject}|{entries}|{head}|{at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def is_signed(key: bytes, checkpoint: AuditCheckpoint) -> bool:
    """Whether the checkpoint carries the signature of its own columns."""
    expected = sign(
        key,
        checkpoint.run,
        checkpoint.instance_id,
        checkpoint.entries,
        checkpoint.head,
        checkpoint.created_at,
    )
    return hmac.compare_digest(expected, checkpoint.signature)


def describe(checkpoint: AuditCheckpoint) -> str:
    return (
        f"signed checkpoint {checkpoint.id} (run {checkpoint.run},"
        f" {checkpoint.created_at:%Y-%m-%d %H:%M} UTC)"
    )


# Verifying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceCheckpoints:
    """One instance's checkpoints, as :func:`oa_platform.runtime.audit.verify` checks them."""

    instance_id: int
    # The validly signed one covering the most entries. Its chain is a prefix of any later
    # one (each entry's hash covers all before it), so the chain containing it contains all.
    newest: AuditCheckpoint | None
    forged: list[AuditCheckpoint] = field(default_factory=list)

    def problems(self, chain: Sequence[AuditEntry]) -> list[Break]:
        """What ``chain`` (the instance's trail, in order) shows against its checkpoints."""
        found = [
            Break(
                self.instance_id,
                None,
                None,
                f"checkpoint {c.id} (run {c.run}) does not carry a valid signature:"
                " forged or altered",
            )
            for c in self.forged
        ]
        if self.newest is not None:
            problem = contains(self.instance_id, chain, self.newest)
            if problem:
                found.append(problem)
        return found


def contains(
    instance_id: int, chain: Sequence[AuditEntry], checkpoint: AuditCheckpoint
) -> Break | None:
    """None if ``chain`` still has the entry ``checkpoint`` signed, else what is wrong."""
    entry = next((e for e in chain if e.seq == checkpoint.entries), None)
    last_seq = chain[-1].seq if chain else 0
    if entry is None and last_seq < checkpoint.entries:
        return Break(
            instance_id,
            last_seq + 1,
            None,
            f"trail ends at entry {last_seq} but {describe(checkpoint)} records"
            f" {checkpoint.entries} entries ({gone(last_seq + 1, checkpoint.entries)} deleted)",
        )
    if entry is None:
        return Break(
            instance_id,
            checkpoint.entries,
            None,
            f"entry {checkpoint.entries}, which {describe(checkpoint)} records, is missing",
        )
    if entry.hash != checkpoint.head:
        return Break(
            instance_id,
            entry.seq,
            entry.id,
            f"is not the entry {describe(checkpoint)} records (the trail was rewritten)",
        )
    return None


def signed_by_instance(
    session: Session, key: bytes, instance_id: int | None = None
) -> Iterator[tuple[int, InstanceCheckpoints]]:
    """Each instance's checkpoints, in instance order (streamed: there may be many)."""
    query = (
        select(AuditCheckpoint)
        .where(AuditCheckpoint.instance_id.is_not(None))
        .order_by(AuditCheckpoint.instance_id, AuditCheckpoint.entries, AuditCheckpoint.id)
    )
    if instance_id is not None:
        query = query.where(AuditCheckpoint.instance_id == instance_id)
    rows = session.scalars(query.execution_options(yield_per=1000))
    for number, group in groupby(rows, lambda c: c.instance_id):
        newest, forged = None, []
        for checkpoint in group:
            if is_signed(key, checkpoint):
                newest = checkpoint  # in ascending entries: the last valid one wins
            else:
                forged.append(checkpoint)
        yield number, InstanceCheckpoints(number, newest, forged)


def verify_runs(session: Session, key: bytes) -> list[Break]:
    """The checkpoint runs: numbered 1, 2, ... without a gap, each with a validly signed
    digest that matches the instance checkpoints it wrote and the digest before."""
    rows = session.scalars(
        select(AuditCheckpoint)
        .order_by(
            AuditCheckpoint.run,
            # A run's instance checkpoints by instance id, as digested, then its digest.
            AuditCheckpoint.instance_id.is_(None),
            AuditCheckpoint.instance_id,
            AuditCheckpoint.id,
        )
        .execution_options(yield_per=1000)
    )
    problems: list[str] = []
    expected, previous = 1, GENESIS
    for run, group in groupby(rows, lambda c: c.run):
        if run != expected:
            missing = (
                f"run {expected} is" if run == expected + 1 else f"runs {expected}-{run - 1} are"
            )
            problems.append(f"checkpoint {missing} missing (removed)")
            previous = None  # unknown: this run's chaining cannot be checked
        digest = hashlib.sha256((previous or "").encode())
        covered, closing = 0, None
        for checkpoint in group:
            if checkpoint.instance_id is None:
                closing = checkpoint
            else:
                digest.update(_line(checkpoint.instance_id, checkpoint.entries, checkpoint.head))
                covered += 1
        expected = run + 1
        if closing is None:
            problems.append(f"checkpoint run {run} has no signed digest (it was removed)")
            previous = None
            continue
        if not is_signed(key, closing):
            problems.append(f"the digest of checkpoint run {run} does not carry a valid signature")
        elif previous is not None and closing.entries != covered:
            problems.append(
                f"the digest of checkpoint run {run} does not match its instance checkpoints:"
                f" it covers {closing.entries}, {covered} remain (removed or added since)"
            )
        elif previous is not None and closing.head != digest.hexdigest():
            problems.append(
                f"the digest of checkpoint run {run} does not match its instance checkpoints:"
                " one of them was changed"
            )
        previous = closing.signature
    return [Break(None, None, None, problem) for problem in problems]


def newest_run(session: Session) -> AuditCheckpoint | None:
    """The digest of the newest checkpoint run, if there was one."""
    return session.scalar(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.instance_id.is_(None))
        .order_by(AuditCheckpoint.run.desc())
        .limit(1)
    )


def _line(instance_id: int, entries: int, head: str) -> bytes:
    return f"\n{instance_id}:{entries}:{head}".encode()


# Writing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """What a checkpoint run did: its number, how many heads it signed, and the chains it
    refused to sign because they do not follow on from their last checkpoint."""

    number: int
    signed: int
    refused: list[Break]


def checkpoint(session: Session, key: bytes, batch: int = BATCH) -> Run:
    """Sign the head of every chain that grew since its newest checkpoint, and the run's
    digest; commits. Raises :class:`CheckpointClash` if another run committed first."""
    return unit_of_work(session).run(lambda: _checkpoint(session, key, batch), conflicts=())


def _checkpoint(session: Session, key: bytes, batch: int) -> Run:
    now = utcnow()
    last = session.execute(
        select(AuditCheckpoint.run, AuditCheckpoint.signature)
        .where(AuditCheckpoint.instance_id.is_(None))
        .order_by(AuditCheckpoint.run.desc())
        .limit(1)
    ).first()
    number, previous = (last[0] + 1, last[1]) if last else (1, GENESIS)
    digest = hashlib.sha256(previous.encode())
    signed, refused, after = 0, [], 0
    # Keyset pages in instance order: the digest covers the checkpoints in that order.
    while moved := session.execute(_moved(after, batch)).all():
        after = moved[-1][0]
        rows = []
        anchors = _newest_checkpoints(session, key, [row[0] for row in moved])
        segments = _new_entries(session, [row[0] for row in moved])
        for instance_id, count, head in moved:
            problem = _follows_on(
                key, instance_id, count, head, anchors.get(instance_id), segments[instance_id]
            )
            if problem:
                refused.append(problem)
                continue
            signature = sign(key, number, instance_id, count, head, now)
            rows.append(
                {
                    "run": number,
                    "instance_id": instance_id,
                    "entries": count,
                    "head": head,
                    "created_at": now,
                    "signature": signature,
                }
            )
            digest.update(_line(instance_id, count, head))
        if rows:
            session.execute(insert(AuditCheckpoint.__table__), rows)
            signed += len(rows)
    head = digest.hexdigest()
    try:
        session.execute(
            insert(AuditCheckpoint.__table__),
            {
                "run": number,
                "instance_id": None,
                "entries": signed,
                "head": head,
                "created_at": now,
                "signature": sign(key, number, None, signed, head, now),
            },
        )
    except IntegrityError as error:
        raise CheckpointClash(f"checkpoint run {number} was written by another run") from error
    return Run(number, signed, refused)


def _newest_checkpointed():
    """Per instance (correlated), the most entries a checkpoint of it records."""
    return (
        select(func.max(AuditCheckpoint.entries))
        .where(AuditCheckpoint.instance_id == Instance.id)
        .scalar_subquery()
    )


def _moved(after: int, batch: int):
    """(id, entries, head) of the next ``batch`` instances after ``after`` whose head moved
    since their newest checkpoint: on, as it should, or back (to be refused, and so told)."""
    return (
        select(Instance.id, Instance.audit_count, Instance.audit_head)
        .where(
            Instance.id > after,
            Instance.audit_count != func.coalesce(_newest_checkpointed(), 0),
        )
        .order_by(Instance.id)
        .limit(batch)
    )


def _newest_checkpoints(
    session: Session, key: bytes, instance_ids: list[int]
) -> dict[int, AuditCheckpoint]:
    """The instances' newest checkpoints: the most entries, a validly signed one where two
    record as many (a forged one must not hide a true one from :func:`_follows_on`)."""
    found: dict[int, AuditCheckpoint] = {}
    rows = session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.instance_id.in_(instance_ids))
        .order_by(AuditCheckpoint.instance_id, AuditCheckpoint.entries, AuditCheckpoint.id)
    )
    for checkpoint in rows:  # in ascending entries
        best = found.get(checkpoint.instance_id)
        if (
            best is None
            or checkpoint.entries > best.entries
            or (not is_signed(key, best) and is_signed(key, checkpoint))
        ):
            found[checkpoint.instance_id] = checkpoint
    return found


def _new_entries(session: Session, instance_ids: list[int]) -> dict[int, list[AuditEntry]]:
    """The instances' entries from their newest checkpointed one on (all, if none)."""
    since = (
        select(func.max(AuditCheckpoint.entries))
        .where(AuditCheckpoint.instance_id == AuditEntry.instance_id)
        .scalar_subquery()
    )
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.instance_id.in_(instance_ids),
            AuditEntry.seq >= func.coalesce(since, 1),
        )
        .order_by(AuditEntry.instance_id, AuditEntry.seq)
    )
    found: dict[int, list[AuditEntry]] = {number: [] for number in instance_ids}
    for entry in entries:
        found[entry.instance_id].append(entry)
    return found


def _follows_on(
    key: bytes,
    instance_id: int,
    count: int,
    head: str,
    anchor: AuditCheckpoint | None,
    segment: list[AuditEntry],
) -> Break | None:
    """None if the instance's entries since ``anchor`` (its newest checkpoint) follow on
    from it, untouched, up to the head ``count``/``head``; else why not."""
    # Entries committed after the head was read belong to the next run.
    segment = [entry for entry in segment if entry.seq <= count]
    after = (0, GENESIS)
    if anchor is not None:
        if not is_signed(key, anchor):
            return Break(
                instance_id,
                None,
                None,
                f"its newest checkpoint {anchor.id} does not carry a valid signature",
            )
        if count < anchor.entries:
            return Break(
                instance_id,
                count + 1,
                None,
                f"its head records {count} entries but {describe(anchor)} records"
                f" {anchor.entries}: the trail was cut short and the head moved back",
            )
        first = segment[0] if segment else None
        if first is None or first.seq != anchor.entries:
            return Break(
                instance_id,
                anchor.entries,
                None,
                f"entry {anchor.entries}, which {describe(anchor)} records, is missing",
            )
        if first.hash != anchor.head or entry_hash(first) != first.hash:
            return Break(
                instance_id,
                first.seq,
                first.id,
                f"is not the entry {describe(anchor)} records (the trail was rewritten)",
            )
        after = (anchor.entries, anchor.head)
        segment = segment[1:]
    problem = first_break(segment, after)
    if problem:
        return problem
    return head_mismatch(instance_id, segment[-1] if segment else None, (count, head), after)
