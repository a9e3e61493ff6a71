"""What people read for a definition's stored words, and gettext for ``form_builder``
(issue 18).

Versions' statuses, the steps of a definition's history and the kinds of a version's changes
are stored in English (``models.VersionStatus``, ``DefinitionEvent.action``,
``diff.Change.kind``); the definitions pages show them through :func:`definition_word`, the
``definition_word`` template global, in the request's language (docs/glossary.md).

:func:`gettext` and :func:`lazy_gettext` are Flask-Babel's where the app has Flask-Babel (the
platform) and the English text elsewhere: ``form_builder`` also runs on a bare Flask app and
outside any app (its validator in a script, its renderer in tests).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from flask_babel import LazyString
from flask_babel import gettext as babel_gettext
from flask_babel import ngettext as babel_ngettext
from flask_babel import pgettext as babel_pgettext


def gettext(text: str, **params: Any) -> str:
    """``text`` in the request's language, its ``%(name)s`` placeholders filled."""
    if has_app_context() and "babel" in current_app.extensions:
        return babel_gettext(text, **params)
    return text % params if params else text


def ngettext(singular: str, plural: str, num: int, **params: Any) -> str:
    """``singular`` or ``plural`` by ``num`` in the request's language; ``%(num)d`` is
    ``num``."""
    if has_app_context() and "babel" in current_app.extensions:
        return babel_ngettext(singular, plural, num, **params)
    return (singular if num == 1 else plural) % {"num": num, **params}


def pgettext(context: str, text: str, **params: Any) -> str:
    """:func:`gettext` of ``text`` in ``context``, for a word that reads differently elsewhere
    (a field "removed" from a definition is 删除, a signer removed from a task 已减签)."""
    if has_app_context() and "babel" in current_app.extensions:
        return babel_pgettext(context, text, **params)
    return text % params if params else text


def lazy_gettext(text: str, **params: Any) -> LazyString:
    """:func:`gettext` when the text is read (labels made at import time)."""
    return LazyString(gettext, text, **params)


WORDS = {
    # a version's status (regulations §2.3, §3.1, §3.2)
    "draft": lazy_gettext("draft"),
    "submitted": lazy_gettext("submitted"),
    "approved": lazy_gettext("approved"),
    "rejected": lazy_gettext("rejected"),
    "published": lazy_gettext("published"),
    # the steps of a definition's history
    "draft_created": lazy_gettext("draft created"),
    "draft_saved": lazy_gettext("draft saved"),
    "withdrawn": lazy_gettext("withdrawn"),
    "reinstated": lazy_gettext("reinstated"),
    # the kinds of a change between versions
    "added": lazy_gettext("added"),
    "removed": LazyString(lambda: pgettext("change", "removed")),
    "changed": lazy_gettext("changed"),
}


def definition_word(word: object) -> str:
    """``word`` (a status, a history step, a kind of change) as people read it; a word
    this table does not know, as stored."""
    if word is None:
        return ""
    found = WORDS.get(str(word))
    return str(found) if found is not None else str(word)
