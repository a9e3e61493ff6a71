"""Every word of the library's pages goes through gettext (issue 21, item 6: the library in
Simplified Chinese with English): rendered in the pseudo-locale of
tests/integration/platform/test_pseudo_locale.py, what is left unmarked is data."""

from __future__ import annotations

from urllib.parse import quote

from oa_platform.extensions import db
from oa_platform.library import commands
from tests.conftest import user
from tests.integration.platform.test_pseudo_locale import (  # noqa: F401 (the fixture)
    assert_every_word_marked,
    data_corpus,
    pseudo,
)
from tests.library_helpers import docx, folder, publish


def test_the_library_pages_show_no_word_outside_gettext(pseudo, client):  # noqa: F811
    app = client.application
    shelf = folder("规章制度")
    kept = publish(shelf, "差旅费报销办法.docx", docx("住宿费用按标准报销。"), description="试行")
    commands.add_version(
        db.session, user("clerk"), kept.id, commands.Upload("新办法.docx", docx("报销")), "修订"
    )
    gone = publish(shelf, "旧办法.txt", "报销".encode())
    commands.withdraw(db.session, user("clerk"), gone.id, "invalid", "已废止")
    corpus = data_corpus(app)
    pages = {
        "clerk": [
            "/library/",
            "/library/?q=" + quote("报销"),
            f"/library/folders/{shelf.id}",
            f"/library/files/{kept.id}",
            f"/library/files/{gone.id}",
        ],
        "staff": ["/library/", "/library/?q=" + quote("报销"), f"/library/files/{kept.id}"],
    }
    assert_every_word_marked(app, pages, corpus)
