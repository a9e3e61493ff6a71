"""The library's word index (seed 2 §7.1), the same terms as the runtime's form search
(``runtime/search.py``: Latin words, and each Chinese character and pair of adjacent
characters, as Chinese has no spaces), so a two-character word such as 报销 is one indexed
lookup on SQLite and PostgreSQL alike, with no tokenizer or extension to install.

Each word of a query must occur: its terms narrow the candidates through ``library_term``,
and a substring match on the file's lower-cased text confirms them (a longer Chinese word's
pairs could occur apart). A partial Latin word has no term of its own: it is matched only
within the name's and text's whole words.

Which side drives depends on how common the rarest term is, counted up to ``COMMON`` rows
(an index range read): a rare term's files are looked up through the index (``IN``) and
sorted, at most ``COMMON`` of them; when every term is common the newest current files are
read in order and each is checked with an ``EXISTS`` probe of the index, stopping at the
page's end. Either plan alone is slow for the other kind of word (measured in
docs/performance.md): materialising 通知's 100,000 files, or scanning every file for 审计.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    select,
    true,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from oa_platform.library.models import LibraryFile, LibraryTerm
from oa_platform.runtime.search import query_terms, terms

MAX_WORDS = 5
COMMON = 2_000  # a term in more files than this is checked per file, not looked up


def search_text(name: str, description: str, text: str) -> str:
    """What a file is searched in: its name, description and current text, lower-cased."""
    return "\n".join((name, description, text)).lower()


def reindex(session: Session, file_id: int, text: str) -> None:
    """Index a file again from ``text`` (its :func:`search_text`)."""
    session.execute(delete(LibraryTerm).where(LibraryTerm.file_id == file_id))
    rows = [{"term": term, "file_id": file_id} for term in sorted(terms(text))]
    if rows:
        session.execute(insert(LibraryTerm), rows)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _frequency(session: Session, term: str) -> int:
    """How many files have ``term``, counted up to ``COMMON`` (an index range read)."""
    found = select(LibraryTerm.file_id).where(LibraryTerm.term == term).limit(COMMON)
    return int(session.scalar(select(func.count()).select_from(found.subquery())) or 0)


def matches(session: Session, text: str) -> ColumnElement[bool] | None:
    """A filter on :class:`LibraryFile` for files holding every word of ``text`` (None when
    the query has no word)."""
    words = text.lower().split()[:MAX_WORDS]
    if not words:
        return None
    wanted = sorted({term for word in words for term in query_terms(word)})
    counts = {term: _frequency(session, term) for term in wanted}
    if any(count == 0 for count in counts.values()):
        return false()  # a term no file has: nothing to read
    conditions = []
    rarest = min(wanted, key=counts.__getitem__) if wanted else None
    for term in wanted:
        if term == rarest and counts[term] < COMMON:
            conditions.append(
                LibraryFile.id.in_(select(LibraryTerm.file_id).where(LibraryTerm.term == term))
            )
        else:
            conditions.append(
                exists().where(LibraryTerm.term == term, LibraryTerm.file_id == LibraryFile.id)
            )
    walking = rarest is None or counts[rarest] >= COMMON
    conditions.extend(_confirmed(word, walking) for word in words)
    return and_(*conditions)


def _confirmed(word: str, walking: bool) -> ColumnElement[bool]:
    """The substring check that confirms a word's candidates. When every term is common
    (the newest files are walked) it is a ``CASE`` the planner cannot estimate (it assumes
    one half): a bare ``LIKE`` is estimated from the text's statistics as if independent of
    the word's terms, though a file with the terms nearly always passes it, so for a word
    in about 2% of the files PostgreSQL multiplied the two, expected less than a page of
    results and read and sorted the whole table (120 ms at 100,000 files) instead of
    walking (docs/performance.md). A rare term's few candidates keep the bare ``LIKE``: a
    low estimate there keeps the plan on the index lookups."""
    like = LibraryFile.search_text.like(_like(word), escape="\\")
    return case((like, true()), else_=false()) if walking else like


@contextmanager
def serial(session: Session) -> Iterator[None]:
    """Run the search's page query without PostgreSQL's parallel workers. A page is at most
    50 files, found in 1 to 7 ms of work; starting two workers cost more than that
    on a busy machine (40 ms at a load of 6 per core, docs/performance.md). Only this
    statement: the setting is put back afterwards (a failed statement's rollback undoes it)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(sql("SET LOCAL max_parallel_workers_per_gather = 0"))
    yield
    if postgres:
        session.execute(sql("SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))
