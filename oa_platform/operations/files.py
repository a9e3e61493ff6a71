"""The folders of files a backup carries besides the database, each under a name.

Attachments always (``OA_ATTACHMENT_DIR``); another package adds its own folder (official
documents' files, for instance) by :func:`register_root` at app start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from flask import Flask

from form_builder.attachments import TEMPORARY_PREFIX, AttachmentStore

_EXTENSION = "oa_backup_file_roots"


def register_root(app: Flask, name: str, folder: Path) -> None:
    """Back up (and restore) the files under ``folder`` as ``files/<name>/...``."""
    app.extensions.setdefault(_EXTENSION, {})[name] = Path(folder)


def roots(app: Flask) -> dict[str, Path]:
    """Every folder of files a backup of ``app`` carries, by name."""
    found = {"attachments": AttachmentStore.for_app(app).root}
    found.update(app.extensions.get(_EXTENSION, {}))
    return found


def walk(root: Path) -> Iterator[Path]:
    """The complete files under ``root``, in a stable order (uploads still being written,
    named with the store's temporary prefix, are left out: no row refers to them yet)."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith((TEMPORARY_PREFIX, ".")):
            yield path
