"""The words a person is found by in the people picker (issue 19, "The task page"), kept
beside the account so a search is one indexed range query, not a scan of every user.

``org_person_term`` holds (term, user) pairs. The terms of a person are, lower case and
without spaces: the user name; each name kept (the whole name, each part, the Chinese name
beside the English one) and each of its words; for a Chinese name every ending of it
(张伟, 伟: people look for the given name too) with its pinyin in full and as initials
(zhangwei, zw, wei, w), the family name in each of its readings (曾: zeng, ceng). A
search is the terms that *begin* with what was typed: ``term >= q AND term < q'``, q' being
q with its last character raised by one, an index range on every database (no ``LIKE``,
whose use of an index depends on collations).

The terms follow the account: SQLAlchemy's mapper events rewrite them in the flush that
inserts a user or changes a name, whichever path made it (HR's pages, the import, the CLI);
the migration computed them for the accounts that were there before.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from flask_appbuilder import Model
from pypinyin import Style, lazy_pinyin, pinyin
from sqlalchemy import ForeignKey, Index, String, delete, event, insert, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from oa_platform.accounts.models import OAUser
from oa_platform.accounts.names import full_name, is_cjk

MAX_TERM = 64
# Readings kept of a family name's character (pypinyin lists the common ones first).
MAX_READINGS = 4
# The columns whose change rewrites the terms.
NAME_COLUMNS = ("username", "first_name", "last_name", "name_zh")


class PersonTerm(Model):
    """One search term of one account; the primary key (term first) is the search index."""

    __tablename__ = "org_person_term"
    __table_args__ = (Index("ix_person_term_user", "user_id"),)

    # Binary order on PostgreSQL ("C"), as SQLite compares: the prefix range relies on it.
    term: Mapped[str] = mapped_column(
        String(MAX_TERM).with_variant(String(MAX_TERM, collation="C"), "postgresql"),
        primary_key=True,
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True
    )


# A department's people in the picker's order (name, then id), so opening a department of
# 15,000 reads its first page from the index instead of sorting them all.
DEPARTMENT_ORDER = Index(
    "ix_user_department_name",
    OAUser.department_id,
    OAUser.last_name,
    OAUser.first_name,
    OAUser.id,
)


def compact(text: str) -> str:
    """``text`` as terms and searches compare it: lower case, without spaces."""
    return "".join(text.split()).lower()[:MAX_TERM]


def prefix_bounds(query: str) -> tuple[str, str] | None:
    """(low, high) such that ``low <= term < high`` exactly when ``term`` begins with the
    compacted ``query``; None when nothing is left to search for."""
    low = compact(query)
    if not low:
        return None
    # The next string after every one beginning with ``low``: its last character raised,
    # skipping the surrogates (no string may hold one); a last code point carries over to
    # the character before it, and all of them bound above by a longer run of it.
    for end in range(len(low), 0, -1):
        code = ord(low[end - 1]) + 1
        code = 0xE000 if code == 0xD800 else code
        if code <= sys.maxunicode:
            return low, low[: end - 1] + chr(code)
    return low, chr(sys.maxunicode) * (MAX_TERM + 1)


def _spellings(chinese: str, family: bool) -> set[str]:
    """Pinyin of ``chinese`` in full and as initials: the reading pypinyin's phrase
    dictionary gives and, when ``family`` (the whole name), each other reading of the first
    character (a family name such as 曾 zeng / ceng, 单 shan / dan, is read by the name)."""
    words = [w for w in lazy_pinyin(chinese, style=Style.NORMAL, errors="ignore") if w]
    if not words:
        return set()
    firsts = [words[0]]
    if family and len(words) == len(chinese):
        firsts += pinyin(chinese[0], style=Style.NORMAL, heteronym=True)[0][:MAX_READINGS]
    rest, rest_initials = "".join(words[1:]), "".join(w[0] for w in words[1:])
    found: set[str] = set()
    for first in firsts:
        found.add(first + rest)
        found.add(first[0] + rest_initials)
    return found


def terms_of(
    username: str | None, first_name: str | None, last_name: str | None, name_zh: str | None
) -> set[str]:
    """Every term a person is found by (see the module's docstring)."""
    names = {full_name(first_name, last_name), first_name, last_name, name_zh, username}
    found: set[str] = set()
    for name in filter(None, (n.strip() if n else "" for n in names)):
        found.add(compact(name))
        found.update(compact(word) for word in name.split())
        if is_cjk(name):
            chinese = "".join(name.split())
            for start in range(len(chinese)):
                ending = chinese[start:]
                found.add(compact(ending))
                found.update(compact(spelling) for spelling in _spellings(ending, start == 0))
    found.discard("")
    return found


def write_terms(connection: Connection, people: Iterable[OAUser]) -> None:
    """Replace the terms of ``people`` (already flushed, so each has its id)."""
    people = [person for person in people if person.id is not None]
    if not people:
        return
    table = PersonTerm.__table__
    connection.execute(delete(table).where(table.c.user_id.in_([p.id for p in people])))
    rows = [
        {"term": term, "user_id": person.id}
        for person in people
        for term in sorted(
            terms_of(person.username, person.first_name, person.last_name, person.name_zh)
        )
    ]
    if rows:
        connection.execute(insert(table), rows)


def _inserted(_mapper: Mapper, connection: Connection, target: OAUser) -> None:
    write_terms(connection, [target])


def _updated(_mapper: Mapper, connection: Connection, target: OAUser) -> None:
    state = inspect(target)
    if any(state.attrs[column].history.has_changes() for column in NAME_COLUMNS):
        write_terms(connection, [target])


def _deleted(_mapper: Mapper, connection: Connection, target: OAUser) -> None:
    # Before the account's row goes, whether or not the database enforces the cascade.
    table = PersonTerm.__table__
    connection.execute(delete(table).where(table.c.user_id == target.id))


def init_app() -> None:
    """Keep every account's terms with it (once per process)."""
    if not event.contains(OAUser, "after_insert", _inserted):
        event.listen(OAUser, "after_insert", _inserted)
        event.listen(OAUser, "after_update", _updated)
        event.listen(OAUser, "before_delete", _deleted)
