"""Sam Wu prints the approval sheet (审批单) of his expense claim for the paper file (issue 19,
"Printing"): the Print button on the instance page opens the sheet, which prints without its
toolbar and without link addresses, in Chinese or in English, also at phone width; the PDF
link gives the same sheet as a PDF whose text holds the header, the fields and the opinions.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.browser.pages import fits_the_width, sign_in

pytestmark = pytest.mark.browser


def claim_agreed_by_the_head() -> None:
    """Sam Wu's expense claim of ¥320.50, agreed by his head with an opinion."""
    from tests.runtime_helpers import act_at, start

    act_at(start("staff", "expense_claim"), "head", "agree", opinion="同意，请财务审核。")


def printed(page) -> dict:
    """What a print of the page shows: the toolbar, and what follows the links."""
    return page.evaluate(
        """() => ({
            toolbar: getComputedStyle(document.querySelector('#sheet-toolbar')).display,
            after: [...document.querySelectorAll('a[href]')].map(
                a => getComputedStyle(a, '::after').content),
        })"""
    )


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "").replace(" ", "")


@pytest.mark.browser_locale("zh-CN")
@pytest.mark.seed.with_args(claim_agreed_by_the_head)
def test_the_applicant_prints_the_approval_sheet_in_chinese(live_server, browser_page, artifacts):
    page, base = browser_page, live_server
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, base, "staff")
    page.goto(f"{base}/instances/1")
    with page.context.expect_page() as opened:
        page.click("#print-sheet")
    sheet = opened.value
    sheet.wait_for_load_state()
    assert sheet.url.endswith("/instances/1/sheet")
    assert sheet.inner_text("#sheet-heading") == "费用报销审批单"
    assert sheet.inner_text("#sheet-applicant") == "吴森 (staff)"
    assert sheet.inner_text("#sheet-department")
    assert sheet.inner_text("#sheet-serial").endswith("-000001")
    fields = sheet.inner_text("#sheet-fields")
    assert "Customer visit in Shanghai" in fields and "叁佰贰拾元伍角整" in fields
    opinions = sheet.inner_text("#sheet-opinions")
    assert "何志恒 (head)" in opinions and "同意，请财务审核。" in opinions
    trace = sheet.inner_text("#sheet-trace")
    assert "经理审批" in trace and "财务会签" in trace  # where it has been, where it is now

    # On screen the toolbar is there; on paper neither it nor any link address is.
    assert printed(sheet)["toolbar"] != "none"
    sheet.emulate_media(media="print")
    shown = printed(sheet)
    assert shown["toolbar"] == "none"
    assert all(content in ("none", "normal") for content in shown["after"]), shown
    sheet.screenshot(path=artifacts / "approval-sheet-print.png", full_page=True)
    (artifacts / "approval-sheet-chromium.pdf").write_bytes(sheet.pdf(format="A4"))

    # The Print button opens the browser's print dialog (here: window.print is called).
    sheet.emulate_media(media="screen")
    sheet.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    sheet.click("#sheet-print")
    assert sheet.evaluate("window.printed") == 1

    # The PDF link gives the same sheet, rendered on the server.
    pdf_url = sheet.get_attribute("#sheet-pdf", "href")
    answer = sheet.request.get(f"{base}{pdf_url}", headers={"Accept-Language": "zh-CN"})
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    (artifacts / "approval-sheet-server.pdf").write_bytes(answer.body())
    text = pdf_text(answer.body())
    for word in ("费用报销审批单", "吴森(staff)", "事由", "CustomervisitinShanghai",
                 "叁佰贰拾元伍角整", "何志恒(head)", "同意，请财务审核。"):  # fmt: skip
        assert word in text, word

    # Without the capitals, and at phone width without sideways scrolling.
    sheet.click("#sheet-capitals-toggle")
    sheet.wait_for_load_state()
    assert "叁佰贰拾元伍角整" not in sheet.inner_text("#sheet-fields")
    sheet.set_viewport_size({"width": 390, "height": 844})
    assert fits_the_width(sheet)
    sheet.screenshot(path=artifacts / "approval-sheet-phone.png", full_page=True)


@pytest.mark.browser_locale("en")
@pytest.mark.seed.with_args(claim_agreed_by_the_head)
def test_the_head_prints_it_in_english(live_server, browser_page, artifacts):
    page, base = browser_page, live_server
    sign_in(page, base, "head")
    page.goto(f"{base}/instances/1/sheet")
    assert page.inner_text("#sheet-heading") == "Expense claim approval sheet"
    assert "Applicant" in page.inner_text("#sheet-header")
    assert "Agree" in page.inner_text("#sheet-opinions")
    page.emulate_media(media="print")
    page.screenshot(path=artifacts / "approval-sheet-print-en.png", full_page=True)
