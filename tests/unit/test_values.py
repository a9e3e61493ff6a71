"""Field values: stored JSON ↔ expression values, and the samples used for type checking."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from form_builder.values import (
    Table,
    expression_value,
    expression_values,
    sample_value,
    to_stored,
)

ITEMS = {
    "key": "items",
    "type": "table",
    "label": "Items",
    "columns": [
        {"key": "name", "type": "text", "label": "Name"},
        {"key": "amount", "type": "money", "label": "Amount"},
        {"key": "count", "type": "number", "label": "Count"},
        {"key": "bought", "type": "date", "label": "Bought"},
    ],
}
KIND = {
    "key": "kind",
    "type": "select",
    "label": "Kind",
    "options": [{"value": "travel", "label": "Travel"}, {"value": "office", "label": "Office"}],
}


def field(kind: str, **extra) -> dict:
    return {"key": "f", "type": kind, "label": "F", **extra}


@pytest.mark.parametrize(
    ("kind", "stored", "expected"),
    [
        ("number", 3, Decimal(3)),
        ("number", 2.5, Decimal("2.5")),
        ("money", "1234.50", Decimal("1234.50")),
        ("date", "2024-03-01", date(2024, 3, 1)),
        ("datetime", "2024-03-01T09:30", datetime(2024, 3, 1, 9, 30)),
        ("checkbox", True, True),
        ("multi_select", ["a", "b"], ["a", "b"]),
        ("text", "hello", "hello"),
        ("user", "alice", "alice"),
        ("department", "FIN", "FIN"),
    ],
)
def test_stored_values_become_expression_values_by_field_type(kind, stored, expected):
    value = expression_value(field(kind), stored)
    assert value == expected
    assert type(value) is type(expected)


def test_money_becomes_an_exact_decimal_not_a_float():
    assert expression_value(field("money"), "0.10") + Decimal("0.20") == Decimal("0.30")


@pytest.mark.parametrize("kind", ["number", "money", "date", "text", "checkbox", "table"])
@pytest.mark.parametrize("stored", [None, ""])
def test_empty_stored_value_is_none(kind, stored):
    assert expression_value({**ITEMS, "type": kind}, stored) is None


def test_attachments_become_a_list_so_they_can_be_counted():
    files = [{"id": "1", "name": "a.pdf", "size": 10, "type": "application/pdf"}]
    assert expression_value(field("attachments"), files) == files


def test_computed_value_is_read_as_its_result_type():
    assert expression_value(field("computed", result="money"), "9.90") == Decimal("9.90")
    assert expression_value(field("computed", result="date"), "2024-01-02") == date(2024, 1, 2)
    assert expression_value(field("computed", result="boolean"), True) is True


def test_table_rows_are_converted_column_by_column():
    stored = [
        {"name": "pen", "amount": "2.50", "count": 4, "bought": "2024-02-01"},
        {"name": "ink", "amount": None, "count": 1, "bought": None},
    ]
    table = expression_value(ITEMS, stored)
    assert isinstance(table, Table)
    assert len(table) == 2
    assert table[0] == {
        "name": "pen",
        "amount": Decimal("2.50"),
        "count": Decimal(4),
        "bought": date(2024, 2, 1),
    }
    assert table.column("amount") == [Decimal("2.50"), None]


def test_table_attribute_gives_the_column_values():
    table = Table([{"amount": Decimal(1)}, {"amount": Decimal(2)}], ["amount"])
    assert table.amount == [Decimal(1), Decimal(2)]


def test_column_named_like_a_list_method_is_read_with_column():
    table = Table([{"count": Decimal(5)}], ["count"])
    assert table.column("count") == [Decimal(5)]
    assert table.count({"count": Decimal(5)}) == 1  # still a list


def test_table_unknown_column_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no column 'amout'"):
        Table([], ["amount"]).amout  # noqa: B018


def test_expression_values_cover_every_field_but_sections():
    fields = [
        field("money") | {"key": "amount"},
        {"key": "heading", "type": "section", "label": "Heading"},
        field("text") | {"key": "note"},
    ]
    values = expression_values(fields, {"amount": "5.00"})
    assert values == {"amount": Decimal("5.00"), "note": None}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (field("text"), "text"),
        (field("number"), Decimal(1)),
        (field("money"), Decimal("1.00")),
        (field("checkbox"), True),
        (KIND, "travel"),
        (KIND | {"type": "radio"}, "travel"),
        (KIND | {"type": "multi_select"}, ["travel"]),
        (field("computed", result="boolean"), True),
        (field("computed", result="money"), Decimal("1.00")),
    ],
)
def test_sample_value_is_a_non_empty_value_of_the_type(spec, expected):
    assert sample_value(spec) == expected


@pytest.mark.parametrize(
    "kind", ["date", "datetime", "user", "department", "attachments", "rich_text", "textarea"]
)
def test_every_valued_type_has_a_sample(kind):
    assert sample_value(field(kind)) not in (None, "", [])


def test_table_sample_has_one_row_of_column_samples():
    sample = sample_value(ITEMS)
    assert isinstance(sample, Table)
    assert sample.columns == ("name", "amount", "count", "bought")
    assert sample.amount == [Decimal("1.00")]


def test_section_has_no_sample():
    with pytest.raises(ValueError, match="no value"):
        sample_value(field("section"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.5"), "1234.50"),
        (Decimal("2.675"), "2.68"),
        (Decimal("-2.675"), "-2.68"),
        (Decimal("0.125"), "0.13"),
        (Decimal("-0.001"), "0.00"),
        (Decimal("1E+3"), "1000.00"),
    ],
)
def test_money_is_stored_rounded_half_up_to_cents_as_text(value, expected):
    assert to_stored(field("computed", result="money"), value) == expected


def test_number_is_stored_as_int_when_whole_else_float():
    assert to_stored(field("number"), Decimal("3.00")) == 3
    assert isinstance(to_stored(field("number"), Decimal("3.00")), int)
    assert to_stored(field("computed", result="number"), Decimal("2.5")) == 2.5


def test_dates_booleans_and_text_are_stored_in_their_json_forms():
    assert to_stored(field("computed", result="date"), date(2024, 5, 6)) == "2024-05-06"
    assert to_stored(field("datetime"), datetime(2024, 5, 6, 7, 8, 9)) == "2024-05-06T07:08"
    assert to_stored(field("computed", result="boolean"), True) is True
    assert to_stored(field("computed", result="text"), "ok") == "ok"
    assert to_stored(field("computed", result="money"), None) is None


def test_stored_money_reads_back_to_the_same_value():
    money = field("money")
    assert expression_value(money, to_stored(money, Decimal("10.1"))) == Decimal("10.10")
