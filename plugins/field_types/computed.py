"""Computed (计算): a value worked out from other fields by an ``expression``, never entered.
It holds values of its ``result`` type, and is stored, computed with and shown as that type.

The compiler and the submission work it out in dependency order; a computed column sees the
other columns of its row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from plugins.contract import N_
from plugins.field_contract import FieldType, Names
from plugins.field_types.checkbox import Checkbox
from plugins.field_types.date import Date
from plugins.field_types.money import Money
from plugins.field_types.number import Number
from plugins.field_types.text import Text

# result -> the type whose values the field holds ("boolean": a yes / no value).
RESULTS: dict[str, FieldType] = {
    "number": Number(),
    "money": Money(),
    "text": Text(),
    "date": Date(),
    "boolean": Checkbox(),
}


class Computed(FieldType):
    name = "computed"
    label = N_("Computed")
    icon = "fa-superscript"
    category = N_("Layout")
    rank = 160
    members = {
        "expression": {"$ref": "#/$defs/expression"},
        "result": {"enum": list(RESULTS)},
    }
    required_members = ("expression", "result")
    refused_members = ("required", "default")
    column = True
    editable = False
    default_kinds = frozenset()
    widget = "output"
    value_labels = {"result": {result: kind.label for result, kind in RESULTS.items()}}

    def value_type(self, spec: Mapping[str, Any]) -> FieldType:
        return RESULTS[spec["result"]]

    def expression_of(self, spec: Mapping[str, Any]) -> str | None:
        return spec["expression"]

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return self.value_type(spec).expression_value(spec, stored)

    def from_expression(self, spec: Mapping[str, Any], value: Any) -> Any:
        return self.value_type(spec).from_expression(spec, value)

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return self.value_type(spec).sample_value(spec)

    def display(self, spec: Mapping[str, Any], value: Any, names: Names) -> str | Markup:
        return self.value_type(spec).display(spec, value, names)

    def new_field(self) -> dict[str, Any]:
        return {"expression": "0", "result": "number"}
