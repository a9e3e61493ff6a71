"""Quick opinion phrases (常用语; issue 19): each person keeps the sentences they write often,
offered beside the bulk agree's opinion box and under the task page's; until then the common
ones are offered."""

from __future__ import annotations

import html

from oa_platform.runtime.phrases import MAX_LENGTH, OpinionPhrase
from tests.conftest import login, user
from tests.runtime_helpers import db, start


def test_a_person_keeps_deletes_and_is_offered_their_phrases(client):
    start("staff", "leave_request")
    login(client, "head")
    inbox = html.unescape(client.get("/inbox/").get_data(as_text=True))
    assert "Please add the supporting documents." in inbox  # the common ones, at first

    assert client.post("/inbox/phrases", data={"text": "同意，请按制度执行。"}).status_code == 302
    refused = client.post(
        "/inbox/phrases", data={"text": "x" * (MAX_LENGTH + 1)}, follow_redirects=True
    )
    assert f"Phrase: at most {MAX_LENGTH} characters." in refused.get_data(as_text=True)
    [mine] = db.session.query(OpinionPhrase).filter_by(user_id=user("head").id).all()
    assert mine.text == "同意，请按制度执行。"
    mine_id = mine.id
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert "同意，请按制度执行。" in inbox and "Please add the supporting documents." not in inbox

    other = client.application.test_client()
    login(other, "staff")
    other.post("/inbox/phrases", data={"delete": str(mine_id)})  # not theirs: left alone
    db.session.expire_all()
    assert db.session.get(OpinionPhrase, mine_id) is not None
    client.post("/inbox/phrases", data={"delete": str(mine_id)})
    db.session.expire_all()
    assert db.session.get(OpinionPhrase, mine_id) is None
    assert client.post("/inbox/phrases", data={"text": "x"}, csrf=False).status_code == 400


def test_the_task_pages_opinion_box_offers_the_handlers_own_phrases_as_text(client):
    """§3.5 asks an opinion for every action but agree, written in the task page's action
    dialog: under its opinion box are the head's own phrases, not another person's, printed
    as text (a phrase is the person's own writing), and the way to the phrases page."""
    instance = start("staff", "leave_request")
    staff = client.application.test_client()
    login(staff, "staff")
    assert staff.post("/inbox/phrases", data={"text": "Staff's own phrase"}).status_code == 302
    login(client, "head")
    mine = "同意 <b>按制度</b> & 执行"
    assert client.post("/inbox/phrases", data={"text": mine}).status_code == 302

    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    offered = page.split('id="oa-opinion-phrases"', 1)[1].split("</div>", 1)[0]
    assert '<button type="button" class="btn btn-default btn-xs oa-phrase">' in offered
    assert "同意 &lt;b&gt;按制度&lt;/b&gt; &amp; 执行" in offered
    assert "<b>按制度" not in page
    assert "Staff&#39;s own phrase" not in page and "Staff's own phrase" not in page
    assert "Please add the supporting documents." not in offered  # his own replace the common
    assert 'href="/inbox/phrases"' in offered and "Manage phrases" in offered


def test_without_phrases_only_the_way_to_the_phrases_page_is_shown(app):
    """The partial both opinion boxes share offers no buttons when there is nothing to offer."""
    with app.test_request_context("/"):
        macro = app.jinja_env.get_template("runtime/_phrases.html").module.phrase_buttons
        html = str(macro([], "oa-opinion"))
    assert "<button" not in html
    assert 'href="/inbox/phrases"' in html and "Manage phrases" in html
