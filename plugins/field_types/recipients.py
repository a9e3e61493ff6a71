"""Recipients (主送/抄送) of an official document: companies, departments, positions and
persons, one entry per line or separated by commas, each ``company:CODE``,
``department:COMPANY/CODE``, ``position:NAME`` or ``user:NAME``. Stored as the entries, one a
line; the documents package expands them to people when the document is issued (seed 2 §6.3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import wtforms
from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_, gettext
from plugins.field_contract import FieldType, Names

KINDS = ("company", "department", "position", "user")
ENTRY = re.compile(r"^(company|department|position|user):(\S.{0,120})$")
_SEPARATORS = re.compile(r"[\n,;，；]+")


def parse(text: str | list[str] | None) -> list[str]:
    """The entries of ``text`` (or a stored list), stripped, in order, without repeats."""
    items = text if isinstance(text, list) else _SEPARATORS.split(text or "")
    seen: dict[str, None] = {}
    for item in items:
        if item.strip():
            seen.setdefault(item.strip(), None)
    return list(seen)


class EntriesValid:
    """Every entry names a kind of recipient and a code."""

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        for entry in parse(field.data):
            if not ENTRY.match(entry):
                raise wtforms.validators.StopValidation(
                    gettext(
                        "entry '%(entry)s' is not company:, department:, position: or user: "
                        "followed by a code.",
                        entry=entry,
                    )
                )


class Recipients(FieldType):
    name = "recipients"
    label = N_("Recipients")
    icon = "fa-address-book-o"
    category = N_("People")
    rank = 140
    widget = "textarea"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return wtforms.TextAreaField(
            validators=[*field_kit.presence(spec), EntriesValid()],
            **field_kit.field_kwargs(spec),
        )

    def to_form_data(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return "\n".join(parse(stored))

    def to_stored(self, spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
        # Stored as text, one entry a line: pages show it as the paragraph it was typed in.
        return "\n".join(parse(data)) or None

    def encode_post(self, spec: Mapping[str, Any], name: str, value: Any, post: Any) -> None:
        post.add(name, "\n".join(parse(value)))

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return ", ".join(parse(stored))

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return "department:GRP/OFFICE"

    def display(self, spec: Mapping[str, Any], value: Any, names: Names) -> str:
        return ", ".join(parse(value))
