"""The manifest of a backup: what it holds and how to check it (versions, row counts per
table, the SHA-256 of every file). It is the archive's last member, written after every file
was hashed on its way in, and the first thing a restore checks."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

FORMAT = 1
NAME = "manifest.json"


@dataclass
class FileEntry:
    """One member of the archive: its path there, size and SHA-256."""

    path: str
    size: int
    sha256: str


@dataclass
class Manifest:
    """Everything a restore needs to know before it touches a database."""

    created_at: str
    platform_version: str
    dialect: str  # "sqlite" or "postgresql"
    database_server: str  # the server's version (SQLite library or PostgreSQL server)
    dump_tool: str  # "sqlite3 backup API" or the pg_dump version line
    schema_revision: str | None  # Alembic's revision, None for a schema built from models
    database_file: str  # the member holding the database
    row_counts: dict[str, int]
    files: list[FileEntry] = field(default_factory=list)
    encrypted: bool = False
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data: dict[str, Any] = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"manifest format {data.get('format')!r} is not {FORMAT}")
        data["files"] = [FileEntry(**entry) for entry in data["files"]]
        return cls(**data)

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_at)


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


class HashingReader:
    """Reads ``source`` and hashes what passed through (a file on its way into the tar)."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


class HashingWriter:
    """Writes into ``target`` and hashes what passed through (the archive on its way out)."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._target.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self._target.flush()
