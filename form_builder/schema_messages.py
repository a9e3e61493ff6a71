"""JSON Schema errors as sentences a designer reads (issue 19, deliver 6).

jsonschema's own messages (``'' does not match '^[a-z][a-z0-9_]{0,62}$'``, ``'users' is a
required property``) speak to programmers. Every schema error a designer can meet is turned
here into one sentence in the request's language that names the element it concerns (``Field 3
(报销金额)``, ``Node 2 (部门负责人)``, ``Connection 1 (start → head)``) and says what to do:

    Field 3 (报销金额): the key may use only lower-case letters, digits and _ and must start
    with a letter

:func:`sentence` is used by the definition format's check (:mod:`form_builder.format`) and by
node types' config check (``plugins.contract.NodeType.validate_config``); it needs no app
(``words.gettext`` falls back to English).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jsonschema

from form_builder import localized
from form_builder.words import gettext as _
from form_builder.words import lazy_gettext

_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(_[A-Z][a-z]{3})?(_[A-Z]{2})?$")
# A label is shown up to this many characters in a sentence (a too-long one is the problem).
_LONGEST_NAME = 24
_TEXTS = {"name", "label", "help", "description", "title"}

# Members whose pattern is the identifier pattern: a key or an id (definition format 2).
_IDENTIFIERS = {"key", "id", "from", "to", "value"}

# The members a designer meets, by the name the designer's panels give them.
MEMBER_NAMES: dict[str, Any] = {
    "key": lazy_gettext("the key"),
    "id": lazy_gettext("the id"),
    "name": lazy_gettext("the name"),
    "label": lazy_gettext("the label"),
    "help": lazy_gettext("the help text"),
    "required": lazy_gettext("the Required setting"),
    "type": lazy_gettext("the type"),
    "category": lazy_gettext("the category"),
    "department": lazy_gettext("the owning department"),
    "description": lazy_gettext("the description"),
    "title": lazy_gettext("the title template"),
    "options": lazy_gettext("the options"),
    "columns": lazy_gettext("the columns"),
    "value": lazy_gettext("the value"),
    "from": lazy_gettext("the connection's start"),
    "to": lazy_gettext("the connection's end"),
    "condition": lazy_gettext("the condition"),
    "assignee": lazy_gettext("the assignee rule"),
    "rule": lazy_gettext("the assignee rule"),
    "users": lazy_gettext("the users"),
    "roles": lazy_gettext("the roles"),
    "actions": lazy_gettext("the actions"),
    "config": lazy_gettext("the settings"),
    "mode": lazy_gettext("the mode"),
    "percentage": lazy_gettext("the percentage"),
    "deadline_hours": lazy_gettext("the deadline (hours)"),
    "expression": lazy_gettext("the expression"),
    "visible_if": lazy_gettext("the visibility condition"),
    "width": lazy_gettext("the width"),
    "default": lazy_gettext("the default value"),
    "kind": lazy_gettext("the kind"),
    "format": lazy_gettext("the format number"),
    "language": lazy_gettext("the language"),
    "min_length": lazy_gettext("the minimum length"),
    "max_length": lazy_gettext("the maximum length"),
    "pattern": lazy_gettext("the pattern"),
    "min": lazy_gettext("the minimum"),
    "max": lazy_gettext("the maximum"),
    "decimals": lazy_gettext("the decimals"),
    "max_files": lazy_gettext("the number of files"),
    "max_size_mb": lazy_gettext("the file size (MB)"),
    "accept": lazy_gettext("the accepted file kinds"),
    "fields": lazy_gettext("the fields"),
    "nodes": lazy_gettext("the nodes"),
    "edges": lazy_gettext("the connections"),
}

_TYPES: dict[str, Any] = {
    "string": lazy_gettext("text"),
    "integer": lazy_gettext("a whole number"),
    "number": lazy_gettext("a number"),
    "boolean": lazy_gettext("yes or no (true or false)"),
    "array": lazy_gettext("a list"),
    "object": lazy_gettext("a group of settings"),
    "null": lazy_gettext("empty"),
}


def member_name(name: str) -> str:
    """How a member is called in a sentence: "the key", or 'stars' for one unknown here."""
    known = MEMBER_NAMES.get(name)
    return str(known) if known is not None else f"'{name}'"


def element_name(document: Any, path: Sequence[Any]) -> str:
    """The element ``path`` (jsonschema's ``absolute_path``) is in, as a designer names it:
    "Field 3 (报销金额)", "Field 4 (明细), column 2 (金额)", "Node 2 (部门负责人)",
    "Connection 1 (start → head)", or "The definition"."""
    parts = list(path)
    if len(parts) >= 2 and isinstance(parts[1], int):
        items = document.get(parts[0]) if isinstance(document, Mapping) else None
        element = _at(items, parts[1])
        number = parts[1] + 1
        if parts[0] == "fields":
            where = _("Field %(number)s%(named)s", number=number, named=_named(element, "label"))
            if len(parts) >= 4 and parts[2] == "columns" and isinstance(parts[3], int):
                column = _at(
                    element.get("columns") if isinstance(element, Mapping) else None, parts[3]
                )
                named = _named(column, "label")
                where = _(
                    "%(field)s, column %(number)s%(named)s",
                    field=where,
                    number=parts[3] + 1,
                    named=named,
                )
            elif len(parts) >= 4 and parts[2] == "options" and isinstance(parts[3], int):
                option = _at(
                    element.get("options") if isinstance(element, Mapping) else None, parts[3]
                )
                named = _named(option, "label")
                where = _(
                    "%(field)s, option %(number)s%(named)s",
                    field=where,
                    number=parts[3] + 1,
                    named=named,
                )
            return where
        if parts[0] == "nodes":
            return _("Node %(number)s%(named)s", number=number, named=_named(element, "name", "id"))
        if parts[0] == "edges":
            ends = ""
            if isinstance(element, Mapping):
                ends = f" ({element.get('from', '?')} → {element.get('to', '?')})"
            return _("Connection %(number)s%(ends)s", number=number, ends=ends)
    return _("The definition")


def _at(items: Any, index: int) -> Any:
    return items[index] if isinstance(items, list) and 0 <= index < len(items) else None


def _named(element: Any, member: str, fallback: str | None = None) -> str:
    """`` (its label)`` in the reader's language, or its key/id, or nothing."""
    if not isinstance(element, Mapping):
        return ""
    text = (
        localized.text(element.get(member))
        if isinstance(element.get(member), str | Mapping)
        else ""
    )
    if not text:
        other = element.get(fallback or "key")
        text = other if isinstance(other, str) else ""
    if len(text) > _LONGEST_NAME:
        text = text[:_LONGEST_NAME] + "…"
    return f" ({text})" if text else ""


def _member_of(path: Sequence[Any]) -> str | None:
    """The last named member on ``path`` (``label`` for ``fields/2/label/zh_CN``)."""
    names = [part for part in path if isinstance(part, str)]
    # A text's per-language value (``label.en``) is the text's problem: name the text.
    if len(names) >= 2 and names[-2] in _TEXTS and _LANGUAGE_TAG.match(names[-1]):
        return names[-2]
    return names[-1] if names else None


def problem(error: jsonschema.ValidationError) -> str:
    """What is wrong, without the element: "the key may use only …"."""
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    member = _member_of(list(error.absolute_path))
    what = member_name(member) if member else _("the value")
    if kind == "pattern":
        if member in _IDENTIFIERS or value == "^[a-z][a-z0-9_]{0,62}$":
            if instance == "":
                return _(
                    "%(what)s is empty: give it lower-case letters, digits and _, starting "
                    "with a letter",
                    what=what,
                )
            return _(
                "%(what)s may use only lower-case letters, digits and _ and must start with "
                "a letter (not '%(value)s')",
                what=what,
                value=instance,
            )
        if "_[A-Z]" in str(value):
            return _(
                "'%(value)s' is not a language such as zh_CN or en",
                value=instance,
            )
        return _(
            "%(what)s does not have the form required ('%(value)s')", what=what, value=instance
        )
    if kind == "required":
        missing = [name for name in value if isinstance(instance, Mapping) and name not in instance]
        names = ", ".join(member_name(name) for name in missing) or member_name(str(value[0]))
        return _("%(what)s must be given", what=names)
    if kind == "minLength":
        if value <= 1 and instance == "":
            return _("%(what)s must not be empty", what=what)
        return _("%(what)s must be at least %(count)s characters long", what=what, count=value)
    if kind == "maxLength":
        return _(
            "%(what)s may be at most %(most)s characters long (it has %(count)s)",
            what=what,
            most=value,
            count=len(instance) if isinstance(instance, str) else "?",
        )
    if kind == "enum":
        choices = ", ".join(str(choice) for choice in value)
        return _(
            "%(what)s must be one of: %(choices)s (not '%(value)s')",
            what=what,
            choices=choices,
            value=instance,
        )
    if kind == "const":
        return _("%(what)s must be %(expected)s", what=what, expected=value)
    if kind == "type":
        kinds = value if isinstance(value, list) else [value]
        names = [str(_TYPES.get(k, k)) for k in kinds]
        wanted = names[0]
        for name in names[1:]:
            wanted = _("%(first)s or %(second)s", first=wanted, second=name)
        return _("%(what)s must be %(kind)s", what=what, kind=wanted)
    if kind == "additionalProperties":
        known = (
            set(error.schema.get("properties", {})) if isinstance(error.schema, Mapping) else set()
        )
        extra = sorted(set(instance) - known) if isinstance(instance, Mapping) else []
        return _(
            "%(names)s is not a setting this element takes",
            names=", ".join(f"'{name}'" for name in extra),
        )
    if kind in {"minimum", "exclusiveMinimum"}:
        return (
            _("%(what)s must be at least %(least)s", what=what, least=value)
            if kind == "minimum"
            else _("%(what)s must be more than %(least)s", what=what, least=value)
        )
    if kind in {"maximum", "exclusiveMaximum"}:
        return _("%(what)s may be at most %(most)s", what=what, most=value)
    if kind == "minItems":
        if value <= 1:
            return _("%(what)s needs at least one entry", what=what)
        return _("%(what)s needs at least %(count)s entries", what=what, count=value)
    if kind == "maxItems":
        return _("%(what)s may have at most %(count)s entries", what=what, count=value)
    if kind == "uniqueItems":
        return _("%(what)s names the same entry twice", what=what)
    if kind == "minProperties":
        return _("%(what)s must not be empty", what=what)
    return _("%(what)s is not accepted here", what=what)


def sentence(error: jsonschema.ValidationError, document: Any = None) -> str:
    """One sentence naming the element and what is wrong with it (see the module doc)."""
    return _(
        "%(where)s: %(problem)s",
        where=element_name(document, list(error.absolute_path)),
        problem=problem(error),
    )
