"""Drop-down (下拉): one of the field's options, stored as the option's value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import wtforms
from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_
from plugins.field_contract import FieldType, Names


class Select(FieldType):
    name = "select"
    label = N_("Drop-down")
    icon = "fa-caret-square-o-down"
    category = N_("Choices")
    rank = 80
    members = field_kit.OPTIONS_MEMBER
    required_members = ("options",)
    column = True
    literal_input = "option"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return wtforms.SelectField(
            choices=[field_kit.BLANK, *field_kit.option_choices(spec)],
            validate_choice=False,
            validators=[*field_kit.presence(spec), field_kit.InChoices()],
            **field_kit.field_kwargs(spec),
        )

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return spec["options"][0]["value"]

    def display(self, spec: Mapping[str, Any], value: Any, names: Names) -> str:
        return option_labels(spec).get(value, value)

    def literal_fits(self, spec: Mapping[str, Any], value: Any) -> bool:
        return value in option_labels(spec)

    def problems(self, spec: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        return option_problems(spec)

    def new_field(self) -> dict[str, Any]:
        return {"options": [{"value": "option_1", "label": "Option 1"}]}


def option_labels(spec: Mapping[str, Any]) -> dict[str, str]:
    """Option value -> label."""
    return {option["value"]: option["label"] for option in spec.get("options", ())}


def option_problems(spec: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """Option values used twice (the choice types share the rule)."""
    values = [option["value"] for option in spec.get("options", [])]
    return [
        ("options", f"option value '{value}' is used twice")
        for value in {v for v in values if values.count(v) > 1}
    ]
