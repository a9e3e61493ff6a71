"""Every word of the discussion pages goes through gettext (issue 18's rule, for issue 21):
rendered in the pseudo-locale, what is left outside the marks must be stored data (titles,
texts, names, reasons) or a date."""

from __future__ import annotations

from oa_platform.discussion import commands
from oa_platform.extensions import db
from tests.conftest import user
from tests.discussion_helpers import board_of, department, post
from tests.integration.platform.test_pseudo_locale import (  # noqa: F401 (the fixture)
    assert_every_word_marked,
    data_corpus,
    pseudo,
)


def test_the_discussion_pages_show_no_word_outside_gettext(pseudo, client):  # noqa: F811
    app = client.application
    office = department("GRP", "OFFICE")
    commands.set_person_in_charge(db.session, user("admin"), office.id, "secretary")
    asked = post("staff", title="报销单据退回太慢", body="请财务部说明需要补充哪些材料")
    commands.reply(db.session, user("finance"), asked.id, "请补充发票原件", official=True)
    matter = post("staff", concerns="group", title="班车路线", body="建议增加一条班车路线")
    commands.reply(db.session, user("secretary"), matter.id, "拟增加", official=True)
    commands.report(db.session, user("head"), asked.id, "言辞不当")
    commands.add_term(db.session, user("admin"), "内部价格")
    held = post("staff", title="内部价格", body="内部价格表")
    hidden = post("staff", title="隐藏的帖子", body="正文")
    commands.hide(db.session, user("admin"), hidden.id, "含有人身攻击")
    corpus = data_corpus(app)
    finance = department("GRP", "FIN")
    pages = {
        "admin": [
            "/discussion/",
            f"/discussion/boards/{board_of().id}",
            f"/discussion/posts/{asked.id}",
            f"/discussion/posts/{held.id}",
            f"/discussion/posts/{hidden.id}",
            f"/discussion/unanswered/{finance.id}",
            "/discussion/moderation",
        ],
        "leader": [f"/discussion/posts/{matter.id}", "/discussion/todo", "/inbox/"],
        "staff": [
            f"/discussion/posts/{hidden.id}",
            f"/discussion/boards/{board_of('suggestions').id}",
        ],
    }
    assert_every_word_marked(app, pages, corpus)
