"""Seed 2 §4.1: paper copies need the leader's approval: a print request (the shipped
definition) approved allows its number of copies, each watermarked with the requester, the
time and the copy number; a refused request, or none, offers no printing."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from oa_platform.documents.models import PrintedCopy
from oa_platform.extensions import db
from oa_platform.runtime.services import runtime
from tests.conftest import login, user
from tests.document_helpers import draft, issued, sign_through
from tests.runtime_helpers import act_at, refresh


def request_copies(username: str, number: str, copies: int):
    post = MultiDict({"document_number": number, "copies": str(copies), "reason": "报送上级存档"})
    return runtime().submit(user(username), "document_print_request", post)


def test_an_approved_print_request_allows_its_copies_each_watermarked(demo):
    document = issued(sign_through(draft()))
    request = request_copies("staff", document.number, 2)
    act_at(request, "leader", "agree", "leader")
    assert refresh(request).status == "completed"
    staff = demo.test_client()
    login(staff, "staff")
    page = staff.get(f"/documents/{document.id}/print").get_data(as_text=True)
    assert f'data-oa-print-request="{request.id}"' in page
    for number in (1, 2):
        answer = staff.post(f"/documents/{document.id}/print/{request.id}")
        assert answer.mimetype == "application/pdf"
        page_text = PdfReader(io.BytesIO(answer.data)).pages[0].extract_text()
        text = "".join(page_text.split())  # the watermark's words, without layout spaces
        assert "PrintedbySamWuat" in text and f"copy{number}" in text
        assert document.number in text
    third = staff.post(f"/documents/{document.id}/print/{request.id}")
    assert third.status_code == 302  # refused: the two approved copies are printed
    copies = db.session.scalars(select(PrintedCopy).order_by(PrintedCopy.copy_no)).all()
    assert [(c.copy_no, c.user_id) for c in copies] == [
        (1, user("staff").id),
        (2, user("staff").id),
    ]


def test_a_refused_print_request_or_none_offers_no_printing(demo):
    document = issued(sign_through(draft()))
    request = request_copies("staff", document.number, 5)
    act_at(request, "leader", "disagree", "leader", opinion="电子版即可，无需打印。")
    staff = demo.test_client()
    login(staff, "staff")
    page = staff.get(f"/documents/{document.id}/print").get_data(as_text=True)
    assert 'id="print-none"' in page and "data-oa-print-request" not in page
    answer = staff.post(f"/documents/{document.id}/print/{request.id}")
    assert answer.status_code == 302
    assert db.session.scalars(select(PrintedCopy)).all() == []
    # Someone who may not open the document cannot print it either, approved or not: 404.
    outsider = demo.test_client()
    login(outsider, "hr")
    assert outsider.get(f"/documents/{document.id}/print").status_code == 404
    assert outsider.post(f"/documents/{document.id}/print/{request.id}").status_code == 404
