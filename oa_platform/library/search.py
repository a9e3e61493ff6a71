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

from sqlalchemy import ColumnElement, and_, delete, exists, false, func, insert, select
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
    conditions.extend(LibraryFile.search_text.like(_like(word), escape="\\") for word in words)
    return and_(*conditions)
