"""The definition strategies draw what they promise: schema-valid documents that keep the
publish-time rules, over every field and node type, and hostile text."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hypothesis_profiles import examples
from tests.strategies import (
    DEMO_COMPANIES,
    DEMO_DEPARTMENTS,
    DEMO_POSITIONS,
    DEMO_ROLES,
    DEMO_USERS,
    FIELD_TYPES,
    HOSTILE_FRAGMENTS,
    NODE_TYPES,
    DemoDirectory,
    definitions,
    expression_type,
    hostile_text,
    publish_problems,
)

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2] / "form_builder" / "schema" / "definition-1.schema.json"
)
VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def schema_errors(document) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in VALIDATOR.iter_errors(document)]


@settings(max_examples=examples(150), deadline=None)
@given(definitions())
def test_generated_definitions_pass_the_json_schema(document):
    assert schema_errors(document) == []


@settings(max_examples=examples(150), deadline=None)
@given(definitions())
def test_generated_definitions_keep_the_publish_rules(document):
    assert publish_problems(document) == []


@settings(max_examples=examples(50), deadline=None)
@given(definitions())
def test_generated_definitions_survive_a_json_round_trip(document):
    assert json.loads(json.dumps(document, ensure_ascii=False)) == document


def test_definitions_cover_every_field_and_node_type():
    field_types: set[str] = set()
    node_types: set[str] = set()
    rules: set[str] = set()

    # A coverage count, not a search: the same number in every profile.
    @settings(max_examples=300, deadline=None, database=None)
    @given(definitions())
    def collect(document):
        field_types.update(f["type"] for f in document["fields"])
        node_types.update(n["type"] for n in document["nodes"])
        rules.update(n["assignee"]["rule"] for n in document["nodes"] if "assignee" in n)

    collect()
    assert field_types == set(FIELD_TYPES)
    assert node_types == {
        "start",
        "end",
        "approval",
        "form_review",
        "collaboration",
        "notify",
        "condition",
        "parallel_split",
        "parallel_join",
    }
    assert rules == {
        "users",
        "role",
        "department_head",
        "leader_in_charge",
        "position",
        "field",
        "initiator",
    }


@given(hostile_text(max_size=30))
def test_hostile_text_is_within_its_bounds_and_storable(text):
    assert 1 <= len(text) <= 30
    assert "\x00" not in text
    text.encode("utf-8")  # no lone surrogates


def test_hostile_text_draws_markup_template_syntax_quotes_and_unicode():
    seen: set[str] = set()

    # A fixed, full draw: what it proves is about the strategy, not a sample of it.
    @settings(max_examples=200, database=None, derandomize=True)
    @given(hostile_text())
    def collect(text):
        seen.update(f for f in HOSTILE_FRAGMENTS if f in text)

    collect()
    for fragment in ("<script>alert(1)</script>", '"', "'", "{{ 7*7 }}", "请假申请"):
        assert fragment in seen


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("days_between(start, finish) + 1", "number"),
        ("sum(items.amount)", "money"),
        ("sum(items.amount) > 5000", "boolean"),
        ('kind == "sick" and not urgent', "boolean"),
        ('kind in ["sick", "annual"]', "boolean"),
        ('"a" if urgent else "b"', "text"),
        ('date("2024-01-31")', "date"),
        ("count(items.amount)", "number"),
    ],
)
def test_expression_oracle_types_the_safe_language(expression, expected):
    names = {
        "start": "date",
        "finish": "date",
        "kind": "text",
        "urgent": "boolean",
        "items": {"amount": "money"},
    }
    assert expression_type(expression, names) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "unknown > 1",
        "__import__('os')",
        "items",
        "kind.upper()",
        "lambda: 1",
        "kind + 1",
        "items[0]",
    ],
)
def test_expression_oracle_refuses_what_the_language_lacks(expression):
    names = {"kind": "text", "items": {"amount": "money"}}
    with pytest.raises(ValueError):
        expression_type(expression, names)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["edges"].append({"from": "end", "to": "start"}), "start has incoming"),
        (lambda d: d["nodes"].append(dict(d["nodes"][1])), "node ids repeat"),
        (lambda d: d["nodes"][1].pop("assignee"), "assignee wrong"),
        (lambda d: d["nodes"][1].update(actions=["failed_review"]), "actions beyond"),
        (
            lambda d: d["nodes"][1].update(assignee={"rule": "users", "users": ["nobody"]}),
            "unknown",
        ),
    ],
)
def test_publish_oracle_notices_broken_rules(change, problem):
    document = {
        "format": 1,
        "key": "k",
        "name": "n",
        "category": "c",
        "department": "IT",
        "fields": [],
        "nodes": [
            {"id": "start", "type": "start", "name": "Start"},
            {"id": "a", "type": "approval", "name": "A", "assignee": {"rule": "initiator"}},
            {"id": "end", "type": "end", "name": "End"},
        ],
        "edges": [{"from": "start", "to": "a"}, {"from": "a", "to": "end"}],
    }
    assert publish_problems(document) == []
    change(document)
    assert any(problem in found for found in publish_problems(document))


def test_strategies_name_only_the_demo_organisation():
    from oa_platform import demo
    from oa_platform.roles import ROLES

    assert set(DEMO_USERS) <= {u.username for u in demo.USERS}
    assert set(DEMO_ROLES) <= set(ROLES)
    assert set(DEMO_DEPARTMENTS) <= {code for _, code, _, _ in demo.DEPARTMENTS}
    assert set(DEMO_COMPANIES) <= {code for code, *_ in demo.COMPANIES}
    assert set(DEMO_POSITIONS) <= {name for name, _ in demo.POSITIONS}


@given(st.data())
def test_small_definitions_stay_small(data):
    document = data.draw(definitions(max_fields=2, max_segments=1))
    assert len(document["fields"]) <= 2
    assert len(document["nodes"]) <= 12


@settings(max_examples=examples(150), deadline=None)
@given(definitions())
def test_generated_definitions_pass_the_platform_validator(document):
    from form_builder.validator import validate

    assert [str(p) for p in validate(document, NODE_TYPES, DemoDirectory())] == []
