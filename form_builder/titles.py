"""A definition's title template: how each instance is named in inboxes, searches and
notices (issue 19, "titles built from the definition's title template").

A template is a text (plain or per language, ``form_builder.localized``) with placeholders in
braces: a field's key, or one of :data:`BUILT_INS`::

    "title": {"zh_CN": "{initiator}的{days}天请假（{start_date}起）",
              "en": "{initiator}: {days}-day leave from {start_date}"}

Everyone who handles the instance reads its title, so a placeholder may only name a field
that no node hides (``field_access`` "hidden") and that reads as one line (no table, rich
text or files). This module checks a template and fills one in; the runtime decides when
(``oa_platform/runtime/titles.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from form_builder.words import gettext as _
from plugins.fields import field_type

# Names a template may use besides the fields: who started it, and the definition's name.
BUILT_INS = ("initiator", "definition")
TITLE_LENGTH = 255  # the instance's title column
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _one_line(field: Mapping[str, Any]) -> bool:
    """Whether the field's values read as one line: not rows, files, markup or layout."""
    kind = field_type(field)
    if not kind.has_value or kind.container is not None or kind.uploads:
        return False
    return kind.widget != "rich_text"


def placeholders(template: str) -> list[str]:
    """The names in ``template``'s braces, in order (duplicates kept)."""
    return _PLACEHOLDER.findall(template)


def rename_placeholder(template: str, old: str, new: str) -> str:
    """``template`` with each ``{old}`` written ``{new}`` (a field's key renamed in the
    designer, ``form_builder/rename.py``); the built-in names are not fields and stay."""
    if old in BUILT_INS:
        return template

    def renamed(match: re.Match[str]) -> str:
        return "{" + new + "}" if match.group(1) == old else match.group(0)

    return _PLACEHOLDER.sub(renamed, template)


def names_a_value(template: str, values: Mapping[str, Any]) -> bool:
    """Whether one of the fields ``template`` names has a value in ``values``."""
    return any(
        values.get(name) not in (None, "", [])
        for name in placeholders(template)
        if name not in BUILT_INS
    )


def _stray_brace(template: str) -> bool:
    return "{" in _PLACEHOLDER.sub("", template) or "}" in _PLACEHOLDER.sub("", template)


def _languages(title: Any) -> Iterator[tuple[str, str]]:
    """(path suffix, template) of each language of a title text."""
    if isinstance(title, str):
        yield "", title
    elif isinstance(title, Mapping):
        for language, template in title.items():
            yield f".{language}", template


def problems(document: Mapping[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(JSON path, message, field key) of each problem of ``document``'s title template."""
    title = document.get("title")
    if title is None:
        return
    fields = {field["key"]: field for field in document["fields"]}
    hidden = {
        key
        for node in document["nodes"]
        for key, access in (node.get("field_access") or {}).items()
        if access == "hidden"
    }
    for suffix, template in _languages(title):
        path = f"$.title{suffix}"
        if _stray_brace(template):
            yield (
                path,
                _("the title template has a brace without its pair; write a field as {field_key}"),
                None,
            )
        for name in placeholders(template):
            if name in BUILT_INS:
                continue
            field = fields.get(name)
            if field is None:
                yield (
                    path,
                    _(
                        "the title template names '%(name)s', which is neither a field of this"
                        " form nor one of: %(built_ins)s",
                        name=name,
                        built_ins=", ".join(BUILT_INS),
                    ),
                    None,
                )
            elif not _one_line(field):
                yield (
                    path,
                    _(
                        "the title template names field '%(name)s', whose values do not read"
                        " as one line of a title",
                        name=name,
                    ),
                    name,
                )
            elif name in hidden:
                yield (
                    path,
                    _(
                        "the title template names field '%(name)s', which a node hides: every"
                        " handler reads the title",
                        name=name,
                    ),
                    name,
                )


def fill(
    template: str,
    values: Mapping[str, Any],
    fields: Mapping[str, Mapping[str, Any]],
    display: Callable[[Mapping[str, Any], Any], str],
    built_ins: Mapping[str, str],
) -> str:
    """``template`` with each placeholder replaced by the value's display text (an empty
    value reads as nothing), on one line and cut to the title's length."""

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in built_ins:
            return built_ins[name]
        value = values.get(name)
        if value is None or value == "" or value == []:
            return ""
        return str(display(fields[name], value))

    title = " ".join(_PLACEHOLDER.sub(value_of, template).split())
    if len(title) > TITLE_LENGTH:
        title = title[: TITLE_LENGTH - 1] + "…"
    return title
