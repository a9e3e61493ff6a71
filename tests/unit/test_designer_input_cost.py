"""A designer's definition cannot make the server's work grow without bound (issue 17,
defect 5; regulations §6.2: no one may "damage system services"): field patterns are matched
in linear time, publish-time checks refuse what could not be, a form's fields are capped, and
checking an expression finds a node's source text only to report an error.
"""

from __future__ import annotations

import ast
import copy
import time

import pytest
from wtforms.validators import ValidationError

from form_builder import expression
from form_builder.validator import MAX_FIELDS
from plugins import field_kit
from tests.unit.test_definition_validation import leave, messages


class _Field:
    def __init__(self, data: str) -> None:
        self.data = data
        self.errors: list[str] = []

    def gettext(self, text: str) -> str:
        return text


def test_a_nested_quantifier_pattern_is_matched_in_linear_time():
    """``^(a+)+$`` took Python's backtracking matcher 0.85 s at 23 characters, four times as
    long for every two more; RE2 answers at once, whatever the length."""
    (check,) = field_kit.pattern({"pattern": "^(a+)+$"})
    started = time.perf_counter()
    for length in (26, 10_000):
        with pytest.raises(ValidationError, match="required format"):
            check(None, _Field("a" * length + "!"))
    assert time.perf_counter() - started < 0.5
    check(None, _Field("a" * 10_000))  # a match still matches


def test_patterns_match_the_whole_value_as_before():
    (check,) = field_kit.pattern({"pattern": "[0-9]{6}"})
    check(None, _Field("123456"))
    for value in ("1234567", "x123456", "12345"):
        with pytest.raises(ValidationError):
            check(None, _Field(value))


@pytest.mark.parametrize("pattern", [r"(a+)\1", r"(?=a)a", r"(?<!x)a", "([a-z"])
def test_a_pattern_that_cannot_be_matched_in_linear_time_is_refused_naming_the_field(pattern):
    doc = leave()
    doc["fields"][1]["pattern"] = pattern
    found = [m for m in messages(doc) if m.startswith("$.fields[1].pattern:")]
    assert found, messages(doc)
    assert found[0].startswith(
        "$.fields[1].pattern: field 'reason': the pattern is not a valid regular expression"
    )


def test_a_form_has_at_most_the_cap_of_fields():
    doc = leave()
    template = {"type": "text", "label": "Extra", "max_length": 10}
    doc["fields"] += [{**copy.deepcopy(template), "key": f"extra_{n}"} for n in range(MAX_FIELDS)]
    assert f"$.fields: a form has at most {MAX_FIELDS} fields; this one has" in " ".join(
        messages(doc)
    )


def test_checking_a_sound_expression_never_looks_up_source_text(monkeypatch):
    """Finding a node's text splits the whole source into lines: done for every node, it made
    checking quadratic in the expression's length (a 41 KB definition took 6.9 s)."""
    looked_up: list[object] = []
    real = ast.get_source_segment
    monkeypatch.setattr(
        ast, "get_source_segment", lambda *a, **k: looked_up.append(a) or real(*a, **k)
    )
    source = "sum([" + ", ".join(["n"] * 650) + "])"  # nearly as long as one may be
    assert len(source) <= expression.MAX_LENGTH
    expression.parse.cache_clear()
    assert expression.check(source, {"n": expression.Decimal(1)}, "number") == []
    assert looked_up == []
    # An error still quotes the offending part.
    problems = expression.check("n + items._secret", {"n": expression.Decimal(1)}, "number")
    assert "items._secret" in problems[0]
