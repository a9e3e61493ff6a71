"""The approval sheet (审批单; issue 19, "Printing"): a print-ready copy of an instance with its
header, the fields its reader may read in a bordered layout, every opinion and the trace,
money also in Chinese capitals; as HTML and as PDF, in Chinese and in English. Only those who
may see the instance may print it (§6.1); a field hidden from the reader's node (§2.1.2) is
on neither copy.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC

import pytest
from pypdf import PdfReader
from werkzeug.datastructures import MultiDict

from oa_platform.i18n import company_zone
from tests.conftest import login
from tests.runtime_helpers import act_at, refresh, start

BOTH_DATABASES = True
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}
REMARK = "Balance checked: 3 days left"


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


def header(html: str, part: str) -> str:
    """The text of the sheet's header element ``part``."""
    found = re.search(rf'id="{part}"[^>]*>(.*?)<', html, re.S)
    assert found, part
    return found.group(1).strip()


def body_of(html: str) -> str:
    """The sheet without its toolbar (which is not printed)."""
    return re.sub(r'<div class="oa-sheet-toolbar.*?</div>', "", html, flags=re.S)


@pytest.fixture
def claim(demo):
    """Sam Wu's expense claim of ¥320.50, agreed by his department head with an opinion."""
    instance = start("staff", "expense_claim")
    act_at(instance, "head", "agree", opinion="同意，请财务审核。")
    return refresh(instance)


@pytest.fixture
def recorded(demo):
    """A leave request that HR recorded with remarks hidden from the applicant and the head."""
    instance = start("staff", "leave_request")
    act_at(instance, "head", "agree", opinion="Approved, enjoy the trip")
    act_at(instance, "leader", "agree")
    act_at(instance, "hr", "agree", formdata=MultiDict({"hr_remarks": REMARK}))
    return refresh(instance)


def test_the_sheet_holds_the_header_the_fields_the_opinions_and_the_trace_in_chinese(
    client, claim, artifacts
):
    login(client, "staff")
    answer = client.get(f"/instances/{claim.id}/sheet", headers=ZH)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    (artifacts / "approval-sheet-zh.html").write_text(html, encoding="utf-8")
    assert "审批单" in html
    for part in ("sheet-company", "sheet-serial", "sheet-applicant", "sheet-department",
                 "sheet-date", "sheet-fields", "sheet-opinions", "sheet-trace"):  # fmt: skip
        assert f'id="{part}"' in html, part
    assert "吴森 (staff)" in html  # the applicant
    assert header(html, "sheet-company") == "示例销售有限公司"  # the applicant's company
    assert header(html, "sheet-department") == "销售部"
    # Submitted on the company's calendar day (Asia/Shanghai), not the server's.
    day = claim.submitted_at.replace(tzinfo=UTC).astimezone(company_zone()).date()
    assert header(html, "sheet-date") == f"{day.year}年{day.month}月{day.day}日"
    # The trace: the claim was submitted, then agreed by the head; finance comes next.
    assert re.findall(r'data-oa-sheet-node="([a-z_]+)"', html)[:2] == ["start", "manager"]
    assert f"-{claim.id:06d}" in html  # the serial number
    assert "Customer visit in Shanghai" in html and "320.50" in html
    assert "叁佰贰拾元伍角整" in html  # the total in capitals
    assert "同意，请财务审核。" in html and "何志恒 (head)" in html and "同意" in html
    # Paper has no use for addresses: the sheet itself links nowhere.
    assert "href=" not in body_of(html)
    assert "a[href]::after { content: none !important; }" in html


def test_the_sheet_in_english_and_without_capitals(client, claim):
    login(client, "staff")
    html = client.get(f"/instances/{claim.id}/sheet", headers=EN).get_data(as_text=True)
    assert "approval sheet" in html and "Applicant" in html and "Opinions" in html
    assert "Customer visit in Shanghai" in html and "Agree" in html
    assert "叁佰贰拾元伍角整" in html
    plain = client.get(f"/instances/{claim.id}/sheet?capitals=0", headers=EN)
    assert "叁佰贰拾元伍角整" not in plain.get_data(as_text=True)


def test_the_pdf_holds_the_header_the_fields_and_the_opinions(client, claim, artifacts):
    login(client, "staff")
    for language, headers, words in (
        (
            "zh",
            ZH,
            [
                "审批单",
                "申请人",
                "吴森",
                "何志恒(head)",
                "事由",
                "叁佰贰拾元伍角整",
                "同意，请财务审核。",
                "处理人、操作与时间",  # the trace's heading
                "经理审批",
            ],
        ),
        (
            "en",
            EN,
            [
                "approvalsheet",
                "Applicant",
                "SamWu",
                "HenryHo(head)",
                "Purpose",
                "CustomervisitinShanghai",
                "Agree",
                "同意，请财务审核。",
                "Who,whatandwhen",  # the trace's heading
                "Managerapproval",
            ],
        ),
    ):
        answer = client.get(f"/instances/{claim.id}/sheet.pdf", headers=headers)
        assert answer.status_code == 200 and answer.mimetype == "application/pdf"
        (artifacts / f"approval-sheet-{language}.pdf").write_bytes(answer.data)
        text = pdf_text(answer.data)
        assert f"-{claim.id:06d}" in text  # the serial number
        assert "320.50" in text
        for word in words:
            assert word in text, (language, word)
    if shutil.which("pdftoppm"):  # a picture of the PDF's first page, to look at
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
             str(artifacts / "approval-sheet-en.pdf"), str(artifacts / "approval-sheet-pdf-page1")],
            check=True,
        )  # fmt: skip


def test_a_hidden_field_is_on_no_copy_of_those_it_is_hidden_from(client, recorded):
    for username in ("staff", "head", "auditor"):
        login(client, username)
        for headers in (ZH, EN):
            html = client.get(f"/instances/{recorded.id}/sheet", headers=headers)
            assert html.status_code == 200
            assert REMARK not in html.get_data(as_text=True), username
            assert 'data-oa-sheet-field="hr_remarks"' not in html.get_data(as_text=True)
            for label in ("HR remarks", "人力资源备注"):  # not even its name
                assert label not in html.get_data(as_text=True), (username, label)
            pdf = client.get(f"/instances/{recorded.id}/sheet.pdf", headers=headers)
            assert REMARK.replace(" ", "") not in pdf_text(pdf.data), username
        client.post("/logout/")
    login(client, "hr")  # HR, who edits the remarks, reads them on paper too
    html = client.get(f"/instances/{recorded.id}/sheet", headers=EN).get_data(as_text=True)
    assert REMARK in html
    pdf = client.get(f"/instances/{recorded.id}/sheet.pdf", headers=EN)
    assert REMARK.replace(" ", "") in pdf_text(pdf.data)


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("staff", 200),  # the applicant
        ("head", 200),  # a handler
        ("auditor", 200),  # Auditors see every instance
        ("clerk", 404),  # not a participant: as if it did not exist
        ("finance", 200),  # Finance, whose countersign it waits for
        ("hr", 404),
        ("designer", 404),
    ],
)
def test_only_those_who_may_see_the_instance_may_print_it(client, claim, username, status):
    login(client, username)
    assert client.get(f"/instances/{claim.id}/sheet").status_code == status
    assert client.get(f"/instances/{claim.id}/sheet.pdf").status_code == status


def test_a_missing_instance_and_a_stranger_get_nothing(client, claim):
    answer = client.get(f"/instances/{claim.id}/sheet")
    assert answer.status_code in (302, 401)  # not signed in: to the sign-in page
    assert "Customer visit" not in answer.get_data(as_text=True)
    login(client, "staff")
    assert client.get("/instances/999999/sheet").status_code == 404
    assert client.get("/instances/999999/sheet.pdf").status_code == 404


def test_the_instance_page_offers_print_and_the_pdf(client, claim):
    login(client, "staff")
    page = client.get(f"/instances/{claim.id}").get_data(as_text=True)
    assert f'href="/instances/{claim.id}/sheet"' in page
    assert f'href="/instances/{claim.id}/sheet.pdf"' in page


def test_the_api_gives_the_same_sheet_as_a_pdf_to_those_who_may_see_it(api, claim, recorded):
    answer = api("GET", "staff", f"/instances/{claim.id}/sheet.pdf", headers=ZH)
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = pdf_text(answer.data)
    for word in ("费用报销审批单", "吴森(staff)", "叁佰贰拾元伍角整", "同意，请财务审核。"):
        assert word in text, word
    plain = api("GET", "staff", f"/instances/{claim.id}/sheet.pdf?capitals=0", headers=EN)
    assert "叁佰贰拾元伍角整" not in pdf_text(plain.data)
    assert api("GET", "clerk", f"/instances/{claim.id}/sheet.pdf").status_code == 404
    assert api("GET", "staff", "/instances/999999/sheet.pdf").status_code == 404
    # The field hidden from the applicant's node is not in the API's copy either.
    hidden = api("GET", "staff", f"/instances/{recorded.id}/sheet.pdf", headers=EN)
    assert hidden.status_code == 200
    assert REMARK.replace(" ", "") not in pdf_text(hidden.data)


def test_what_people_typed_is_printed_as_text_never_as_markup(client, demo):
    instance = start("staff", "expense_claim", purpose="<script>alert(1)</script> & lunch")
    login(client, "staff")
    html = client.get(f"/instances/{instance.id}/sheet", headers=EN).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; lunch" in html
    assert "<script>alert" not in html
