"""User content in the discussion area comes out inert on every page that shows it: post
titles and texts, replies, report reasons and moderators' reasons are plain text, escaped
(§8.3 is about content; this is about it never running as script)."""

from __future__ import annotations

from oa_platform.discussion import commands
from oa_platform.extensions import db
from tests.conftest import login, user
from tests.discussion_helpers import board_of, department, post

SCRIPT = '<script>alert("xss")</script>'
HANDLER = '<img src=x onerror="alert(1)">'
PAYLOAD = f"{SCRIPT}{HANDLER}"


def inert(page: str) -> bool:
    return SCRIPT not in page and "<img src=x" not in page and "&lt;script&gt;" in page


def test_script_and_event_handlers_in_posts_and_replies_are_inert_on_every_page(demo):
    finance = department("GRP", "FIN")
    asked = post("staff", title=f"标题{PAYLOAD}", body=f"正文{PAYLOAD}")
    commands.reply(db.session, user("head"), asked.id, f"回复{PAYLOAD}")
    commands.report(db.session, user("head"), asked.id, f"举报{PAYLOAD}")
    commands.add_term(db.session, user("admin"), "内部价格")
    held = post("staff", title=f"内部价格{PAYLOAD}", body=f"内部价格{PAYLOAD}")
    hidden = post("staff", title=f"隐藏{PAYLOAD}")
    commands.hide(db.session, user("admin"), hidden.id, f"理由{PAYLOAD}")
    board = board_of()

    admin = demo.test_client()
    login(admin, "admin")
    for address in (
        f"/discussion/boards/{board.id}",
        f"/discussion/posts/{asked.id}",
        f"/discussion/posts/{held.id}",
        f"/discussion/posts/{hidden.id}",
        f"/discussion/unanswered/{finance.id}",
        "/discussion/moderation",
    ):
        page = admin.get(address).get_data(as_text=True)
        assert inert(page), address
    handler = demo.test_client()
    login(handler, "finance")
    for address in ("/discussion/todo", "/inbox/", "/notifications/"):
        page = handler.get(address).get_data(as_text=True)
        assert SCRIPT not in page and "<img src=x" not in page, address
    assert "&lt;script&gt;" in handler.get("/discussion/todo").get_data(as_text=True)
    author = demo.test_client()
    login(author, "staff")
    for address in (f"/discussion/posts/{hidden.id}", "/notifications/"):
        page = author.get(address).get_data(as_text=True)
        assert SCRIPT not in page and "<img src=x" not in page, address
    assert "alert" in author.get(f"/discussion/posts/{hidden.id}").get_data(as_text=True)
