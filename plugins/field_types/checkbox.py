"""Yes / no (勾选): a box ticked or not, stored as a JSON boolean."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import wtforms
from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_, gettext
from plugins.field_contract import FieldType, Names, Post


class Checkbox(FieldType):
    name = "checkbox"
    label = N_("Yes / no")
    icon = "fa-toggle-on"
    category = N_("Choices")
    rank = 110
    column = True
    widget = "checkbox"
    expression_type = "boolean"
    literal_input = "boolean"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return wtforms.BooleanField(
            validators=field_kit.presence(spec), **field_kit.field_kwargs(spec)
        )

    def to_form_data(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return bool(stored)

    def to_stored(self, spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
        return bool(data)

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return bool(stored)

    def from_expression(self, spec: Mapping[str, Any], value: Any) -> Any:
        return bool(value)

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return True

    def encode_post(self, spec: Mapping[str, Any], name: str, value: Any, post: Post) -> None:
        # An unticked box is absent from a browser's post.
        if field_kit.scalar(value):
            post.add(name, "y")

    def display(self, spec: Mapping[str, Any], value: Any, names: Names) -> str:
        return gettext("Yes") if value else gettext("No")

    def literal_fits(self, spec: Mapping[str, Any], value: Any) -> bool:
        return isinstance(value, bool)
