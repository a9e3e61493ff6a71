"""Field values in the two forms the platform uses: stored and expression.

An instance stores JSON (money as a string with two decimals, dates as ISO text, empty as
null); expressions work on Python values (``Decimal`` for every number, ``date``/``datetime``,
``Table`` for tables). This module converts between them and supplies the sample values the
publish-time check evaluates expressions with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
SAMPLE_DATE = date(2024, 1, 15)
SAMPLE_DATETIME = datetime(2024, 1, 15, 9, 30)
SAMPLE_TEXT = {
    "text": "text",
    "textarea": "text",
    "rich_text": "<p>text</p>",
    "user": "username",
    "department": "DEPT",
}


class Table(list):
    """The rows of a table field (dicts of expression values), knowing its column keys.

    ``table.amount`` is the list of that column's values, which is how expressions total a
    column (``sum(items.amount)``); ``len(table)`` counts the rows.
    """

    def __init__(self, rows: Iterable[Mapping[str, Any]] = (), columns: Iterable[str] = ()):
        super().__init__(rows)
        self.columns = tuple(columns)

    def column(self, key: str) -> list[Any]:
        """The values of column ``key``, one a row (None where a row leaves it empty)."""
        if key not in self.columns:
            raise KeyError(key)
        return [row.get(key) for row in self]

    def __getattr__(self, key: str) -> list[Any]:
        # Only reached for names a list lacks; "columns" itself may be missing mid-copy.
        if key.startswith("_") or key == "columns":
            raise AttributeError(key)
        try:
            return self.column(key)
        except KeyError:
            raise AttributeError(f"the table has no column '{key}'") from None


def value_type(field: Mapping[str, Any]) -> str:
    """The type whose values the field holds: a computed field's ``result``, else its type."""
    return field["result"] if field["type"] == "computed" else field["type"]


def expression_value(field: Mapping[str, Any], stored: Any) -> Any:
    """The expression value of a field's stored JSON value (None when empty)."""
    if stored is None or stored == "":
        return None
    kind = value_type(field)
    if kind in ("number", "money"):
        return Decimal(str(stored))
    if kind == "date":
        return date.fromisoformat(stored)
    if kind == "datetime":
        return datetime.fromisoformat(stored)
    if kind in ("checkbox", "boolean"):
        return bool(stored)
    if kind in ("multi_select", "attachments"):
        return list(stored)
    if kind == "table":
        columns = field["columns"]
        rows = (expression_values(columns, row) for row in stored)
        return Table(rows, (column["key"] for column in columns))
    return stored


def expression_values(fields: Sequence[Mapping[str, Any]], stored: Mapping[str, Any]) -> dict:
    """The name space of an expression: every field but sections, by key (None when empty)."""
    return {
        field["key"]: expression_value(field, stored.get(field["key"]))
        for field in fields
        if field["type"] != "section"
    }


def sample_value(field: Mapping[str, Any]) -> Any:
    """A representative non-empty expression value of the field's type, for type checking."""
    kind = value_type(field)
    if kind in SAMPLE_TEXT:
        return SAMPLE_TEXT[kind]
    if kind == "number":
        return Decimal(1)
    if kind == "money":
        return Decimal("1.00")
    if kind == "date":
        return SAMPLE_DATE
    if kind == "datetime":
        return SAMPLE_DATETIME
    if kind in ("checkbox", "boolean"):
        return True
    if kind in ("select", "radio"):
        return field["options"][0]["value"]
    if kind == "multi_select":
        return [field["options"][0]["value"]]
    if kind == "attachments":
        return [{"id": "sample", "name": "sample.pdf", "size": 1024, "type": "pdf"}]
    if kind == "table":
        columns = field["columns"]
        row = {column["key"]: sample_value(column) for column in columns}
        return Table([row], (column["key"] for column in columns))
    raise ValueError(f"a {kind} field has no value")


def to_stored(field: Mapping[str, Any], value: Any) -> Any:
    """The stored JSON form of an expression value for the field (None stays None).

    Money is rounded half up to cents and kept as text; a number is an int when whole.
    """
    if value is None:
        return None
    kind = value_type(field)
    if kind == "money":
        cents = Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
        # "-0.00" is a rounding artefact, not a debt.
        return str(cents.copy_abs() if cents.is_zero() else cents)
    if kind == "number":
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return value.strftime("%Y-%m-%dT%H:%M")
    if kind in ("checkbox", "boolean"):
        return bool(value)
    return value
