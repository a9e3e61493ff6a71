"""The library's word index (seed 2 §7.1), the same terms as the runtime's form search
(``runtime/search.py``: Latin words, and each Chinese character and pair of adjacent
characters, as Chinese has no spaces), so a two-character word such as 报销 is one indexed
lookup on SQLite and PostgreSQL alike, with no tokenizer or extension to install.

Each word of a query must occur: its terms narrow the candidates through ``library_term``,
and a substring match on the file's lower-cased text confirms them (a longer Chinese word's
pairs could occur apart). A partial Latin word has no term of its own: it is matched only
within the name's and text's whole words.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, delete, insert, select
from sqlalchemy.orm import Session

from oa_platform.library.models import LibraryFile, LibraryTerm
from oa_platform.runtime.search import query_terms, terms

MAX_WORDS = 5


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


def matches(text: str) -> ColumnElement[bool] | None:
    """A filter on :class:`LibraryFile` for files holding every word of ``text`` (None when
    the query has no word)."""
    conditions = []
    for word in text.lower().split()[:MAX_WORDS]:
        for term in query_terms(word):
            conditions.append(
                LibraryFile.id.in_(select(LibraryTerm.file_id).where(LibraryTerm.term == term))
            )
        conditions.append(LibraryFile.search_text.like(_like(word), escape="\\"))
    return and_(*conditions) if conditions else None
