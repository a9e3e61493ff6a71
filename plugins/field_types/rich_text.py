"""Rich text (富文本): formatted text, stored as HTML sanitized by the one allow-list
(:mod:`plugins.sanitize`) when submitted and again whenever it reaches a page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import wtforms
from markupsafe import Markup
from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_
from plugins.field_contract import FieldType, Names
from plugins.field_types.text import length_problems
from plugins.sanitize import clean_html


class RichText(FieldType):
    name = "rich_text"
    label = N_("Rich text")
    icon = "fa-paragraph"
    category = N_("Text")
    rank = 30
    members = field_kit.LENGTH_MEMBERS
    widget = "rich_text"
    expression_type = "text"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return wtforms.TextAreaField(
            validators=[*field_kit.presence(spec), *field_kit.length(spec)],
            filters=[clean_html],
            **field_kit.field_kwargs(spec),
        )

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return "<p>text</p>"

    def display(self, spec: Mapping[str, Any], value: Any, names: Names) -> Markup:
        return Markup(clean_html(value))  # cleaned by the allow-list just now

    def client_value(self, spec: Mapping[str, Any], value: Any) -> Any:
        # Stored rich text goes to the page sanitized, even inside an attribute.
        return clean_html(value)

    def problems(self, spec: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        return length_problems(spec)
