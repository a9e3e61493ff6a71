"""The dashboard's notice list and the REST list read a reader's notices in two statements
(their audience keys, then the list with each notice's unit and author), however many
notices and authors there are: no statement per row (issue 21's benchmark, §5.1's
dashboard)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.notices import queries
from oa_platform.notices.models import Notice, NoticeAudience
from tests.conftest import user

BOTH_DATABASES = True


@contextmanager
def statements():
    """``with statements() as sent:``: the statements sent meanwhile, in ``sent``."""
    sent: list[str] = []

    def seen(_connection, _cursor, statement, *_args) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def released(authors: list[str], audience: tuple[str, str]) -> None:
    """One live notice per author, for ``audience``, a minute apart."""
    for n, author in enumerate(authors):
        writer = user(author)
        notice = Notice(
            kind="notice",
            title=f"第{n}号通知",
            body="<p>正文</p>",
            department_id=writer.department_id,
            unit_name="Unit",
            author_id=writer.id,
            audience=[f"{audience[0]}:{audience[1]}"],
            published_at=utcnow() - timedelta(minutes=n),
        )
        db.session.add(notice)
        db.session.flush()
        db.session.add(NoticeAudience(kind=audience[0], key=audience[1], notice_id=notice.id))
    db.session.commit()


def listed(username: str) -> tuple[list[str], list[str]]:
    """(titles and authors of ``username``'s list, the statements it took)."""
    reader = user(username)
    db.session.expire_all()
    reader = user(username)
    with statements() as sent:
        rows = queries.for_reader(db.session, reader, date.today(), limit=queries.PAGE)
        shown = [f"{row.notice.title} {row.notice.author.username} {row.notice.unit_name}"
                 for row in rows]  # fmt: skip
    return shown, sent


def test_the_list_takes_two_statements_for_one_notice_or_many_by_many_authors(demo):
    released(["head"], ("company", "SLS"))
    one, sent_for_one = listed("staff")
    assert len(one) == 1 and len(sent_for_one) == 2
    released(["finance", "hr", "leader", "admin", "secretary"], ("everyone", ""))
    many, sent_for_many = listed("staff")
    assert len(many) == 6
    assert {line.split()[1] for line in many} == {
        "head", "finance", "hr", "leader", "admin", "secretary"
    }  # fmt: skip
    assert len(sent_for_many) == 2
    # A reader in another company sees only what reaches them, with the same two statements.
    others, sent = listed("finance")
    assert len(others) == 5 and len(sent) == 2
