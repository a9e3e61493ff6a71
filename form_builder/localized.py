"""Which text of a definition a person reads in their language (issue 18, definition format 2).

Every label a person reads in a definition (its name and description, field labels and help,
options, table columns, section titles, node names, edge labels, the texts a node gives its
action buttons) is a *text*: either a plain string, the same in every language, or an object
of per-language values::

    "label": {"zh_CN": "报销金额", "en": "Amount"}

:func:`text` alone decides which value a language reads; pages, the instance trail, inboxes,
the designer's preview and the definitions pages all go through it, mostly by way of
:func:`document`, which gives a definition with every text resolved to a plain string (so a
form compiled from it, a spec's node names and a trace read strings as before).

A language missing from a text falls back to the same language in another region (``zh``
for ``zh_CN``), then to the document's own ``language`` (the language its author wrote first),
then to the first value given: a label is never empty because a translation is missing.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from flask import has_app_context
from flask_babel import get_locale

Text = str | Mapping[str, str]

# The members of each element that are texts people read (docs/definition-format.md, "Texts").
DOCUMENT_TEXTS = ("name", "description", "title")
FIELD_TEXTS = ("label", "help")
OPTION_TEXTS = ("label",)
NODE_TEXTS = ("name",)
EDGE_TEXTS = ("label",)


def current_language() -> str | None:
    """The request's language (Flask-Babel's locale, e.g. ``zh_CN``); None outside an app."""
    if not has_app_context():
        return None
    locale = get_locale()
    return str(locale) if locale is not None else None


def _primary(tag: str) -> str:
    return tag.replace("-", "_").split("_")[0].lower()


def _pick(values: Mapping[str, str], language: str | None) -> str | None:
    """The non-empty value for ``language``: exact tag first, then the same primary language."""
    if not language:
        return None
    wanted = language.replace("-", "_")
    for tag, value in values.items():
        if value and tag.replace("-", "_").lower() == wanted.lower():
            return value
    for tag, value in values.items():
        if value and _primary(tag) == _primary(wanted):
            return value
    return None


def text(value: Text | None, language: str | None = None, fallback: str | None = None) -> str:
    """The text of ``value`` a reader of ``language`` (default: the request's) reads.

    ``fallback`` is the language to use when ``language`` has no value (a document's own
    ``language``); after it, the first non-empty value. A plain string is every language's.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    for candidate in (language or current_language(), fallback):
        found = _pick(value, candidate)
        if found is not None:
            return found
    return next((v for v in value.values() if v), "")


def texts(document: Mapping[str, Any]) -> Iterator[tuple[str, Text]]:
    """(JSON path, text) of every text a person reads in ``document``, in document order."""
    for path, holder, member in _holders(document):
        yield f"{path}.{member}", holder[member]


def document(source: Mapping[str, Any], language: str | None = None) -> dict[str, Any]:
    """A copy of ``source`` with every text as the plain string ``language`` reads
    (default: the request's language). Other members are left as they are."""
    chosen = language or current_language()
    fallback = source.get("language")
    return map_texts(source, lambda value: text(value, chosen, fallback))


def map_texts(source: Mapping[str, Any], change: Callable[[Text], Any]) -> dict[str, Any]:
    """A copy of ``source`` with ``change`` applied to each of its texts."""
    result = copy.deepcopy(dict(source))
    for _path, holder, member in _holders(result):
        holder[member] = change(holder[member])
    return result


def _holders(document: Mapping[str, Any]) -> Iterator[tuple[str, Any, str]]:
    """(path of the element, element, member) for each text member present. Tolerates
    documents that do not follow the schema (the designer's drafts): what is not a list of
    objects is skipped."""

    def members(path: str, element: Any, names: tuple[str, ...]):
        if isinstance(element, Mapping):
            for name in names:
                if name in element:
                    yield path, element, name

    def each(path: str, items: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(items, list | tuple):
            for index, item in enumerate(items):
                if isinstance(item, Mapping):
                    yield f"{path}[{index}]", item

    yield from members("$", document, DOCUMENT_TEXTS)
    for field_path, field in each("$.fields", document.get("fields")):
        yield from _field_holders(field_path, field, members, each)
    for node_path, node in each("$.nodes", document.get("nodes")):
        yield from members(node_path, node, NODE_TEXTS)
        buttons = node.get("buttons")
        if isinstance(buttons, Mapping):  # action -> the node's own word on its button
            yield from members(f"{node_path}.buttons", buttons, tuple(buttons))
    for edge_path, edge in each("$.edges", document.get("edges")):
        yield from members(edge_path, edge, EDGE_TEXTS)


def _field_holders(path: str, field: Any, members, each) -> Iterator[tuple[str, Any, str]]:
    yield from members(path, field, FIELD_TEXTS)
    for option_path, option in each(f"{path}.options", field.get("options")):
        yield from members(option_path, option, OPTION_TEXTS)
    for column_path, column in each(f"{path}.columns", field.get("columns")):
        yield from _field_holders(column_path, column, members, each)
