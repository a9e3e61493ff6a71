"""The backup archive: one tar stream (encrypted when a key is set) whose members are hashed
on their way in, with the manifest last, and a small sidecar ``<archive>.json`` beside it
(the archive's own SHA-256 and size) that tells corruption apart before anything is read.

Reading extracts into a scratch folder and checks every member against the manifest: a
restore never reads a byte into a database before the whole archive has proved sound.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from oa_platform.operations import manifest as manifests
from oa_platform.operations.crypto import DecryptingReader, EncryptingWriter, is_encrypted
from oa_platform.operations.exceptions import ArchiveDamagedError, WrongKeyError
from oa_platform.operations.manifest import FileEntry, HashingReader, HashingWriter, Manifest

Progress = Callable[[str, int, int], None]  # (stage, done, total)
SIDECAR_SUFFIX = ".json"


@dataclass
class Written:
    """An archive as written: where, its own SHA-256 and size, and its manifest."""

    path: Path
    sha256: str
    size: int
    manifest: Manifest

    @property
    def sidecar(self) -> Path:
        return sidecar_of(self.path)


def sidecar_of(archive: Path) -> Path:
    return archive.with_name(archive.name + SIDECAR_SUFFIX)


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress shown (beat's runs)."""


def write(
    path: Path,
    members: Iterable[tuple[str, Path]],
    total: int,
    finish: Callable[[list[FileEntry]], Manifest],
    passphrase: str = "",
    progress: Progress = _quiet,
) -> Written:
    """Write ``members`` (archive name, file) into ``path``, then the manifest ``finish``
    builds from their entries. Written beside the target and renamed into place: a backup
    that fails leaves no archive behind."""
    partial = path.with_name(f".{path.name}.partial")
    entries: list[FileEntry] = []
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw:
            out = HashingWriter(raw)
            encrypting = EncryptingWriter(out, passphrase) if passphrase else None
            with tarfile.open(
                fileobj=encrypting or out, mode="w|", format=tarfile.PAX_FORMAT
            ) as tar:
                for name, source in members:
                    info = tarfile.TarInfo(name)
                    info.size = source.stat().st_size
                    info.mtime = int(source.stat().st_mtime)
                    info.mode = 0o600
                    with source.open("rb") as handle:
                        reader = HashingReader(handle)
                        tar.addfile(info, reader)
                    entries.append(FileEntry(name, reader.size, reader.digest.hexdigest()))
                    progress("archive", len(entries), total)
                manifest = finish(entries)
                manifest.encrypted = bool(passphrase)
                data = manifest.to_json().encode()
                info = tarfile.TarInfo(manifests.NAME)
                info.size, info.mode = len(data), 0o600
                tar.addfile(info, io.BytesIO(data))
            if encrypting:
                encrypting.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    written = Written(path, out.digest.hexdigest(), out.size, manifest)
    sidecar = {
        "archive": path.name,
        "sha256": written.sha256,
        "size": written.size,
        "created_at": manifest.created_at,
        "encrypted": manifest.encrypted,
        "platform_version": manifest.platform_version,
        "dialect": manifest.dialect,
        "files": len(manifest.files),
        "rows": sum(manifest.row_counts.values()),
    }
    fd = os.open(written.sidecar, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # §7.3
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(sidecar, indent=2) + "\n")
    return written


def read_sidecar(archive: Path) -> dict | None:
    """The sidecar of ``archive`` (None when it has none, e.g. copied alone)."""
    try:
        return json.loads(sidecar_of(archive).read_text())
    except FileNotFoundError:
        return None
    except ValueError as error:
        raise ArchiveDamagedError(f"The sidecar of {archive.name} is not JSON: {error}") from None


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name not in {"", "."}


def extract(
    archive: Path, into: Path, passphrase: str = "", progress: Progress = _quiet
) -> Manifest:
    """Check ``archive`` and extract it into ``into``; return its manifest.

    Raises :class:`ArchiveDamagedError` (naming what fails) or :class:`WrongKeyError`; on
    either, ``into`` holds nothing a caller should use.
    """
    if not archive.is_file():
        raise ArchiveDamagedError(f"No backup archive at {archive}.")
    sidecar = read_sidecar(archive)
    if sidecar is not None:
        digest = manifests.sha256_of(archive)
        if digest != sidecar.get("sha256"):
            raise ArchiveDamagedError(
                f"{archive.name} is damaged: its SHA-256 is not the one recorded when it was"
                " written. Restore another backup (or an off-site copy)."
            )
    encrypted = is_encrypted(archive)
    if encrypted and not passphrase:
        raise WrongKeyError(
            f"{archive.name} is encrypted: set OA_BACKUP_KEY to the key it was made with."
        )
    seen: list[str] = []
    with archive.open("rb") as raw:
        source = DecryptingReader(raw, passphrase) if encrypted else raw
        try:
            with tarfile.open(fileobj=source, mode="r|") as tar:
                for member in tar:
                    if not member.isfile() or not _safe_name(member.name):
                        raise ArchiveDamagedError(
                            f"{archive.name} holds {member.name!r}, which no backup writes."
                        )
                    tar.extract(member, into, filter="data")
                    seen.append(member.name)
                    progress("extract", len(seen), 0)
        except (tarfile.TarError, EOFError, OSError) as error:
            raise ArchiveDamagedError(f"{archive.name} is damaged: {error}") from None
    try:
        manifest = Manifest.from_json((into / manifests.NAME).read_text())
    except FileNotFoundError:
        raise ArchiveDamagedError(f"{archive.name} has no manifest: it is cut short.") from None
    except (ValueError, TypeError, KeyError) as error:
        raise ArchiveDamagedError(
            f"The manifest of {archive.name} is unreadable: {error}"
        ) from None
    listed = {entry.path for entry in manifest.files}
    unlisted = set(seen) - listed - {manifests.NAME}
    if unlisted:
        raise ArchiveDamagedError(
            f"{archive.name} holds files its manifest does not list: {sorted(unlisted)[:5]}"
        )
    for number, entry in enumerate(manifest.files, 1):
        path = into / entry.path
        if not path.is_file():
            raise ArchiveDamagedError(
                f"{archive.name} lacks {entry.path}, which its manifest lists."
            )
        if path.stat().st_size != entry.size or manifests.sha256_of(path) != entry.sha256:
            raise ArchiveDamagedError(
                f"{archive.name}: {entry.path} does not match its checksum in the manifest."
            )
        progress("check", number, len(manifest.files))
    return manifest
