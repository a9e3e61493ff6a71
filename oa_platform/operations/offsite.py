"""Off-site copies (§7.2: "off-site dumps should be performed regularly to prevent data
loss"): each archive and its sidecar are copied to every ``OA_BACKUP_TARGETS`` URL through
fsspec (a local or mounted path, ``sftp://`` by paramiko, ``s3://`` by s3fs for Amazon S3 or
any S3-compatible store at ``OA_BACKUP_S3_ENDPOINT``) and read back there: a copy counts
only when its SHA-256 is the archive's."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fsspec
from flask import Flask

from oa_platform.operations.bundle import SIDECAR_SUFFIX, Written
from oa_platform.operations.exceptions import OffsiteError


@dataclass
class Copied:
    """One target's outcome: where the copy went, or why it did not."""

    target: str
    location: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _options(app: Flask, protocol: str) -> dict[str, Any]:
    if protocol in {"s3", "s3a"} and app.config.get("OA_BACKUP_S3_ENDPOINT"):
        return {"client_kwargs": {"endpoint_url": app.config["OA_BACKUP_S3_ENDPOINT"]}}
    return {}


def _remote_sha256(fs: fsspec.AbstractFileSystem, path: str) -> str:
    digest = hashlib.sha256()
    with fs.open(path, "rb") as handle:
        for block in iter(lambda: handle.read(4 * 1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def copy(app: Flask, target: str, written: Written) -> str:
    """Copy ``written`` to ``target`` and verify it there; returns the copy's location."""
    protocol = fsspec.utils.get_protocol(target)
    try:
        fs, root = fsspec.core.url_to_fs(target, **_options(app, protocol))
        fs.makedirs(root, exist_ok=True)
        location = f"{root.rstrip('/')}/{written.path.name}"
        fs.put_file(str(written.path), location)
        fs.put_file(str(written.sidecar), location + SIDECAR_SUFFIX)
        fs.invalidate_cache()
        remote = _remote_sha256(fs, location)
    except OffsiteError:
        raise
    except Exception as error:  # each store raises its own kinds; the message says which
        raise OffsiteError(f"Off-site copy to {_shown(target)} failed: {error}") from error
    if remote != written.sha256:
        raise OffsiteError(
            f"Off-site copy to {_shown(target)} does not match: its SHA-256 is {remote[:12]}…,"
            f" the archive's {written.sha256[:12]}…"
        )
    return f"{protocol}://{location}" if protocol != "file" else location


def _shown(target: str) -> str:
    """A target for messages and logs, without a password in its URL."""
    scheme, sep, rest = target.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        credentials, host = rest.split("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return target


def copy_everywhere(app: Flask, written: Written) -> list[Copied]:
    """Copy ``written`` to every configured target; one failing does not stop the rest."""
    outcomes = []
    for target in app.config.get("OA_BACKUP_TARGETS") or []:
        try:
            outcomes.append(Copied(_shown(target), location=copy(app, target, written)))
        except OffsiteError as error:
            outcomes.append(Copied(_shown(target), error=error.message))
    return outcomes


def fetch(app: Flask, target: str, name: str, into: Path) -> Path:
    """Download archive ``name`` (and its sidecar) from ``target`` into ``into`` (restoring
    on a new machine from the off-site copy)."""
    fs, root = fsspec.core.url_to_fs(target, **_options(app, fsspec.utils.get_protocol(target)))
    location = f"{root.rstrip('/')}/{name}"
    fs.get_file(location, str(into / name))
    if fs.exists(location + SIDECAR_SUFFIX):
        fs.get_file(location + SIDECAR_SUFFIX, str(into / f"{name}{SIDECAR_SUFFIX}"))
    return into / name
