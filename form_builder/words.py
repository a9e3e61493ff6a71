"""What people read for a definition's stored words: its versions' statuses, the steps of its
history and the kinds of a version's changes (issue 18).

They are stored in English (``models.VersionStatus``, ``DefinitionEvent.action``,
``diff.Change.kind``); the definitions pages show them through :func:`definition_word`, the
``definition_word`` template global, in the request's language (docs/glossary.md).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as babel_gettext
from flask_babel import lazy_gettext

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
    "removed": lazy_gettext("removed"),
    "changed": lazy_gettext("changed"),
}


def definition_word(word: object) -> str:
    """``word`` (a status, a history step, a kind of change) as people read it; a word
    this table does not know, as stored."""
    if word is None:
        return ""
    found = WORDS.get(str(word))
    return str(found) if found is not None else str(word)


def gettext(text: str, **params: Any) -> str:
    """Flask-Babel's ``gettext`` where the app has Flask-Babel (the platform), else ``text``
    as written: ``form_builder`` also runs on a bare Flask app and outside any app (its
    validator in a script)."""
    if has_app_context() and "babel" in current_app.extensions:
        return babel_gettext(text, **params)
    return text % params if params else text
