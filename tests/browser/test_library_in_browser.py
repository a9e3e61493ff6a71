"""The file library in a real browser (seed 2 §7.1): the Group Office's clerk makes a folder
for the Sales company and publishes a Word file in it; a Sales staff member finds it by a
two-character Chinese word of its text; Finance, outside the folder's audience, finds
nothing. Screenshots of the office's folder and the staff member's search land in
test-artifacts/."""

from __future__ import annotations

import pytest

from tests.browser.pages import sign_in
from tests.library_helpers import docx

pytestmark = pytest.mark.browser
FOLDER = "销售政策汇编"
FILE = "销售费用报销细则.docx"


def test_the_office_publishes_a_file_that_sales_staff_find_by_a_word_of_its_text(
    live_server, browser_page, artifacts, tmp_path
):
    page, base = browser_page, live_server
    upload = tmp_path / FILE
    upload.write_bytes(docx("业务招待费须事前申请。", "差旅住宿按标准执行。"))

    sign_in(page, base, "clerk")
    page.goto(f"{base}/library/")
    page.select_option("#library-folder-unit", "SLS")
    page.fill("#library-folder-name", FOLDER)
    page.fill("#library-folder-audience", "company:SLS")
    with page.expect_navigation():
        page.click("#library-new-folder button[type=submit]")
    with page.expect_navigation():
        page.click(f"#library-folders a:text('{FOLDER}')")
    page.set_input_files("#library-publish-file", str(upload))
    with page.expect_navigation():
        page.click("#library-publish button[type=submit]")
    assert page.locator("#library-files", has_text=FILE).count() == 1
    page.screenshot(path=artifacts / "library-office-folder.png", full_page=True)

    sign_in(page, base, "staff")
    page.goto(f"{base}/library/")
    page.fill("#library-file-q", "招待")  # only in the Word file's text
    with page.expect_navigation():
        page.click("#library-file-search button[type=submit]")
    assert page.locator("#library-file-results", has_text=FILE).count() == 1
    page.screenshot(path=artifacts / "library-staff-search.png", full_page=True)
    with page.expect_download() as download:
        page.click(f"#library-file-results a:text('{FILE}')", no_wait_after=True)
        page.wait_for_url("**/library/files/*")
        page.click("#library-versions a")
    assert download.value.suggested_filename == FILE

    sign_in(page, base, "finance")
    page.goto(f"{base}/library/?q=招待")
    assert page.locator("#library-file-results", has_text=FILE).count() == 0
    assert page.locator("#library-folders", has_text=FOLDER).count() == 0
