"""Forbidden terms (§8.3: nothing that disrupts order or harms the company's image, in any
area of the system). :func:`forbidden_in` is a small public function other areas (notices)
may reuse: give it the texts and the terms, get back the terms found.

Matching ignores case, full-width forms (NFKC) and the spaces, punctuation and symbols
people put between characters to slip a word past a filter ("敏 感", "b.a.d").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session


def normalise(value: str) -> str:
    """``value`` folded for matching: NFKC, case-folded, letters and digits only."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def forbidden_in(texts: Iterable[str], terms: Iterable[str]) -> list[str]:
    """The ``terms`` (as given, each once, in their order) that occur in any of ``texts``."""
    haystack = "\n".join(normalise(text or "") for text in texts)
    found = []
    for term in terms:
        needle = normalise(term)
        if needle and needle in haystack and term not in found:
            found.append(term)
    return found


def configured_terms(session: Session) -> list[str]:
    """The forbidden terms IT keeps on the moderation page, in the order they were added."""
    from oa_platform.discussion.models import ForbiddenTerm

    return list(session.scalars(select(ForbiddenTerm.term).order_by(ForbiddenTerm.id)))


def check(session: Session, *texts: str) -> list[str]:
    """The configured forbidden terms found in ``texts`` (empty: publish)."""
    return forbidden_in(texts, configured_terms(session))
