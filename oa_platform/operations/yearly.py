"""``oa archive YEAR``: the year's finished instances and issued documents on ISO 9660 disc
images for the group archives (seed 2 §7.2: "once a year ... burns them into CDs").

Items are packed onto discs in the order they finished, each disc at most the configured
size (``OA_ARCHIVE_DISC_MB``, a 700 MB CD by default). A disc holds one folder per item
(its page and files), an index (``index.html`` and ``index.csv``), ``SHA256SUMS`` and
``verify.py`` that checks the disc without the platform. Only when every image is written
are the items marked with their disc's label, in one transaction.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, render_template
from flask_babel import force_locale

from oa_platform.extensions import db
from oa_platform.operations import disc_image
from oa_platform.operations.archive_items import ArchiveItem, providers
from oa_platform.operations.exceptions import OperationsError
from oa_platform.operations.manifest import sha256_of
from oa_platform.operations.verify_script import SCRIPT
from oa_platform.unit_of_work import unit_of_work

SECTOR = 2048
# Room kept on each disc for the index, checksums, script and the image's own tables.
RESERVED = 256 * 1024
PER_ITEM = 4 * SECTOR  # the item's folders, index rows and checksum lines


def _on_disc(size: int) -> int:
    return -(-size // SECTOR) * SECTOR


def footprint(item: ArchiveItem) -> int:
    """What an item takes on a disc, sectors rounded up."""
    return PER_ITEM + _on_disc(len(item.page.encode())) + sum(_on_disc(f.size) for f in item.files)


@dataclass
class Disc:
    """One image: its label, file, and the items on it."""

    label: str
    items: list[ArchiveItem] = field(default_factory=list)
    image: Path | None = None


def pack(items: list[ArchiveItem], capacity: int, labels: Callable[[int], str]) -> list[Disc]:
    """Fill discs in order; an item larger than a disc is refused by name."""
    room = capacity - RESERVED
    discs: list[Disc] = []
    used = room
    for item in items:
        size = footprint(item)
        if size > room:
            raise OperationsError(
                f"{item.kind} {item.number} ({size:,} bytes) does not fit on one disc of"
                f" {capacity:,} bytes: raise OA_ARCHIVE_DISC_MB (e.g. 4700 for a DVD)."
            )
        if used + size > room:
            discs.append(Disc(labels(len(discs) + 1)))
            used = 0
        discs[-1].items.append(item)
        used += size
    return discs


def folder_of(item: ArchiveItem) -> str:
    return f"items/{item.kind}-{item.key}"


def _index_csv(disc: Disc) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["disc", "kind", "number", "title", "finished_utc", "folder", "files"])
    for item in disc.items:
        writer.writerow(
            [
                disc.label,
                item.kind,
                item.number,
                item.title,
                item.finished_at.isoformat(),
                folder_of(item),
                len(item.files),
            ]
        )
    return "\ufeff" + out.getvalue()  # with a BOM, so spreadsheet programs read the Chinese


def _lay_out(app: Flask, disc: Disc, year: int, folder: Path) -> None:
    for item in disc.items:
        target = folder / folder_of(item)
        (target / "files").mkdir(parents=True)
        (target / "item.html").write_text(item.page, encoding="utf-8")
        for archived in item.files:
            shutil.copyfile(archived.source, target / "files" / archived.name)
    with force_locale(app.config["OA_DEFAULT_LOCALE"]):
        index = render_template(
            "operations/archive_index.html", disc=disc, year=year, folder_of=folder_of
        )
    (folder / "index.html").write_text(index, encoding="utf-8")
    (folder / "index.csv").write_text(_index_csv(disc), encoding="utf-8")
    (folder / "verify.py").write_text(SCRIPT, encoding="utf-8")
    sums = [
        f"{sha256_of(path)}  {path.relative_to(folder).as_posix()}"
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    ]
    (folder / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")


def build(
    app: Flask,
    year: int,
    *,
    disc_bytes: int | None = None,
    output: Path | None = None,
    progress: Callable[[str, int, int], None] = lambda *_: None,
) -> list[Disc]:
    """Write the year's discs into ``output`` (``OA_ARCHIVE_DIR/<year>``) and mark the items.

    Runs again later put only what is not on a disc yet onto further discs (numbered on)."""
    capacity = disc_bytes or app.config["OA_ARCHIVE_DISC_MB"] * 1024 * 1024
    output = output or Path(app.config["OA_ARCHIVE_DIR"]) / str(year)
    output.mkdir(parents=True, exist_ok=True, mode=0o700)
    already = len(list(output.glob(f"OA{year}_*.iso")))
    found = [
        (provider, item) for provider in providers(app) for item in provider.items(db.session, year)
    ]
    owner = {(item.kind, item.key): provider for provider, item in found}
    items = sorted((item for _, item in found), key=lambda i: (i.finished_at, i.kind, i.key))
    discs = pack(items, capacity, lambda n: f"OA{year}_{already + n:02d}")
    written: list[Path] = []
    try:
        for number, disc in enumerate(discs, 1):
            with tempfile.TemporaryDirectory(prefix="oa-disc-", dir=output) as scratch:
                _lay_out(app, disc, year, Path(scratch))
                disc.image = output / f"{disc.label}.iso"
                disc_image.write(Path(scratch), disc.image, disc.label)
                written.append(disc.image)
            progress("discs", number, len(discs))
    except BaseException:
        for image in written:
            image.unlink(missing_ok=True)  # nothing marked: a later run starts over
        raise
    db.session.rollback()  # the reads above

    def mark() -> None:
        for disc in discs:
            by_provider: dict[int, list[str]] = {}
            for item in disc.items:
                by_provider.setdefault(id(owner[item.kind, item.key]), []).append(item.key)
            for provider in {id(p): p for p in owner.values()}.values():
                keys = by_provider.get(id(provider))
                if keys:
                    provider.mark(db.session, keys, disc.label)

    unit_of_work(db.session).run(mark, conflicts=())
    return discs
