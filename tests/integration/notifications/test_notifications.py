"""Notifications (regulations §3.3; seed 2 §4.4-4.5): one notice per event per person, the
navbar's unread badge, a page that shows and changes only the owner's notices, and an e-mail
per notice — after commit, and only when a mail server is configured."""

from __future__ import annotations

import re
import socketserver
import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

import oa_platform.notifications.models  # noqa: F401 (registers the table before the app builds it)
from oa_platform import notifications
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.notifications.service import mark_read, notify, notify_users, unread_count
from tests.conftest import login, user
from tests.integration.runtime.test_node_type_plugins import SmtpSink
from tests.runtime_helpers import commit

# ON CONFLICT DO NOTHING is each dialect's own: both are checked.
BOTH_DATABASES = True


@pytest.fixture
def site(client, demo):
    """The signed-out test client of an app whose pages show the unread badge."""
    notifications.init_app(demo)  # until create_app calls it; calling twice is harmless
    return client


def tell(username: str, key: str, subject: str = "New task: expense claim", **kw) -> Notification:
    """Notify ``username`` and commit; the notice as stored."""
    notify(
        db.session,
        [user(username).id],
        kind=kw.get("kind", "task"),
        key=key,
        subject=subject,
        link=kw.get("link", "/inbox/"),
    )
    commit()
    return rows(username)[-1]


def rows(username: str) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user(username).id)
            .order_by(Notification.id)
        )
    )


def badge(html: str) -> str | None:
    found = re.search(r'id="oa-unread-badge">(\d+)<', html)
    return found.group(1) if found else None


def count() -> int:
    """How many notices there are (the demo's own included: its definitions' reviews)."""
    return db.session.scalar(select(func.count(Notification.id)))


def test_one_event_notifies_each_person_once(demo):
    staff, finance = user("staff").id, user("finance").id
    before = count()
    notify(db.session, [staff, finance, staff], kind="task", key="task:1", subject="s", link="/x")
    notify(db.session, [staff], kind="task", key="task:1", subject="s", link="/x")
    assert count() == before  # written by the commit
    commit()
    assert [n.user_id for n in rows("staff")] == [staff]
    assert [n.user_id for n in rows("finance")] == [finance]
    notify(db.session, [staff, finance], kind="task", key="task:1", subject="s", link="/x")
    notify(db.session, [staff], kind="urged", key="task:1", subject="s", link="/x")
    commit()
    # An urge on the same task is another event; the task's notice was not added again.
    assert [n.kind for n in rows("staff")] == ["task", "urged"]
    assert count() == before + 3


def test_a_rolled_back_savepoint_drops_its_notices(demo):
    staff, finance = user("staff").id, user("finance").id
    notify(db.session, [staff], kind="task", key="task:1", subject="s", link="/x")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        notify(db.session, [finance], kind="task", key="task:1", subject="s", link="/x")
        raise RuntimeError("a hook failed")
    commit()
    assert len(rows("staff")) == 1 and rows("finance") == []


def test_a_notice_another_transaction_added_meanwhile_is_skipped(demo):
    staff, finance = user("staff").id, user("finance").id
    commit()
    raced = []

    def concurrent_insert(conn, cursor, statement, *args):
        # Just before notify's insert, another transaction commits the same notice.
        if statement.startswith("INSERT INTO notification") and not raced:
            raced.append(True)
            with Session(db.engine) as other:
                other.add(
                    Notification(user_id=staff, kind="task", key="task:7", subject="s", link="/x")
                )
                other.commit()

    event.listen(db.engine, "before_cursor_execute", concurrent_insert)
    try:
        notify(db.session, [staff, finance], kind="task", key="task:7", subject="s", link="/x")
        commit()  # the caller's transaction is not failed by the constraint
    finally:
        event.remove(db.engine, "before_cursor_execute", concurrent_insert)
    assert raced
    assert len(rows("staff")) == 1 and len(rows("finance")) == 1


def test_notify_users_by_name_and_links_must_be_relative(demo):
    before = count()
    notify_users(
        db.session, ["staff", "nobody"], kind="answer", key="question:3", subject="s", link="/i/1"
    )
    commit()
    assert [n.key for n in rows("staff")] == ["question:3"]
    assert count() == before + 1
    for link in ("https://evil.example/", "//evil.example/", "/\\evil.example", "inbox"):
        with pytest.raises(ValueError):
            notify(db.session, [user("staff").id], kind="task", key="k", subject="s", link=link)


def test_unread_badge_on_every_page(site):
    tell("staff", "task:1")
    tell("staff", "task:2")
    tell("finance", "task:3")
    login(site, "staff")
    assert badge(site.get("/").get_data(as_text=True)) == "2"
    assert badge(site.get("/inbox/").get_data(as_text=True)) == "2"
    mark_read(db.session, user("staff").id)
    commit()
    html = site.get("/").get_data(as_text=True)
    assert badge(html) is None and 'id="oa-notifications-bell"' in html
    assert unread_count(db.session, user("finance").id) == 1


def test_list_shows_only_the_owners_notices_newest_first(site):
    tell("staff", "task:1", "First for staff")
    tell("staff", "task:2", "Second for staff")
    tell("finance", "task:3", "For finance only")
    login(site, "staff")
    html = site.get("/notifications/").get_data(as_text=True)
    assert html.index("Second for staff") < html.index("First for staff")
    assert "For finance only" not in html
    assert html.count('class="label label-primary">new<') == 2


def test_list_pages(site):
    for number in range(25):
        tell("staff", f"task:{number}", f"Notice {number:02d}")
    login(site, "staff")
    first = site.get("/notifications/").get_data(as_text=True)
    second = site.get("/notifications/?page=2").get_data(as_text=True)
    assert "Notice 24" in first and "Notice 04" not in first
    assert "Notice 04" in second and "Notice 24" not in second
    assert "page 2 of 2" in second


def test_open_marks_read_and_follows_the_link(site):
    notice = tell("staff", "task:1", link="/inbox/?tab=todo")
    login(site, "staff")
    response = site.get(f"/notifications/{notice.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox/?tab=todo"
    assert rows("staff")[0].read_at is not None


def test_mark_one_read_and_mark_all_read(site):
    one, two, three = (tell("staff", f"task:{n}").id for n in (1, 2, 3))
    login(site, "staff")
    assert site.post(f"/notifications/{two}/read").status_code == 302
    assert [n.read_at is not None for n in rows("staff")] == [False, True, False]
    assert badge(site.get("/notifications/").get_data(as_text=True)) == "2"
    assert site.post("/notifications/read-all").status_code == 302
    assert all(n.read_at is not None for n in rows("staff"))
    assert one and three  # every one of them, not just the first page's first


def test_another_persons_notice_cannot_be_opened_or_marked(site):
    theirs = tell("finance", "task:1")
    tell("staff", "task:2")
    login(site, "staff")
    assert site.get(f"/notifications/{theirs.id}/open").status_code == 404
    assert site.post(f"/notifications/{theirs.id}/read").status_code == 404
    site.post("/notifications/read-all")
    assert rows("finance")[0].read_at is None  # mark all is mark all of mine
    assert rows("staff")[0].read_at is not None


def test_marking_needs_the_csrf_token(site, demo):
    notice = tell("staff", "task:1")
    login(site, "staff")
    assert site.post(f"/notifications/{notice.id}/read", csrf=False).status_code == 400
    assert site.post("/notifications/read-all", csrf=False).status_code == 400
    html = site.get("/notifications/").get_data(as_text=True)
    assert 'name="csrf_token"' in html
    assert rows("staff")[0].read_at is None


def test_pages_need_a_signed_in_person(site):
    response = site.get("/notifications/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]


def test_subject_is_escaped(site):
    tell("staff", "task:1", subject='<script>alert("x")</script> & co')
    login(site, "staff")
    html = site.get("/notifications/").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html


@pytest.fixture
def smtp(demo):
    server = socketserver.TCPServer(("127.0.0.1", 0), SmtpSink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SmtpSink.messages.clear()
    demo.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1])
    yield SmtpSink.messages
    server.shutdown()
    server.server_close()


def test_each_new_notice_is_mailed_after_commit(demo, smtp):
    notify(
        db.session,
        [user("staff").id],
        kind="task",
        key="task:1",
        subject="Please approve #5",
        link="/instances/5",
    )
    assert smtp == []  # nothing before the commit
    commit()
    [message] = smtp
    [notice] = rows("staff")
    assert "Subject: Please approve #5" in message
    assert "staff@example.com" in message
    assert f"/notifications/{notice.id}/open" in message
    tell("staff", "task:1", subject="Please approve #5")  # the same event: no second mail
    assert len(smtp) == 1


def test_a_rolled_back_notice_is_not_mailed(demo, smtp):
    notify(db.session, [user("staff").id], kind="task", key="task:1", subject="s", link="/x")
    db.session.rollback()
    tell("finance", "task:2")
    assert len(smtp) == 1 and "finance@example.com" in smtp[0]


def test_no_mail_is_attempted_without_a_mail_server(demo, monkeypatch):
    from oa_platform.notifications import tasks
    from plugins import mail

    assert not demo.config["MAIL_SERVER"]
    attempts = []
    monkeypatch.setattr(tasks.send_notification_email, "apply_async", attempts.append)
    monkeypatch.setattr(mail, "SMTP", lambda *a, **k: attempts.append(a))
    tell("staff", "task:1")
    assert attempts == []
    assert len(rows("staff")) == 1
