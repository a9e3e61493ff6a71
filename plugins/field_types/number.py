"""Number (数字): a number, optionally limited to a range and a number of decimals. Stored as
a JSON number (an integer when whole); expressions see a ``Decimal``."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from wtforms.fields.core import UnboundField
from wtforms.widgets import NumberInput

from plugins import field_kit
from plugins.contract import N_, gettext
from plugins.field_contract import FieldType


class Number(FieldType):
    name = "number"
    label = N_("Number")
    icon = "fa-calculator"
    category = N_("Numbers and dates")
    rank = 40
    members = {
        **field_kit.RANGE_MEMBERS,
        "decimals": {"type": "integer", "minimum": 0, "maximum": 6},
    }
    column = True
    expression_type = "number"
    literal_input = "number"

    def places(self, spec: Mapping[str, Any]) -> int | None:
        """Decimal places a value may have (None: any)."""
        return spec.get("decimals")

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        places = self.places(spec)
        step = "any" if places is None else str(Decimal(1).scaleb(-places))
        return field_kit.DecimalField(
            validators=[
                *field_kit.presence(spec, input_required=True),
                field_kit.Places(places),
                *field_kit.number_range(spec),
            ],
            places=places,
            widget=NumberInput(step=step),
            invalid_value_message=N_("is not a number."),
            **field_kit.field_kwargs(spec),
        )

    def to_form_data(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return Decimal(str(stored))

    def to_stored(self, spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
        if data is None or data == "":
            return None
        if isinstance(data, Decimal) and not data.is_finite():
            return None
        return self.from_expression(spec, data)

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return Decimal(str(stored))

    def from_expression(self, spec: Mapping[str, Any], value: Any) -> Any:
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return Decimal(1)

    def literal_fits(self, spec: Mapping[str, Any], value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    def problems(self, spec: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        return range_problems(spec)


def range_problems(spec: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """``min`` above ``max`` (number and money share the rule)."""
    if "min" in spec and "max" in spec and spec["min"] > spec["max"]:
        low, high = spec["min"], spec["max"]
        return [(None, gettext("min %(min)s is greater than max %(max)s", min=low, max=high))]
    return []
