"""Date (日期): a calendar date, stored as ``"YYYY-MM-DD"``; may default to today."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_
from plugins.field_contract import FieldType

SAMPLE_DATE = date(2024, 1, 15)


class Date(FieldType):
    name = "date"
    label = N_("Date")
    icon = "fa-calendar"
    category = N_("Numbers and dates")
    rank = 60
    column = True
    default_kinds = frozenset({"literal", "today"})
    expression_type = "date"
    literal_input = "date"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return field_kit.DateField(
            validators=field_kit.presence(spec, input_required=True),
            format=field_kit.DATE_FORMAT,
            invalid_value_message=N_("is not a date (YYYY-MM-DD)."),
            **field_kit.field_kwargs(spec),
        )

    def to_form_data(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return date.fromisoformat(stored)

    def to_stored(self, spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
        return None if data is None or data == "" else self.from_expression(spec, data)

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return date.fromisoformat(stored)

    def from_expression(self, spec: Mapping[str, Any], value: Any) -> Any:
        return value.isoformat()

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return SAMPLE_DATE

    def literal_fits(self, spec: Mapping[str, Any], value: Any) -> bool:
        return isinstance(value, str) and _parses(date.fromisoformat, value)


def _parses(parse: Any, value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True
