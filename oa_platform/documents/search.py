"""The library's word index (seed 2 §7.1): Chinese has no spaces, so every issued document is
indexed by the two-character sequences of its Chinese text (报销, 费用, ...) and the words of
its other text, in ``document_term``. A search looks the query's terms up by index and checks
the candidates with a substring match, so a two-character word is found among 100,000
documents without reading them all, on SQLite and PostgreSQL alike (no tokenizer, extension
or dictionary to install)."""

from __future__ import annotations

import re

from sqlalchemy import insert
from sqlalchemy.orm import Session

from oa_platform.documents.models import DocumentTerm

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[0-9a-z]+")
MAX_TERM = 32


def terms(text: str) -> set[str]:
    """The index terms of ``text``: each pair of adjacent Chinese characters (a lone one by
    itself) and each lower-case word or number of the rest."""
    found: set[str] = set()
    for run in _CJK.findall(text):
        if len(run) == 1:
            found.add(run)
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    found.update(word[:MAX_TERM] for word in _WORD.findall(text.lower()))
    return found


def index(session: Session, document_id: int, text: str) -> None:
    """Index a document's text (one multi-row INSERT)."""
    rows = [{"term": term, "document_id": document_id} for term in sorted(terms(text))]
    if rows:
        session.execute(insert(DocumentTerm), rows)


def query_terms(word: str) -> set[str]:
    """The terms a document containing ``word`` must have: its Chinese pairs (a single
    Chinese character or a partial Latin word has none: the caller then scans)."""
    return {term for term in terms(word) if _CJK.fullmatch(term) and len(term) == 2}
