"""One ISO 9660 disc image (pycdlib) from a folder: Joliet and Rock Ridge carry the real
file names (Chinese included) for Windows and Linux; the plain ISO 9660 names are short
numbered ones any reader accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pycdlib

_NOT_D = re.compile(r"[^A-Z0-9_]")


def _iso_name(name: str, number: int, directory: bool) -> str:
    """A level-3 ISO 9660 name: upper-case d-characters, numbered to stay unique."""
    stem, _, extension = name.rpartition(".") if "." in name and not directory else (name, "", "")
    stem = _NOT_D.sub("_", stem.upper())[:20] or "F"
    if directory:
        return f"{stem}_{number:04d}"[:31]
    extension = _NOT_D.sub("", extension.upper())[:3]
    return f"{stem}_{number:04d}" + (f".{extension}" if extension else "") + ";1"


def write(folder: Path, image: Path, label: str) -> None:
    """Write everything under ``folder`` into the ISO image ``image`` named ``label``."""
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, vol_ident=label, joliet=3, rock_ridge="1.09")
    iso_paths: dict[Path, str] = {folder: ""}
    try:
        for number, path in enumerate(sorted(folder.rglob("*")), 1):
            relative = path.relative_to(folder).as_posix()
            parent = iso_paths[path.parent]
            iso_path = f"{parent}/{_iso_name(path.name, number, path.is_dir())}"
            if path.is_dir():
                iso.add_directory(iso_path, rr_name=path.name, joliet_path=f"/{relative}")
                iso_paths[path] = iso_path
            else:
                iso.add_file(str(path), iso_path, rr_name=path.name, joliet_path=f"/{relative}")
        iso.write(str(image))
    finally:
        iso.close()
