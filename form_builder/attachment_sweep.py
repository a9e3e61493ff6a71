"""Removing attachment files nothing refers to.

A file is written when its upload is checked, before the submission that refers to it
commits (``AttachmentStore.save``): a submission that fails afterwards, or a browser that
goes away mid-upload, leaves a file no :class:`FormAttachment` row names. The sweep removes
such files, and temporary files of unfinished writes, once they have been left alone for a
grace period: a file is refreshed whenever an upload reuses it, so one that a submission in
progress is about to refer to is never that old.

A pending upload (a file kept from a refused form, ``oa_platform/runtime/pending_uploads.py``)
has a row, so its file is no orphan while the row lives. The beat job deletes the rows of
abandoned ones first, in a transaction of its own (``runtime/tasks.py``), and this sweep
then removes their files like any orphan's, in the same run: a file shared with another
row stays, and a failed delete leaves both row and file.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from form_builder.attachments import TEMPORARY_PREFIX, AttachmentStore, FormAttachment, is_digest

# Digests looked up per query: well under SQLite's and PostgreSQL's parameter limits.
LOOKUP = 500


@dataclass
class Swept:
    """What a sweep removed: content files no row names, and unfinished writes."""

    orphans: list[Path] = field(default_factory=list)
    unfinished: list[Path] = field(default_factory=list)


def sweep(session: Session, store: AttachmentStore, grace: timedelta) -> Swept:
    """Remove the store's files untouched for ``grace`` that no attachment row names."""
    cutoff = time.time() - grace.total_seconds()
    swept = Swept()
    old: dict[str, Path] = {}
    for path in _files(store.root):
        if not _untouched_since(path, cutoff):
            continue
        if path.name.startswith(TEMPORARY_PREFIX):
            path.unlink(missing_ok=True)
            swept.unfinished.append(path)
        elif is_digest(path.name):
            old[path.name] = path
    found = list(old)
    for start in range(0, len(found), LOOKUP):
        digests = found[start : start + LOOKUP]
        named = set(
            session.scalars(select(FormAttachment.sha256).where(FormAttachment.sha256.in_(digests)))
        )
        for digest in digests:
            path = old[digest]
            # Looked at again just before: an upload may have reused it meanwhile.
            if digest not in named and _untouched_since(path, cutoff):
                path.unlink(missing_ok=True)
                swept.orphans.append(path)
    return swept


def _files(root: Path) -> Iterator[Path]:
    """The files of the store's two-character folders (``root/ab/abcdef…``)."""
    if not root.is_dir():
        return
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and len(folder.name) == 2:
            yield from (path for path in sorted(folder.iterdir()) if path.is_file())


def _untouched_since(path: Path, cutoff: float) -> bool:
    try:
        return path.stat().st_mtime < cutoff
    except FileNotFoundError:
        return False
