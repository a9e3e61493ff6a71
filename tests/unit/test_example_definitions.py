"""The example definitions in examples/definitions/ are valid documents of the current format,
in Simplified Chinese and English (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from form_builder.localized import texts
from tests.strategies import NODE_TYPES, DemoDirectory, publish_problems

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "form_builder" / "schema" / "definition-2.schema.json").read_text())
EXAMPLES = sorted((ROOT / "examples" / "definitions").glob("*.json"))


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_examples_exist():
    names = {path.stem for path in EXAMPLES}
    assert {
        "leave_request",
        "expense_claim",
        "oa_process_form_application",
        "user_onboarding",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_passes_the_json_schema(path):
    errors = jsonschema.Draft202012Validator(SCHEMA).iter_errors(load(path))
    assert [f"{e.json_path}: {e.message}" for e in errors] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_keeps_the_publish_rules(path):
    assert publish_problems(load(path)) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_key_matches_its_file_name(path):
    assert load(path)["key"] == path.stem


def test_expense_claim_chain_is_start_manager_amount_branch_director_finance():
    document = load(ROOT / "examples" / "definitions" / "expense_claim.json")
    assert [n["id"] for n in document["nodes"]] == [
        "start",
        "manager",
        "amount_branch",
        "director",
        "finance",
        "end",
    ]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_passes_the_platform_validator(path):
    from form_builder.validator import validate

    assert [str(p) for p in validate(load(path), NODE_TYPES, DemoDirectory())] == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_reads_in_chinese_and_in_english(path):
    document = load(path)
    assert document["format"] == 2 and document["language"] == "zh_CN"
    untranslated = [
        where
        for where, value in texts(document)
        if not (isinstance(value, dict) and value.get("zh_CN") and value.get("en"))
    ]
    assert untranslated == []
    # Chinese is written in Chinese characters, English without them.
    for where, value in texts(document):
        assert any("\u4e00" <= char <= "\u9fff" for char in value["zh_CN"]), where
        assert not any("\u4e00" <= char <= "\u9fff" for char in value["en"]), where
