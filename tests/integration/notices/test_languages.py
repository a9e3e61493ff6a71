"""Everything a person reads on the notices pages goes through gettext (zh_CN beside English):
the dashboard's panel, the lists, a notice as its reader and as its unit head see it, a
withdrawn one. Rendered in the pseudo-locale of tests/integration/platform/
test_pseudo_locale.py: any word left unmarked that is not data fails."""

from __future__ import annotations

from oa_platform.extensions import db
from oa_platform.notices import commands
from tests.conftest import login, user
from tests.integration.platform.test_pseudo_locale import (  # noqa: F401 (the fixture)
    assert_every_word_marked,
    data_corpus,
    pseudo,
)
from tests.notice_helpers import publish, publish_with_attachment


def test_the_notices_pages_show_no_word_outside_gettext(pseudo, client):  # noqa: F811
    app = client.application
    shown = publish_with_attachment(title="关于消防演练的通知", pinned="y")
    gone = publish(title="作废的通知")
    commands.withdraw(db.session, user("head"), gone.id, "内容有误")
    pages = {
        "staff": ["/", "/notices/", "/notices/?tab=published", f"/notices/{shown.id}"],
        "head": [f"/notices/{shown.id}", f"/notices/{gone.id}", "/notices/?tab=published"],
    }
    corpus = data_corpus(app)
    assert_every_word_marked(app, pages, corpus)


def test_the_dashboard_reads_in_chinese(client):
    publish(title="关于消防演练的通知", pinned="y")
    browser = client.application.test_client()
    login(browser, "hr")
    page = browser.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    for words in ("公告、通知与简报", "置顶", "未读", "通知", "全部公告"):
        assert words in page, words
