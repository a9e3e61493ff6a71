"""Renaming a field renames it wherever the definition names it (issue 19, deliver 6): the
conditions and other expressions (parsed, so a quoted text holding the key stays), the title
template, field access, the assignee picked from a field, node settings naming a field, and a
table's column in its row and as ``table.column``. A key the field cannot take is refused
with a sentence naming the field, and nothing changes."""

from __future__ import annotations

import copy
import json
import keyword
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from form_builder import expression, validator
from form_builder.exceptions import FieldRenameError
from form_builder.rename import Place, place_of, rename
from plugins.fields import sample_value
from plugins.node_types.webhook import Webhook
from tests.hypothesis_profiles import examples
from tests.strategies import NODE_TYPES, DemoDirectory, definitions

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "definitions"
TYPES = {**NODE_TYPES, "webhook": Webhook()}


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def renamed(document: dict, old: str, new: str, table: str | None = None) -> dict:
    return rename(document, place_of(document, old, table), old, new, TYPES).document


def claim() -> dict:
    """The expense claim, with a purpose condition and a computed column added."""
    document = example("expense_claim")
    document["fields"][4]["visible_if"] = 'count(items.amount) > 0 and "purpose" != purpose'
    items = document["fields"][1]
    items["columns"].append(
        {
            "key": "with_tax",
            "type": "computed",
            "label": "With tax",
            "expression": "amount * 1.06",
            "result": "money",
        }
    )
    return document


def test_a_condition_follows_the_field_and_quoted_text_stays():
    document = claim()
    edge = next(e for e in document["edges"] if e.get("condition"))
    edge["condition"] = 'total > 5000 or "total" in purpose'
    after = renamed(document, "total", "he_ji")
    condition = next(e for e in after["edges"] if e.get("condition"))["condition"]
    assert condition == 'he_ji > 5000 or "total" in purpose'
    assert after["fields"][2]["key"] == "he_ji"


def test_the_spacing_and_chinese_text_around_a_name_are_kept():
    document = claim()
    document["fields"][4]["visible_if"] = ' "报销：total" != purpose\tand   total>0 '
    after = renamed(document, "total", "he_ji")
    assert after["fields"][4]["visible_if"] == ' "报销：total" != purpose\tand   he_ji>0 '


def test_a_function_of_the_same_name_is_not_the_field():
    document = claim()
    document["fields"][2]["key"] = "count"
    document["fields"][4]["visible_if"] = "count(items.amount) > 0 and count > 0"
    document["title"] = "{count}"
    after = renamed(document, "count", "n")
    assert after["fields"][4]["visible_if"] == "count(items.amount) > 0 and n > 0"


def test_the_title_template_follows_in_every_language_and_initiator_stays():
    after = renamed(claim(), "purpose", "shi_you")
    assert after["title"] == {
        "zh_CN": "{initiator}的费用报销：{shi_you}（合计{total}）",
        "en": "{initiator}'s expense claim: {shi_you} ({total})",
    }


def test_field_access_keeps_its_place_and_level():
    document = claim()
    document["nodes"][0]["field_access"] = {"purpose": "read", "finance_remarks": "hidden"}
    after = renamed(document, "finance_remarks", "cai_wu_bei_zhu")
    assert after["nodes"][0]["field_access"] == {"purpose": "read", "cai_wu_bei_zhu": "hidden"}
    assert after["nodes"][4]["field_access"] == {"cai_wu_bei_zhu": "edit"}
    assert list(after["nodes"][0]["field_access"]) == ["purpose", "cai_wu_bei_zhu"]


def test_an_assignee_picked_from_a_field_follows():
    document = example("leave_request")
    picker = next(f for f in document["fields"] if f["type"] == "user")
    document["nodes"][1]["assignee"] = {"rule": "field", "field": picker["key"]}
    after = renamed(document, picker["key"], "jie_shou_ren")
    assert after["nodes"][1]["assignee"] == {"rule": "field", "field": "jie_shou_ren"}
    assert validator.validate(after, TYPES, DemoDirectory()) == []


def test_node_settings_naming_a_field_follow_and_a_default_is_written_out():
    document = claim()
    document["fields"].append({"key": "number", "type": "text", "label": "Number"})
    document["fields"].append({"key": "outcome", "type": "text", "label": "Outcome"})
    document["nodes"][3:3] = [
        {"id": "numbering", "type": "document_number", "name": "Number"},
        {
            "id": "notify_erp",
            "type": "webhook",
            "name": "ERP",
            "config": {"url": "https://erp.example.com/hook", "result_field": "outcome"},
        },
    ]
    after = renamed(renamed(document, "number", "wen_hao"), "outcome", "jie_guo")
    numbering, hook = after["nodes"][3], after["nodes"][4]
    # The node named "number" by its default: it is written out, so the node keeps its field.
    assert numbering["config"] == {"number_field": "wen_hao"}
    assert hook["config"]["result_field"] == "jie_guo"


def test_a_node_types_config_expression_follows():
    document = claim()
    document["nodes"][1]["type"] = "auto_approval_like"
    types = dict(TYPES)

    class AutoApproval(type(TYPES["approval"])):
        def config_expressions(self, config):
            return [("condition", config["condition"])]

    types["auto_approval_like"] = AutoApproval()
    document["nodes"][1]["config"] = {"condition": "total < 500"}
    after = rename(document, place_of(document, "total"), "total", "he_ji", types).document
    assert after["nodes"][1]["config"] == {"condition": "he_ji < 500"}


def test_a_column_follows_in_its_row_and_as_table_column_elsewhere():
    document = claim()
    after = renamed(document, "amount", "jin_e", table="items")
    items = after["fields"][1]
    assert [c["key"] for c in items["columns"]][-2:] == ["jin_e", "with_tax"]
    assert items["columns"][-1]["expression"] == "jin_e * 1.06"
    assert after["fields"][2]["expression"] == "sum(items.jin_e)"
    assert after["fields"][4]["visible_if"] == ('count(items.jin_e) > 0 and "purpose" != purpose')
    assert validator.validate(after, TYPES, DemoDirectory()) == []


def test_renaming_a_table_renames_its_columns_owner():
    after = renamed(claim(), "items", "ming_xi")
    assert after["fields"][2]["expression"] == "sum(ming_xi.amount)"
    assert after["fields"][4]["visible_if"].startswith("count(ming_xi.amount)")


def test_a_top_level_rename_leaves_a_column_of_the_same_name_alone():
    document = claim()
    document["fields"].insert(0, {"key": "amount", "type": "money", "label": "Advance"})
    after = renamed(document, "amount", "advance")
    assert after["fields"][2]["columns"][-1]["expression"] == "amount * 1.06"
    assert after["fields"][3]["expression"] == "sum(items.amount)"


@pytest.mark.parametrize(
    ("new", "says"),
    [
        ("Total", "lower-case letters"),
        ("1total", "lower-case letters"),
        ("class", "a word of the expression language"),
        ("purpose", "another field's key is 'purpose' already"),
        ("csrf_token", "reserved"),
        ("initiator", "stands for the applicant"),
    ],
)
def test_a_key_the_field_cannot_take_is_refused_naming_the_field(new, says):
    document = claim()
    before = copy.deepcopy(document)
    with pytest.raises(FieldRenameError) as refused:
        renamed(document, "total", new)
    assert says in refused.value.message
    assert refused.value.message.startswith("Field 3 (")
    assert refused.value.path == "$.fields[2].key"
    assert document == before


def test_a_column_key_is_unique_in_its_table_only():
    document = claim()
    with pytest.raises(FieldRenameError, match="another column's key is 'date'"):
        renamed(document, "amount", "date", table="items")
    after = renamed(document, "amount", "purpose", table="items")  # a field's key: no clash
    assert after["fields"][2]["expression"] == "sum(items.purpose)"


def test_an_expression_that_does_not_parse_is_left_and_reported():
    document = claim()
    document["edges"][2]["condition"] = "total > "
    result = rename(document, place_of(document, "total"), "total", "he_ji", TYPES)
    assert result.document["edges"][2]["condition"] == "total > "
    assert [s.path for s in result.skipped] == ["$.edges[2].condition"]


def test_the_page_may_have_typed_the_key_already():
    document = claim()
    document["fields"][2]["key"] = "he_ji"  # typed; the references still say total
    result = rename(document, Place(2), "total", "he_ji", TYPES)
    assert result.document["edges"][2]["condition"] == "he_ji > 5000"
    assert "$.fields[2].key" not in [change.path for change in result.changes]
    with pytest.raises(FieldRenameError, match="no longer 'purpose'"):
        rename(document, Place(2), "purpose", "x", TYPES)


def test_a_document_that_breaks_the_schema_is_renamed_as_far_as_it_goes():
    document = {"fields": [{"key": "a", "type": "nope", "visible_if": 5}, "x"], "edges": [7]}
    document["nodes"] = [{"type": "approval", "config": "odd"}, None]
    after = rename(document, Place(0), "a", "b", TYPES).document
    assert after["fields"][0]["key"] == "b"


# Properties --------------------------------------------------------------------------------


def _keys(document: dict) -> list[tuple[str, str | None]]:
    """(key, table) of every field and column that has a value."""
    found: list[tuple[str, str | None]] = []
    for spec in document["fields"]:
        if spec["type"] != "section":
            found.append((spec["key"], None))
        for column in spec.get("columns", ()):
            found.append((column["key"], spec["key"]))
    return found


@settings(max_examples=examples(150), deadline=None)
@given(document=definitions(), data=st.data())
def test_renaming_and_renaming_back_gives_the_document_again(document, data):
    keys = _keys(document)
    assume(keys)
    old, table = data.draw(st.sampled_from(keys))
    new = data.draw(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True))
    taken = {key for key, owner in keys if owner == table}
    assume(new not in taken and new not in {"csrf_token", "initiator", "definition"})
    assume(not keyword.iskeyword(new))
    there = renamed(document, old, new, table)
    assert validator.validate(there, TYPES, DemoDirectory()) == validator.validate(
        document, TYPES, DemoDirectory()
    )
    assert renamed(there, new, old, table) == document


# An expression's meaning: evaluated over values, then renamed over the same values under the
# new key, it gives the same result, and a quoted text holding the key is kept.

NUMBERS = st.decimals(min_value=-1000, max_value=1000, places=2)
KEY = st.sampled_from(("days", "amount", "total", "n"))


def outcome(source: str, values: dict) -> object:
    """The value of ``source`` over ``values``, or the kind of error it fails with."""
    try:
        return expression.evaluate(source, values)
    except expression.ExpressionError as error:
        return type(error)


@st.composite
def conditions(draw, key: str) -> str:
    """A condition over ``key`` (a number field) and ``note`` (text), with quoted texts that
    hold the key."""
    atoms = [
        f"{key} > {draw(st.integers(-50, 50))}",
        f"{key} * 2 <= {draw(st.integers(-100, 100))}",
        f'"{key}" in note',
        f'note == "{key}"',
        f"round({key} / 3, 1) != {key}",
        f"max({key}, 1) >= 1",
        f'"{key} > 3" != note and {key} == {key}',
    ]
    parts = draw(st.lists(st.sampled_from(atoms), min_size=1, max_size=4))
    joined = parts[0]
    for part in parts[1:]:
        joined = f"({joined}) {draw(st.sampled_from(('and', 'or')))} ({part})"
    return draw(st.sampled_from((joined, f"not ({joined})")))


@settings(max_examples=examples(200), deadline=None)
@given(key=KEY, data=st.data(), number=NUMBERS, note=st.sampled_from(("", "days", "amount 3")))
def test_an_expression_means_the_same_after_the_rename(key, data, number, note):
    condition = data.draw(conditions(key))
    document = example("leave_request")
    document["fields"] = [
        {"key": key, "type": "number", "label": "Number", "decimals": 2},
        {"key": "note", "type": "text", "label": "Note"},
    ]
    document["edges"] = [
        {"from": "start", "to": "end", "condition": condition},
        {"from": "start", "to": "end", "default": True},
    ]
    for node in document["nodes"]:
        node.pop("field_access", None)
    document.pop("title", None)
    after = renamed(document, key, "ri_shu")["edges"][0]["condition"]
    assert after.count('"') == condition.count('"')
    assert outcome(condition, {key: number, "note": note}) == outcome(
        after, {"ri_shu": number, "note": note}
    )
    quoted = [part for index, part in enumerate(condition.split('"')) if index % 2]
    assert quoted == [part for index, part in enumerate(after.split('"')) if index % 2]


def test_the_samples_of_a_renamed_form_still_type_check():
    """A computed field keeps its type after renaming what it reads."""
    document = claim()
    after = renamed(document, "amount", "jin_e", table="items")
    column = after["fields"][1]["columns"][-1]
    row = {c["key"]: sample_value(c) for c in after["fields"][1]["columns"]}
    assert isinstance(expression.evaluate(column["expression"], row), Decimal)
