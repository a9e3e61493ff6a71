"""The browser's evaluator (static/form_builder/expression.js) agrees with the server's.

Each expression is evaluated over the same stored values by Python (expression_values,
compute/holds, to_stored) and by the script in Chromium (expressionValues, compute/holds,
toStored, over the fields as the server describes them to the page), once with every field
filled in and once with every field empty.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from form_builder.compiler import client_field
from form_builder.expression import compute, holds, parse
from form_builder.values import expression_values, to_stored

pytestmark = pytest.mark.browser

SCRIPT = (
    Path(__file__).resolve().parents[2] / "form_builder/static/form_builder/expression.js"
).read_text(encoding="utf-8")

FIELDS = [
    {"key": "amount", "type": "money", "label": "Amount"},
    {"key": "days", "type": "number", "label": "Days"},
    {"key": "start", "type": "date", "label": "Start"},
    {"key": "end", "type": "date", "label": "End"},
    {"key": "due", "type": "datetime", "label": "Due"},
    {"key": "approved", "type": "checkbox", "label": "Approved"},
    {
        "key": "kind",
        "type": "select",
        "label": "Kind",
        "options": [{"value": "travel", "label": "Travel"}, {"value": "office", "label": "Office"}],
    },
    {"key": "title", "type": "text", "label": "Title"},
    {
        "key": "tags",
        "type": "multi_select",
        "label": "Tags",
        "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
    },
    {"key": "files", "type": "attachments", "label": "Files"},
    {"key": "heading", "type": "section", "label": "Heading"},
    {
        "key": "items",
        "type": "table",
        "label": "Items",
        "columns": [
            {"key": "name", "type": "text", "label": "Name"},
            {"key": "amount", "type": "money", "label": "Amount"},
            {"key": "qty", "type": "number", "label": "Qty"},
        ],
    },
    {"key": "total", "type": "computed", "label": "Total", "expression": "1", "result": "money"},
]
FILLED = {
    "amount": "1234.50",
    "days": 5,
    "start": "2024-02-27",
    "end": "2024-03-02",
    "due": "2024-03-04T17:30",
    "approved": True,
    "kind": "travel",
    "title": "urgent: printer",
    "tags": ["a"],
    "files": [{"id": "1", "name": "a.pdf", "size": 10, "type": "application/pdf"}],
    "items": [
        {"name": "pen", "amount": "0.10", "qty": 3},
        {"name": "ink", "amount": None, "qty": 1},
        {"name": "pad", "amount": "0.20", "qty": 2},
    ],
    "total": "99.99",
}
EMPTY: dict = {}

# (expression, result type of the computed field it stands for)
CASES = [
    ("amount * 2", "money"),
    ("amount / 3", "money"),
    ("-amount + 10.005", "money"),
    ("days / 3", "number"),
    ("days % 3 - 1.5", "number"),
    ("0.1 + 0.2 == 0.3", "boolean"),
    ("sum(items.amount) == 0.3", "boolean"),
    ("sum(items.amount)", "money"),
    ("sum(items.amount) + amount", "money"),
    ("sum(items.qty) * 1.13", "number"),
    ("count(items) + count(tags) + count(files) + count(title)", "number"),
    ("max(items.amount)", "money"),
    ("min(days, 3)", "number"),
    ("round(amount / 7, 2)", "money"),
    ("round(2.675, 2)", "number"),
    ("abs(days - 10)", "number"),
    ("amount > 1000 and days <= 5", "boolean"),
    ("amount > 1000 or days > 100", "boolean"),
    ("not approved or kind == 'office'", "boolean"),
    ("1 < days < 10", "boolean"),
    ("kind in ['travel', 'training']", "boolean"),
    ("'a' in tags and 'c' not in tags", "boolean"),
    ("'urgent' in title", "boolean"),
    ("'big' if amount > 1000 else 'small'", "text"),
    ("title + ' / ' + kind", "text"),
    ("days_between(start, end)", "number"),
    ("days_between(end, due)", "number"),
    ("days_between(start, end) + 1 > days", "boolean"),
    ("end > start and start >= date('2024-02-27')", "boolean"),
    ("max(start, end)", "date"),
    ("today() >= start", "boolean"),
    ("days_between(today(), today())", "number"),
    ("title == None", "boolean"),
    ("total * 2", "money"),
    ("amount + title", "money"),  # a type error: no value on either side
    ("days / 0", "number"),
    ("start > 3", "boolean"),
]


def _normalised(value):
    """Numbers compared to 12 significant digits; JS keeps 15, Decimal 28."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(f"{value:.12g}") if math.isfinite(value) else value
    return value


@pytest.fixture
def page(browser_page):
    browser_page.set_content("<html><body></body></html>")
    browser_page.add_script_tag(content=SCRIPT)
    return browser_page


def _in_browser(page, source: str, result: str, stored: dict) -> tuple:
    field = {"key": "x", "type": "computed", "label": "X", "expression": source, "result": result}
    return tuple(
        page.evaluate(
            """([ast, fields, stored, field]) => {
                const values = OAExpression.expressionValues(fields, stored);
                return [
                    OAExpression.toStored(field, OAExpression.compute(ast, values)),
                    OAExpression.holds(ast, values),
                ];
            }""",
            [
                parse(source).to_json(),
                [client_field(f) for f in FIELDS],
                stored,
                client_field(field),
            ],
        )
    )


def _in_python(source: str, result: str, stored: dict) -> tuple:
    field = {"key": "x", "type": "computed", "label": "X", "expression": source, "result": result}
    values = expression_values(FIELDS, stored)
    return to_stored(field, compute(source, values)), holds(source, values)


@pytest.mark.parametrize(("source", "result"), CASES)
def test_browser_and_server_agree(page, source, result):
    for stored in (FILLED, EMPTY):
        server = _in_python(source, result, stored)
        browser = _in_browser(page, source, result, stored)
        assert [_normalised(v) for v in browser] == [_normalised(v) for v in server], (
            source,
            "filled" if stored else "empty",
        )


def test_condition_over_empty_field_is_false_in_the_browser_too(page):
    assert _in_browser(page, "days > 3", "boolean", EMPTY) == (None, False)
    assert _in_browser(page, "not (days > 3)", "boolean", EMPTY) == (None, False)


def test_money_is_exact_to_the_cent_in_the_browser(page):
    assert _in_browser(page, "sum(items.amount) * 3", "money", FILLED)[0] == "0.90"
    assert _in_browser(page, "round(1.005, 2)", "money", FILLED)[0] == "1.01"


def test_the_script_uses_no_eval():
    assert "eval(" not in SCRIPT.replace("evaluate(", "")
    assert "Function(" not in SCRIPT
