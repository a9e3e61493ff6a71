"""Seed 2 §7.2: the year's issued documents go on the archive discs with the year's finished
instances: each as its red-header page with its attachments, marked with the disc's label,
archived once."""

from __future__ import annotations

import csv
import io

from form_builder.clock import utcnow
from oa_platform.documents.models import Document
from oa_platform.extensions import db
from tests.integration.documents.test_access import issue_with_attachment
from tests.integration.operations.helpers import run_cli
from tests.integration.operations.test_yearly_archive import _extract
from tests.runtime_helpers import PDF


def test_an_issued_document_goes_on_the_years_disc_once(demo, tmp_path):
    document = issue_with_attachment()
    number, title = document.number, document.title
    year = str(utcnow().year)

    result = run_cli(demo, "archive", year, "--output", str(tmp_path / "discs"))
    assert result.exit_code == 0, result.output

    [image] = (tmp_path / "discs").glob("*.iso")
    files = _extract(image, tmp_path / "opened")
    rows = list(csv.DictReader(io.StringIO(files["index.csv"].decode("utf-8-sig"))))
    [row] = [row for row in rows if row["number"] == number]
    page = files[f"{row['folder']}/item.html"].decode()
    assert title in page and number in page  # the red-header page, as the print view shows it
    [scan] = [name for name in files if name.startswith(f"{row['folder']}/files/")]
    assert files[scan] == PDF
    db.session.expire_all()
    assert db.session.get(Document, document.id).archived_disc == image.stem == row["disc"]

    again = run_cli(demo, "archive", year, "--output", str(tmp_path / "discs"))
    assert again.exit_code == 0 and "Nothing to archive" in again.output
