"""Date and time (日期时间): a date and a time to the minute, stored as
``"YYYY-MM-DDTHH:MM"``; may default to now."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_
from plugins.field_contract import FieldType, Names

SAMPLE_DATETIME = datetime(2024, 1, 15, 9, 30)


class DateTime(FieldType):
    name = "datetime"
    label = N_("Date and time")
    icon = "fa-clock-o"
    category = N_("Numbers and dates")
    rank = 70
    column = True
    default_kinds = frozenset({"literal", "now"})
    expression_type = "date and time"
    literal_input = "datetime"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return field_kit.DateTimeLocalField(
            validators=field_kit.presence(spec, input_required=True),
            format=field_kit.DATETIME_FORMAT,
            invalid_value_message=N_("is not a date and time (YYYY-MM-DDTHH:MM)."),
            **field_kit.field_kwargs(spec),
        )

    def to_form_data(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return datetime.strptime(stored, field_kit.DATETIME_FORMAT)

    def to_stored(self, spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
        return None if data is None or data == "" else self.from_expression(spec, data)

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return datetime.fromisoformat(stored)

    def from_expression(self, spec: Mapping[str, Any], value: Any) -> Any:
        return value.strftime(field_kit.DATETIME_FORMAT)

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return SAMPLE_DATETIME

    def display(self, spec: Mapping[str, Any], value: Any, names: Names) -> str:
        return str(value).replace("T", " ")

    def literal_fits(self, spec: Mapping[str, Any], value: Any) -> bool:
        if not isinstance(value, str):
            return False
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return False
        return True
