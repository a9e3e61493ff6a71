"""Signatures on a document (seed 2 §4.3): who drafted, reviewed and issued it, as what, when,
with which opinion, over which content.

The ``document_review`` node type writes each signature into the instance's hash-chained trail
(a ``document_signed`` entry with the SHA-256 of the content); this module reads them back. A
signature is valid while the content still has its digest: an edit after it (a reviewer's
"modify text", a redraft) leaves it visibly invalid, and :func:`body_changes` shows the diff.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.accounts.models import OAUser
from oa_platform.org.models import person_name
from oa_platform.runtime.models import AuditEntry
from plugins.document_content import content_digest

# What each signer signs as (§4.3), as the pages name it.
ROLE_LABELS = {
    "drafter": lazy_gettext("Drafter"),
    "reviewer": lazy_gettext("Department review"),
    "office_check": lazy_gettext("Office check"),
    "issuer": lazy_gettext("Issuer (签发)"),
}
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|tr|div|blockquote)>|<br\s*/?>", re.IGNORECASE)


@dataclass(frozen=True)
class Signature:
    """One signature as the document page shows it."""

    signer: str  # user name
    name: str  # the signer's full name
    role: str  # drafter, reviewer, office_check, issuer
    at: datetime
    opinion: str
    sha256: str
    valid: bool  # the content still has the digest signed


@dataclass(frozen=True)
class BodyChange:
    """An edit of the body, with its line diff (plain text)."""

    at: datetime
    by: str
    diff: list[str]


def signatures(session: Session, instance_id: int, values: Mapping[str, Any]) -> list[Signature]:
    """The instance's signatures, oldest first, each checked against ``values`` now."""
    entries = list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.instance_id == instance_id,
                AuditEntry.event.in_(("document_signed", "action")),
            )
            .order_by(AuditEntry.seq)
        )
    )
    opinions = {
        entry.task_id: entry.detail.get("opinion") or ""
        for entry in entries
        if entry.event == "action" and entry.task_id is not None
    }
    signed = [entry for entry in entries if entry.event == "document_signed"]
    names = _names(session, {entry.detail["signer"] for entry in signed})
    current = content_digest(values)
    return [
        Signature(
            signer=entry.detail["signer"],
            name=names.get(entry.detail["signer"], entry.detail["signer"]),
            role=entry.detail["role"],
            at=entry.at,
            opinion=opinions.get(entry.detail.get("task"), ""),
            sha256=entry.detail["sha256"],
            valid=entry.detail["sha256"] == current,
        )
        for entry in signed
    ]


def valid_issuer(found: list[Signature]) -> Signature | None:
    """The latest issuer's signature that still holds, if any (§4.3: issued means signed)."""
    issued = [signature for signature in found if signature.role == "issuer" and signature.valid]
    return issued[-1] if issued else None


def body_changes(session: Session, instance_id: int) -> list[BodyChange]:
    """Every edit of the body in the trail (the first draft excluded), with a line diff."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.instance_id == instance_id, AuditEntry.event == "fields_changed")
        .order_by(AuditEntry.seq)
    )
    changes = []
    for entry in entries:
        change = entry.detail.get("changes", {}).get("body")
        if not change or change[0] is None:
            continue  # the draft's first filling-in is no edit
        old, new = (plain_lines(side) for side in change)
        diff = [
            line
            for line in difflib.unified_diff(old, new, "before", "after", lineterm="", n=1)
            if not line.startswith(("---", "+++"))
        ]
        by = entry.actor.username if entry.actor else "system"
        changes.append(BodyChange(at=entry.at, by=by, diff=diff))
    return changes


def plain_lines(html: str | None) -> list[str]:
    """The text of rich-text HTML, one line per paragraph."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", html or ""))
    return [line.strip() for line in text.splitlines() if line.strip()]


def _names(session: Session, usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    rows = session.execute(
        select(OAUser.username, OAUser.first_name, OAUser.last_name, OAUser.name_zh).where(
            OAUser.username.in_(usernames)
        )
    )
    return {username: person_name(first, last, name_zh) for username, first, last, name_zh in rows}
