"""Seed 2 §7.2: once a year the office burns the year's electronic documents to CDs for the
group archives. ``oa archive YEAR`` writes ISO 9660 images split to the disc size, each with
an index, its items' pages and files, a checksum list and a script that checks the disc
without the platform; the items are marked with their disc's label and not archived twice."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pycdlib
from markupsafe import escape

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.operations import yearly
from oa_platform.operations.archive_items import providers
from oa_platform.runtime.states import InstanceStatus
from tests.integration.operations.helpers import claim, receipt_bytes, run_cli
from tests.runtime_helpers import events, refresh, verified


def _extract(image: Path, into: Path) -> dict[str, bytes]:
    """Every file of the image by its Rock Ridge path, copied out with pycdlib."""
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    found = {}
    try:
        for root, _dirs, files in iso.walk(rr_path="/"):
            for name in files:
                path = f"{root.rstrip('/')}/{name}"
                out = io.BytesIO()
                iso.get_file_from_iso_fp(out, rr_path=path)
                found[path.lstrip("/")] = out.getvalue()
                target = into / path.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(out.getvalue())
        label = iso.pvd.volume_identifier.decode().strip()
    finally:
        iso.close()
    found["(label)"] = label.encode()
    return found


def test_the_years_finished_instances_go_on_checked_disc_images(demo, tmp_path):
    finished = [claim(number, finish=True) for number in range(3)]
    number_of = {instance.id: number for number, instance in enumerate(finished)}
    running = claim(9, finish=False)
    year = utcnow().year
    # Discs with room for one and a half claims: the year spans a disc per claim.
    largest = max(yearly.footprint(i) for p in providers(demo) for i in p.items(db.session, year))
    disc_mb = (yearly.RESERVED + 1.5 * largest) / 1024 / 1024
    result = run_cli(
        demo,
        "archive",
        str(year),
        "--disc-mb",
        f"{disc_mb:.6f}",
        "--output",
        str(tmp_path / "discs"),
    )
    assert result.exit_code == 0, result.output

    images = sorted((tmp_path / "discs").glob("*.iso"))
    assert len(images) == 3
    on_discs = {}
    for image in images:
        folder = tmp_path / "opened" / image.stem
        files = _extract(image, folder)
        assert files["(label)"].decode() == image.stem
        assert {"index.html", "index.csv", "SHA256SUMS", "verify.py"} <= set(files)
        rows = list(csv.DictReader(io.StringIO(files["index.csv"].decode("utf-8-sig"))))
        for row in rows:
            instance_id = int(row["number"].lstrip("#"))
            on_discs[instance_id] = row["disc"]
            page = files[f"{row['folder']}/item.html"].decode()
            # The page holds the title as HTML writes it ("Sam Wu&#39;s expense claim").
            assert str(escape(row["title"])) in page
            assert row["folder"] in files["index.html"].decode()
            [receipt] = [name for name in files if name.startswith(f"{row['folder']}/files/")]
            assert files[receipt] == receipt_bytes(number_of[instance_id])
            assert f'href="files/{receipt.rsplit("/", 1)[1]}"' in page  # the form links it
        # The disc checks itself with Python alone, away from the platform (-I: isolated).
        check = subprocess.run(
            [sys.executable, "-I", str(folder / "verify.py")],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert f"{len(files) - 2} of {len(files) - 2} files match" in check.stdout

    assert sorted(on_discs) == sorted(i.id for i in finished)
    for instance in finished:
        [mark] = [e for e in events(instance) if e.event == "archived"]
        assert mark.detail == {"disc": on_discs[instance.id]}
    assert refresh(running).status is InstanceStatus.RUNNING
    assert verified()

    again = run_cli(demo, "archive", str(year), "--output", str(tmp_path / "discs"))
    assert again.exit_code == 0 and "Nothing to archive" in again.output
    assert sorted((tmp_path / "discs").glob("*.iso")) == images


def test_the_disc_script_names_a_damaged_file(demo, tmp_path):
    claim(1, finish=True)
    result = run_cli(demo, "archive", str(utcnow().year), "--output", str(tmp_path / "discs"))
    assert result.exit_code == 0, result.output
    [image] = (tmp_path / "discs").glob("*.iso")
    folder = tmp_path / "opened"
    _extract(image, folder)
    damaged = next((folder / "items").rglob("*.pdf"))
    damaged.write_bytes(damaged.read_bytes() + b"tampered")

    check = subprocess.run(
        [sys.executable, "-I", str(folder / "verify.py")], capture_output=True, text=True
    )

    assert check.returncode == 1
    assert f"FAILED  {damaged.relative_to(folder).as_posix()}" in check.stdout


def test_an_item_larger_than_a_disc_is_refused_by_name_and_nothing_marked(demo, tmp_path):
    instance = claim(2, finish=True)
    # A disc no larger than the room kept for its index and tables holds no item at all.
    result = run_cli(
        demo, "archive", str(utcnow().year), "--disc-mb", "0.25", "--output", str(tmp_path)
    )
    assert result.exit_code != 0
    assert f"instance #{instance.id}" in result.output and "OA_ARCHIVE_DISC_MB" in result.output
    assert "nothing was marked" in result.output
    assert "archived" not in [e.event for e in events(instance)]
