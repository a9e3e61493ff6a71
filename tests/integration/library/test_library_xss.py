"""User content in the library comes out inert on every page that shows it (regulations
§8.3; issue 21): folder and file names, descriptions, version notes, withdrawal reasons and
the search words are escaped, never markup."""

from __future__ import annotations

from urllib.parse import quote

from oa_platform.extensions import db
from oa_platform.library import commands
from tests.conftest import login, user
from tests.library_helpers import docx, folder, publish

SCRIPT = "<script>alert(1)</script>"
HANDLER = '<img src=x onerror="alert(1)">'
PAYLOADS = (SCRIPT, HANDLER)


def inert(page: str) -> None:
    for payload in PAYLOADS:
        assert payload not in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_names_notes_reasons_and_search_words_are_escaped_everywhere(demo):
    shelf = folder(f"资料{SCRIPT}")
    file = publish(shelf, f"报销{HANDLER}.txt", "报销 script img".encode(), description=SCRIPT)
    commands.add_version(
        db.session,
        user("clerk"),
        file.id,
        commands.Upload(f"{SCRIPT}.docx", docx("报销", HANDLER)),
        HANDLER,
    )
    second = publish(shelf, "old.txt", "报销".encode(), name=f"旧{SCRIPT}")
    commands.withdraw(db.session, user("clerk"), second.id, "invalid", HANDLER)

    for who in ("staff", "clerk"):
        client = demo.test_client()
        login(client, who)
        pages = [
            "/library/",
            "/library/?q=" + quote(f"报销 {SCRIPT}"),
            "/library/?q=" + quote(HANDLER),
            "/library/?q=" + quote("报销"),
            f"/library/folders/{shelf.id}",
            f"/library/files/{file.id}",
        ]
        if who == "clerk":
            pages.append(f"/library/files/{second.id}")  # the reason and the trail
        for address in pages:
            answer = client.get(address)
            assert answer.status_code == 200, address
            page = answer.get_data(as_text=True)
            inert(page)
        shown = client.get("/library/?q=" + quote("报销")).get_data(as_text=True)
        assert "报销&lt;img src=x onerror=" in shown  # the name, shown as text
    # The API answers JSON (the client escapes); a download is an attachment, never a page.
    staff = demo.test_client()
    login(staff, "staff")
    answer = staff.get(f"/library/files/{file.id}/download")
    assert answer.headers["Content-Disposition"].startswith("attachment")
    assert answer.headers.get("X-Content-Type-Options") == "nosniff"
