"""What the yearly archive (seed 2 §7.2) puts on its discs, from whichever package owns it.

A provider hands over the year's items that are not on a disc yet, each as one
self-contained HTML page with its files, and afterwards records the disc label each went
onto. Finished process instances are built in (``instance_archive``); another package
(official documents) plugs in with :func:`register_provider` at app start-up.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from flask import Flask
from sqlalchemy.orm import Session

_EXTENSION = "oa_archive_providers"


@dataclass
class ArchiveFile:
    """A file that belongs to an item: the name people gave it and where its bytes are."""

    name: str
    source: Path

    @property
    def size(self) -> int:
        return self.source.stat().st_size


@dataclass
class ArchiveItem:
    """One archived thing: an instance, a document."""

    kind: str  # the provider's kind, e.g. "instance"
    key: str  # its id within the kind
    number: str  # what people call it (a document number, "#123")
    title: str
    finished_at: datetime  # UTC
    page: str  # a whole HTML page; its files are linked as "files/<name>"
    files: list[ArchiveFile] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.page.encode()) + sum(f.size for f in self.files)


class ArchiveProvider(Protocol):
    """The contract a package implements to put its items on the yearly discs."""

    kind: str

    def items(self, session: Session, year: int) -> Iterator[ArchiveItem]:
        """The items finished in ``year`` (the company's calendar year) that no disc holds
        yet, oldest first."""

    def mark(self, session: Session, keys: Sequence[str], label: str) -> None:
        """Record, in the caller's transaction, that the items ``keys`` are on disc
        ``label``; they are then left out of :meth:`items`."""


def register_provider(app: Flask, provider: ArchiveProvider) -> None:
    """Add ``provider``'s items to ``oa archive``."""
    app.extensions.setdefault(_EXTENSION, []).append(provider)


def providers(app: Flask) -> list[ArchiveProvider]:
    """The built-in finished instances, then the registered providers."""
    from oa_platform.operations.instance_archive import FinishedInstances

    return [FinishedInstances(app), *app.extensions.get(_EXTENSION, [])]
