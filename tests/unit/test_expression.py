"""The expression language: what parses, what is refused and why, types, and evaluation."""

import contextlib
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from form_builder import expression as expr_module
from form_builder.expression import (
    EmptyOperandError,
    Expression,
    ExpressionError,
    ExpressionSyntaxError,
    ExpressionTypeError,
    check,
    compute,
    evaluate,
    holds,
    parse,
)
from form_builder.values import Table
from tests.hypothesis_profiles import examples

D = Decimal
ITEMS = Table(
    [
        {"name": "pen", "amount": D("2.50"), "qty": D(4)},
        {"name": "ink", "amount": None, "qty": D(1)},
        {"name": "pad", "amount": D("0.70"), "qty": D(2)},
    ],
    ["name", "amount", "qty"],
)
VALUES = {
    "amount": D("1200.00"),
    "days": D(5),
    "start": date(2024, 3, 1),
    "end": date(2024, 3, 11),
    "due": datetime(2024, 3, 4, 17, 30),
    "approved": True,
    "kind": "travel",
    "title": "urgent: printer",
    "tags": ["a", "b"],
    "files": [{"id": "1", "name": "a.pdf", "size": 1, "type": "application/pdf"}],
    "items": ITEMS,
    "note": None,
}
SAMPLES = {
    "amount": D("1.00"),
    "days": D(1),
    "start": date(2024, 1, 15),
    "due": datetime(2024, 1, 15, 9, 30),
    "approved": True,
    "kind": "travel",
    "title": "text",
    "tags": ["a"],
    "items": Table([{"amount": D("1.00"), "qty": D(1)}], ["amount", "qty"]),
}


# Syntax and forbidden constructs ---------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("1 + (lambda: 2)", "'lambda' is not allowed in expressions (column 6)"),
        ("open('x')", "unknown function 'open' (column 1)"),
        ("tags[0]", "indexing with [ ] is not allowed in expressions (column 1)"),
        ("[t for t in tags]", "a comprehension ('for ... in') is not allowed"),
        ("f'{kind}'", "an f-string is not allowed"),
        ("(x := 1)", "':=' (assignment) is not allowed in expressions (column 2)"),
        ("round(days, ndigits=2)", "keyword arguments are not allowed"),
        ("days ** 2", "'**' is not allowed in expressions: 'days ** 2' (column 1)"),
        ("days // 2", "'//' is not allowed"),
        ("note is None", "'is' (use ==) is not allowed"),
        ("{1: 2}", "a dictionary { } is not allowed"),
        ("(1, 2)", "a tuple is not allowed"),
        ("__import__('os')", "unknown function '__import__'"),
        ("_secret > 1", "names starting with '_' are not allowed: '_secret' (column 1)"),
        ("items.__class__", "only a table column may follow a dot"),
        ("items.amount.real", "only a table column may follow a dot"),
        ("title.upper()", "'title.upper' cannot be called"),
        ("sum(items.amount, 1)", "wrong number of arguments to sum()"),
        ("today(1)", "wrong number of arguments to today()"),
        ("date('2024-02-30')", 'date() takes a valid date written as date("YYYY-MM-DD")'),
        ("date(title)", "date() takes a valid date"),
        ("b'x' == title", "\"b'x'\" is not allowed"),
        ("1e999 > days", "'1e999' is not allowed"),
        ("days >", "syntax error at 'days >': invalid syntax (column 1)"),
        ("sum(items.amount", "'(' was never closed (column 4)"),
        ("days = 3", "syntax error"),
        ("", "the expression is empty"),
        ("days + " * 400 + "1", "longer than 2000 characters"),
        ("-" * 100 + "days", "nests deeper than"),
    ],
)
def test_constructs_outside_the_language_are_refused_with_their_place(source, message):
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse(source)
    assert message in caught.value.message


def test_syntax_error_quotes_the_offending_text_and_column():
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse("days > 3 )")
    assert caught.value.message.startswith("syntax error at ')'")
    assert "(column 10)" in caught.value.message


def test_second_line_errors_name_the_line():
    with pytest.raises(ExpressionSyntaxError, match="line 2"):
        parse("days\n+ 1")


def test_parse_gives_source_and_the_names_read_but_not_the_functions_called():
    parsed = parse("sum(items.amount) > amount and today() > start")
    assert isinstance(parsed, Expression)
    assert parsed.source == "sum(items.amount) > amount and today() > start"
    assert parsed.names == frozenset({"items", "amount", "start"})


def test_a_field_may_share_a_function_name():
    assert evaluate("date + count(tags)", {"date": D(2), "tags": ["a"]}) == D(3)


def test_parse_is_cached():
    assert parse("days > 3") is parse("days > 3")


def test_leading_and_trailing_blanks_are_ignored():
    assert evaluate("  days + 1 ", {"days": D(1)}) == D(2)


# Checks at publish time ---------------------------------------------------------------


def test_unknown_field_is_reported_with_a_suggestion():
    assert check("amout > 100", SAMPLES, "boolean") == [
        "unknown field 'amout' (did you mean 'amount'?)"
    ]


def test_unknown_column_is_reported():
    assert check("sum(items.amout) > 1", SAMPLES, "boolean") == [
        "table 'items' has no column 'amout'"
    ]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('days + "x"', "type error: cannot use '+' with number and text"),
        ("start > 3", "type error: cannot compare date with number"),
        ('days == "3"', "type error: cannot compare number with text"),
        ("start == due", "type error: cannot compare date with date and time"),
        ("kind.amount > 1", "type error: cannot read column 'amount' of text 'kind'"),
        ("days and approved", "type error: 'and' needs a boolean (yes/no), not number"),
        ("not title", "type error: 'not' needs a boolean (yes/no), not text"),
        ("sum(tags) > 1", "type error: sum() needs numbers, not text"),
        ("days_between(days, start) > 1", "type error: days_between() needs dates, not number"),
        ("1 in title", "type error: cannot look for number in text"),
        ("amount in items", "type error: cannot look for number in table"),
        ("max(start, 3) > 1", "type error: max() cannot compare date with number"),
        ("-title == 'x'", "type error: cannot use '-' with text"),
        ("days + None > 1", "type error: '+' has an empty operand"),
    ],
)
def test_type_errors_are_reported_in_plain_words(source, message):
    assert check(source, SAMPLES, "boolean") == [message]


@pytest.mark.parametrize(
    "source",
    [
        "approved or days + 'x' > 1",  # the right side is never reached with the sample
        "days + 'x' > 1 if approved else False",
        "1 > days > 'x'",
    ],
)
def test_type_errors_are_found_behind_short_circuits_and_branches(source):
    problems = check(source, SAMPLES, "boolean")
    assert len(problems) == 1
    assert problems[0].startswith("type error: ")


def test_branches_of_different_types_are_a_type_error():
    assert check("days if approved else 'none'", SAMPLES, "any") == [
        "type error: the two branches of 'if ... else' give number and text"
    ]


def test_an_empty_branch_is_allowed():
    assert check("days if approved else None", SAMPLES, "number") == []


def test_zero_divisor_of_the_sample_values_is_not_a_problem():
    assert check("amount / (days - 1)", SAMPLES, "money") == []


def test_messages_never_name_python_classes():
    for source in ['days + "x"', "start > 3", "amount == approved", "sum(start)"]:
        for message in check(source, SAMPLES, "any"):
            assert "Decimal" not in message and "datetime." not in message, message


@pytest.mark.parametrize(
    ("source", "expect", "message"),
    [
        ("days + 1", "boolean", "must give a boolean (yes/no), gives number"),
        ("days > 1", "number", "must give a number, gives boolean"),
        ("kind", "money", "must give an amount of money (a number), gives text"),
        ("due", "date", "must give a date, gives date and time"),
        ("days", "text", "must give text, gives number"),
        ("None", "number", "must give a number, gives nothing"),
    ],
)
def test_result_of_the_wrong_type_is_reported(source, expect, message):
    assert check(source, SAMPLES, expect) == [message]


@pytest.mark.parametrize(
    ("source", "expect"),
    [
        ("amount > 1000 and kind in ['travel', 'training']", "boolean"),
        ("sum(items.amount) * 1.13", "money"),
        ("round(amount / 3, 2)", "money"),
        ("days_between(start, today()) + count(tags)", "number"),
        ("title + ' (' + kind + ')'", "text"),
        ("max(start, date('2024-01-01'))", "date"),
        ("note_free_text == None", "any"),
    ],
)
def test_well_typed_expressions_pass(source, expect):
    samples = {**SAMPLES, "note_free_text": "text"}
    assert check(source, samples, expect) == []


def test_check_reports_syntax_problems_as_sentences():
    assert check("days >", SAMPLES, "boolean")[0].startswith("syntax error")


# Evaluation ---------------------------------------------------------------------------


def test_decimal_arithmetic_is_exact():
    assert evaluate("0.1 + 0.2 == 0.3", {}) is True
    assert evaluate("amount * 1.1", VALUES) == D("1320.000")
    assert isinstance(evaluate("1 + 2", {}), Decimal)


def test_integer_and_float_values_are_read_as_decimals():
    assert evaluate("days * 0.1", {"days": 3}) == D("0.3")
    assert evaluate("rate + 0.2", {"rate": 0.1}) == D("0.3")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("days % 3", D(2)),
        ("-days + 1", D(-4)),
        ("10 / 4", D("2.5")),
        ("1 < days < 10", True),
        ("1 < days < 3", False),
        ("kind != 'office'", True),
        ("'urgent' in title", True),
        ("'c' not in tags", True),
        ("kind in ['travel', 'training']", True),
        ("approved and not (days > 10) or False", True),
        ("'big' if amount > 1000 else 'small'", "big"),
        ("sum(items.amount)", D("3.20")),
        ("sum(items.qty) * 2", D(14)),
        ("count(items)", D(3)),
        ("count(files)", D(1)),
        ("count(title)", D(15)),
        ("min(items.amount)", D("0.70")),
        ("max(days, 3, 7)", D(7)),
        ("max(start, end)", date(2024, 3, 11)),
        ("round(2.675, 2)", D("2.68")),
        ("round(-2.5)", D(-3)),
        ("abs(-days)", D(5)),
        ("days_between(start, end)", D(10)),
        ("days_between(end, start)", D(-10)),
        ("days_between(start, due)", D(3)),
        ("date('2024-03-01') == start", True),
        ("end > start", True),
        ("note == None", True),
        ("count(note)", D(0)),
    ],
)
def test_evaluation(source, expected):
    assert evaluate(source, VALUES) == expected


def test_today_is_the_local_date_from_the_clock(monkeypatch):
    monkeypatch.setattr(expr_module.clock, "utcnow", lambda: datetime(2024, 6, 1, 12, 0))
    assert evaluate("today()", {}) in {date(2024, 5, 31), date(2024, 6, 1), date(2024, 6, 2)}
    assert holds("today() > start", VALUES)


def test_and_or_stop_at_the_deciding_operand():
    assert evaluate("approved or days + 'x'", VALUES) is True
    assert evaluate("not approved and note > 1", VALUES) is False


def test_condition_over_empty_field_is_false():
    assert holds("note > 3", VALUES) is False
    assert holds("not (note > 3)", VALUES) is False


def test_empty_operand_raises_empty_operand_error():
    with pytest.raises(EmptyOperandError):
        evaluate("note + 1", VALUES)


def test_emptiness_is_tested_with_equals_none():
    assert holds("note == None", VALUES)
    assert not holds("note != None", VALUES)


def test_condition_that_fails_for_any_reason_is_false():
    assert holds("days / 0 > 1", VALUES) is False
    assert holds("missing > 1", VALUES) is False
    assert holds("days >", VALUES) is False


def test_only_a_true_result_holds():
    assert holds("days", VALUES) is False
    assert holds("approved", VALUES) is True


def test_computed_value_over_empty_field_is_none():
    assert compute("note + 1", VALUES) is None
    assert compute("days * 2", VALUES) == D(10)


def test_sum_skips_empty_cells_and_min_of_nothing_is_empty():
    assert evaluate("sum(items.amount)", VALUES) == D("3.20")
    empty = Table([{"amount": None}], ["amount"])
    assert compute("min(items.amount)", {"items": empty}) is None
    assert evaluate("sum(items.amount)", {"items": empty}) == D(0)


def test_runtime_errors_are_expression_errors_with_messages():
    with pytest.raises(ExpressionError, match="division by zero"):
        evaluate("days / 0", VALUES)
    with pytest.raises(ExpressionError, match="unknown field 'missing'"):
        evaluate("missing + 1", VALUES)
    with pytest.raises(ExpressionTypeError, match="cannot compare date with number"):
        evaluate("start > 3", VALUES)


def test_round_places_must_be_a_small_whole_number():
    with pytest.raises(ExpressionError, match="0 to 10 places"):
        evaluate("round(days, 1.5)", VALUES)


def test_to_json_is_the_tree_the_browser_evaluates():
    assert parse("sum(items.amount) >= 0.5").to_json() == {
        "node": "compare",
        "left": {
            "node": "call",
            "function": "sum",
            "args": [{"node": "column", "table": "items", "key": "amount"}],
        },
        "comparisons": [{"op": ">=", "right": {"node": "number", "value": "0.5"}}],
    }


# Properties ---------------------------------------------------------------------------

NAMES = ["a", "b", "c"]
decimals = st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False)
literals = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False)


def arithmetic_leaves():
    return st.one_of(
        st.sampled_from(NAMES).map(lambda name: (name, ("name", name))),
        literals.map(lambda value: (f"{value:f}", ("literal", value))),
    )


def arithmetic_node(children):
    operators = st.sampled_from(["+", "-", "*"])
    return st.one_of(
        st.tuples(children, operators, children).map(
            lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})", ("op", t[1], t[0][1], t[2][1]))
        ),
        children.map(lambda child: (f"-{child[0]}", ("neg", child[1]))),
    )


def reference(tree, values):
    """Python's own Decimal arithmetic over the same tree."""
    if tree[0] == "name":
        return values[tree[1]]
    if tree[0] == "literal":
        return tree[1]
    if tree[0] == "neg":
        return -reference(tree[1], values)
    left, right = reference(tree[2], values), reference(tree[3], values)
    return {"+": left + right, "-": left - right, "*": left * right}[tree[1]]


@settings(max_examples=examples(300))
@given(
    st.recursive(arithmetic_leaves(), arithmetic_node, max_leaves=12),
    st.fixed_dictionaries({name: decimals for name in NAMES}),
)
def test_arithmetic_over_decimals_equals_python_decimal_arithmetic(generated, values):
    source, tree = generated
    assert evaluate(source, values) == reference(tree, values)


TOKENS = [
    "a", "b", "items", ".", "amount", "1", "0.5", "'x'", "(", ")", "[", "]", ",", "+", "-", "*",
    "/", "%", "**", "<", "==", "in", "not", "and", "or", "if", "else", "sum", "count",
    "days_between", "today", "date", "round", "None", "True", "lambda", ":", "=", "_x", "f'",
]  # fmt: skip
token_text = st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join)


@settings(max_examples=examples(400))
@given(st.one_of(st.text(max_size=60), token_text))
def test_parse_raises_only_expression_syntax_error_and_its_tree_is_json(source):
    try:
        parsed = parse(source)
    except ExpressionSyntaxError:
        return
    json.dumps(parsed.to_json())


@settings(max_examples=examples(400))
@given(token_text)
def test_evaluation_raises_only_expression_errors(source):
    try:
        parsed = parse(source)
    except ExpressionSyntaxError:
        return
    values = {"a": D(2), "b": "x", "items": ITEMS}
    with contextlib.suppress(ExpressionError):
        evaluate(parsed, values)
    check(source, values, "any")
