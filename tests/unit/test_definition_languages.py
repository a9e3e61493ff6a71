"""Definitions in two languages (issue 18, definition format 2): every text a person reads may
carry per-language values, a missing language falls back to the default text, and format-1
documents keep importing, lifted to format 2 without losing a word."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from form_builder import localized
from form_builder.exceptions import DefinitionFormatError
from form_builder.format import FORMAT_VERSION, load_document, schema_problems, upgrade
from tests.hypothesis_profiles import examples
from tests.strategies import definitions, publish_problems

AMOUNT = {"zh_CN": "报销金额", "en": "Amount"}


def test_a_reader_gets_their_language_and_the_default_text_when_it_is_missing():
    assert localized.text(AMOUNT, "zh_CN") == "报销金额"
    assert localized.text(AMOUNT, "en") == "Amount"
    # The same language in another region, or without one, reads the same value.
    assert localized.text(AMOUNT, "zh") == "报销金额"
    assert localized.text(AMOUNT, "en_GB") == "Amount"
    # A language the text lacks reads the document's own language, else the first value.
    assert localized.text(AMOUNT, "fr", fallback="en") == "Amount"
    assert localized.text(AMOUNT, "fr") == "报销金额"
    only_chinese = {"zh_CN": "报销金额", "en": ""}
    assert localized.text(only_chinese, "en") == "报销金额"
    # A plain string is every language's text.
    assert localized.text("Amount", "zh_CN") == "Amount"
    assert localized.text(None, "en") == ""


def expense_form(label, option_label, node_name, edge_label, *, version=FORMAT_VERSION):
    return {
        "format": version,
        "key": "travel",
        "name": label,
        "category": "Finance",
        "department": "FIN",
        "fields": [
            {"key": "amount", "type": "money", "label": label, "help": label},
            {
                "key": "kind",
                "type": "select",
                "label": label,
                "options": [{"value": "air", "label": option_label}],
            },
            {
                "key": "lines",
                "type": "table",
                "label": label,
                "columns": [{"key": "note", "type": "text", "label": label}],
            },
        ],
        "nodes": [
            {"id": "start", "type": "start", "name": node_name},
            {"id": "end", "type": "end", "name": node_name},
        ],
        "edges": [{"from": "start", "to": "end", "label": edge_label}],
    }


def test_a_format_1_document_imports_as_format_2_with_every_text_as_it_was():
    old = expense_form("Amount", "Air", "Applicant", "Done", version=1)
    imported = load_document(old)
    assert imported["format"] == 2 == FORMAT_VERSION
    assert list(localized.texts(imported)) == list(localized.texts(old))
    assert "language" not in imported  # no language is guessed for plain strings


def test_every_text_of_format_2_may_be_given_per_language():
    document = load_document(
        expense_form(AMOUNT, {"zh_CN": "飞机", "en": "Air"}, {"zh_CN": "申请人"}, AMOUNT)
    )
    english = localized.document(document, "en")
    assert english["name"] == english["fields"][2]["columns"][0]["label"] == "Amount"
    assert english["fields"][1]["options"][0]["label"] == "Air"
    assert english["nodes"][0]["name"] == "申请人"  # no English: the default text
    chinese = localized.document(document, "zh_CN")
    assert chinese["fields"][0]["help"] == chinese["edges"][0]["label"] == "报销金额"
    assert document["fields"][0]["label"] == AMOUNT  # the stored document keeps both


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ({}, "$.fields[0].label"),
        ({"chinese": "报销金额"}, "$.fields[0].label"),
        ({"zh_CN": ""}, "$.fields[0].label.zh_CN"),
        ({"en": "x" * 201}, "$.fields[0].label.en"),
        (12, "$.fields[0].label"),
    ],
)
def test_a_text_is_refused_where_a_language_or_its_value_is_wrong(label, problem):
    document = expense_form(label, "Air", "Applicant", "Done")
    with pytest.raises(DefinitionFormatError) as refused:
        load_document(document)
    assert problem in {p.path for p in refused.value.problems}
    # One message a designer can act on, not "is not of type 'object'" beside it.
    assert not any("of type 'object'" in p.message for p in refused.value.problems)


def test_a_newer_format_is_refused_and_a_missing_one_named():
    with pytest.raises(DefinitionFormatError, match="newer"):
        upgrade({"format": FORMAT_VERSION + 1})
    with pytest.raises(DefinitionFormatError, match="format number"):
        upgrade({"key": "x"})


_LANGUAGES = st.sampled_from(["zh_CN", "en", "en_GB", "zh"])


@st.composite
def bilingual(draw):
    """A generated format-1 definition, and the same with some of its texts per language."""
    document = draw(definitions())
    paths = [path for path, _ in localized.texts(document)]
    chosen = set(draw(st.lists(st.sampled_from(paths), unique=True))) if paths else set()
    counter = iter(range(10**6))

    def translate(value):
        index = next(counter)
        if paths[index] not in chosen or not value:
            return value
        return {draw(_LANGUAGES): value, "en": draw(st.text(min_size=1, max_size=20))}

    return document, localized.map_texts(document, translate)


@settings(max_examples=examples(60), deadline=None)
@given(bilingual())
def test_upgrading_is_idempotent_and_loses_no_text(pair):
    old, _translated = pair
    once = upgrade(old)
    assert upgrade(once) == once
    assert list(localized.texts(once)) == list(localized.texts(old))
    assert schema_problems(once) == []


@settings(max_examples=examples(60), deadline=None)
@given(bilingual(), _LANGUAGES)
def test_a_bilingual_definition_reads_as_a_valid_one_in_any_language(pair, language):
    _old, translated = pair
    document = upgrade(translated)
    assert schema_problems(document) == []
    shown = localized.document(document, language)
    assert schema_problems(shown) == []
    assert publish_problems(shown) == []
    for (path, value), (_, text) in zip(
        localized.texts(document), localized.texts(shown), strict=True
    ):
        assert isinstance(text, str), path
        assert text == localized.text(value, language), path
        assert bool(text) == any(v for v in ([value] if isinstance(value, str) else value.values()))


def test_a_node_may_give_its_buttons_words_of_its_own_and_only_for_actions_it_offers():
    from form_builder.validator import validate
    from plugins.registry import node_types
    from tests.strategies import DemoDirectory

    document = load_document(expense_form("Amount", "Air", "Applicant", "Done"))
    document["nodes"].insert(
        1,
        {
            "id": "check",
            "type": "approval",
            "name": "Check",
            "assignee": {"rule": "users", "users": ["head"]},
            "buttons": {"agree": {"zh_CN": "批准", "en": "Approve"}, "revoke": "Take back"},
        },
    )
    document["edges"] = [{"from": "start", "to": "check"}, {"from": "check", "to": "end"}]
    assert schema_problems(document) == []
    assert localized.document(document, "zh_CN")["nodes"][1]["buttons"]["agree"] == "批准"
    assert ("$.nodes[1].buttons.agree", {"zh_CN": "批准", "en": "Approve"}) in list(
        localized.texts(document)
    )
    problems = validate(document, node_types(), DemoDirectory())
    assert [(p.path, p.node) for p in problems] == [("$.nodes[1].buttons", "check")]
    assert "'revoke'" in problems[0].message
