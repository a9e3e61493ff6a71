"""Checkboxes (多选): any of the field's options, stored as the list of their values;
expressions see the list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import wtforms
from wtforms.fields.core import UnboundField
from wtforms.widgets import CheckboxInput, ListWidget

from plugins import field_kit
from plugins.contract import N_
from plugins.field_contract import FieldType, Names, Post
from plugins.field_types.select import option_labels, option_problems


class MultiSelect(FieldType):
    name = "multi_select"
    label = N_("Checkboxes")
    icon = "fa-check-square-o"
    category = N_("Choices")
    rank = 100
    members = field_kit.OPTIONS_MEMBER
    required_members = ("options",)
    widget = "checkboxes"
    expression_type = "list"
    literal_input = "options"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return wtforms.SelectMultipleField(
            choices=field_kit.option_choices(spec),
            validate_choice=False,
            validators=[*field_kit.presence(spec), field_kit.InChoices()],
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
            **field_kit.field_kwargs(spec),
        )

    def to_form_data(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return list(stored)

    def to_stored(self, spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
        return [str(value) for value in data or ()]

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return list(stored)

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return [spec["options"][0]["value"]]

    def encode_post(self, spec: Mapping[str, Any], name: str, value: Any, post: Post) -> None:
        if not isinstance(value, list | tuple):
            super().encode_post(spec, name, value, post)  # one value posted alone
            return
        for item in value:
            post.add(name, field_kit.post_text(field_kit.scalar(item, N_("a list of values"))))

    def display(self, spec: Mapping[str, Any], value: Any, names: Names) -> str:
        labels = option_labels(spec)
        return ", ".join(labels.get(item, item) for item in value)

    def literal_fits(self, spec: Mapping[str, Any], value: Any) -> bool:
        labels = option_labels(spec)
        return isinstance(value, list) and all(item in labels for item in value)

    def problems(self, spec: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        return option_problems(spec)

    def new_field(self) -> dict[str, Any]:
        return {"options": [{"value": "option_1", "label": "Option 1"}]}
