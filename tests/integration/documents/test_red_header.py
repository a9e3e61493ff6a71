"""Seed 2 §3.1, §5.2: the issued document in the company's official layout (红头), as an HTML
print view and a PDF with Chinese text that carries its number and content hash; issued
documents never change, and a correction is a new revision linked both ways."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from oa_platform.documents.models import Document
from oa_platform.extensions import db
from tests.conftest import login
from tests.document_helpers import draft, issued, sign_through


def test_the_pdf_carries_the_chinese_title_the_number_and_the_content_hash(demo, artifacts):
    document = issued(sign_through(draft()))
    reader = demo.test_client()
    login(reader, "staff")
    html = reader.get(f"/documents/{document.id}/redhead").get_data(as_text=True)
    for part in ("redhead-unit", "redhead-number", "redhead-title", "redhead-main", "redhead-copy"):
        assert f'id="{part}"' in html
    assert "Group Office文件" in html and document.number in html

    answer = reader.get(f"/documents/{document.id}/pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    pdf = PdfReader(io.BytesIO(answer.data))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    assert "关于规范费用报销的通知" in text
    assert document.number in text
    assert document.content_sha256 in text
    assert document.content_sha256 in pdf.metadata.get("/Subject", "") + pdf.metadata.get(
        "/Keywords", ""
    )

    (artifacts / "document-redhead.html").write_text(html, encoding="utf-8")
    (artifacts / "document-redhead.pdf").write_bytes(answer.data)
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: no PNG of the PDF's first page")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
         str(artifacts / "document-redhead.pdf"), str(artifacts / "document-redhead-pdf-page1")],
        check=True,
    )  # fmt: skip
    assert (artifacts / "document-redhead-pdf-page1.png").stat().st_size > 10_000


def test_a_correction_is_a_new_revision_linked_to_the_old_and_both_show_it(demo):
    first = issued(sign_through(draft()))
    second = issued(
        sign_through(draft(title="关于规范费用报销的通知（更正）", revision_of=first.number))
    )
    db.session.expire_all()
    first = db.session.get(Document, first.id)
    assert (first.status, second.revision_of_id) == ("superseded", first.id)
    assert second.number != first.number
    reader = demo.test_client()
    login(reader, "staff")
    old = reader.get(f"/documents/{first.id}").get_data(as_text=True)
    new = reader.get(f"/documents/{second.id}").get_data(as_text=True)
    assert 'id="document-superseded"' in old and second.number in old
    assert 'id="document-revision-of"' in new and first.number in new


def test_an_issued_document_is_not_changed_by_later_edits_of_its_instance(demo):
    instance = sign_through(draft())
    document = issued(instance)
    body, digest = document.body, document.content_sha256
    instance.values = {**instance.values, "body": "<p>篡改</p>"}
    db.session.commit()
    again = issued(instance)
    assert (again.body, again.content_sha256) == (body, digest)


def test_a_chinese_reader_reads_the_issuing_unit_in_chinese_wherever_the_document_shows(demo):
    """The unit's names are frozen with the document in both languages: the red header, the
    document's page, the documents list and the inbox's Documents tab name 集团办公室 to a
    Chinese reader and Group Office to an English one; the library finds it by either."""
    document = issued(sign_through(draft()))
    assert (document.issuing_unit_name, document.issuing_unit_name_zh) == (
        "Group Office (GRP)",
        "集团办公室 (GRP)",
    )
    reader = demo.test_client()
    login(reader, "staff")
    chinese, english = {"Accept-Language": "zh-CN,zh;q=0.9"}, {"Accept-Language": "en"}
    pages = (
        f"/documents/{document.id}/redhead",
        f"/documents/{document.id}",
        "/documents/?tab=library",
        "/inbox/?tab=documents",
    )
    for path in pages:
        in_chinese = reader.get(path, headers=chinese).get_data(as_text=True)
        in_english = reader.get(path, headers=english).get_data(as_text=True)
        assert "集团办公室" in in_chinese and "Group Office" not in in_chinese, path
        assert "Group Office" in in_english and "集团办公室" not in in_english, path
    for unit in ("集团办公室", "Group Office"):
        found = reader.get(f"/documents/?tab=library&unit={unit}").get_data(as_text=True)
        assert document.number in found, unit
