"""Money (金额): an amount with exactly two decimals. Stored as text (``"1234.50"``) so no
binary rounding ever touches it; results are rounded half up to cents."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins import field_kit
from plugins.contract import N_
from plugins.field_types.number import Number

CENT = Decimal("0.01")
MONEY_TEXT = re.compile(r"-?\d+(\.\d{1,2})?")


class Money(Number):
    name = "money"
    label = N_("Money")
    icon = "fa-money"
    rank = 50
    members = field_kit.RANGE_MEMBERS
    literal_input = "text"  # a fixed amount may be written as text, "12.50"
    fixed_places = 2

    def places(self, spec: Mapping[str, Any]) -> int | None:
        return self.fixed_places

    def from_expression(self, spec: Mapping[str, Any], value: Any) -> Any:
        cents = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
        # "-0.00" is a rounding artefact, not a debt.
        return str(cents.copy_abs() if cents.is_zero() else cents)

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return Decimal("1.00")

    def display(self, spec: Mapping[str, Any], value: Any, names: Any) -> str:
        return field_kit.money_text(value)

    def literal_fits(self, spec: Mapping[str, Any], value: Any) -> bool:
        if isinstance(value, str):
            return MONEY_TEXT.fullmatch(value) is not None
        return super().literal_fits(spec, value)
