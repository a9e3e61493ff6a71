"""Quick opinion phrases (常用语; issue 19): each person keeps the sentences they write often,
offered beside the bulk agree's opinion box; until then the common ones are offered."""

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
