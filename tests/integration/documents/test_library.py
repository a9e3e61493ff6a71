"""Seed 2 §7.1: the library of issued documents, searched by number, title, kind, unit, year
and full text (a Chinese word of two characters such as 报销 included) on SQLite and
PostgreSQL, showing only what the reader may open."""

from __future__ import annotations

from datetime import date

from oa_platform.documents import queries
from oa_platform.documents.queries import LibraryQuery
from oa_platform.extensions import db
from tests.conftest import user
from tests.document_helpers import draft, issued, sign_through

BOTH_DATABASES = True


def found(username: str, **query) -> list[str]:
    return [
        d.title
        for d in queries.library(db.session, user(username), LibraryQuery(**query), date.today())
    ]


def test_the_library_finds_two_character_chinese_words_numbers_kinds_units_and_years(demo):
    claims = issued(sign_through(draft()))
    meeting = issued(
        sign_through(
            draft(
                kind="meeting_notice",
                title="关于召开年度工作会议的通知",
                body="<p>定于下周一召开年度工作会议，请各部门负责人参加。</p>",
                main_recipients="company:SLS",
            )
        )
    )
    assert found("staff", text="报销") == [claims.title]  # in the title and the body
    assert found("staff", text="会议") == [meeting.title]
    assert found("staff", text="各部门 负责人") == [meeting.title]  # every word must occur
    assert found("staff", number=meeting.number) == [meeting.title]
    assert found("staff", kind="meeting_notice") == [meeting.title]
    assert sorted(found("staff", unit="Group Office")) == sorted([claims.title, meeting.title])
    assert found("staff", year=claims.issue_date.year + 1) == []
    assert len(found("staff", year=claims.issue_date.year)) == 2
    assert found("staff", text="100%_") == []  # LIKE's wildcards are searched as text
    # hr received neither; the auditor reads both.
    assert found("hr", text="报销") == [] and found("hr") == []
    assert len(found("auditor")) == 2
