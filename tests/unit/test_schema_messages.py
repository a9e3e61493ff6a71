"""A designer reads what is wrong with a definition as a sentence naming the field, node or
connection, in Chinese or English, never jsonschema's own message (issue 19, deliver 6:
"no raw validator messages ... every problem is a sentence naming the field or node")."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from form_builder.exceptions import DefinitionFormatError
from form_builder.format import load_document
from form_builder.validator import validate
from plugins.registry import node_types

ROOT = Path(__file__).resolve().parents[2]
EXPENSE = json.loads((ROOT / "examples" / "definitions" / "expense_claim.json").read_text())

# Words of jsonschema's messages a designer must never read.
RAW = (
    "does not match",
    "is a required property",
    "is too long",
    "is not one of",
    "is not of type",
    "should be non-empty",
    "Additional properties",
    "is too short",
    "^[a-z]",
)


@pytest.fixture(scope="module")
def app():
    app = Flask(__name__)
    Babel(app, default_translation_directories=str(ROOT / "translations"))
    return app


def expense() -> dict:
    document = copy.deepcopy(EXPENSE)
    # Field 3 of the expense claim, labelled in both languages as a designer types it.
    document["fields"][2] = {
        "key": "amount",
        "type": "money",
        "label": {"zh_CN": "报销金额", "en": "Amount"},
    }
    return document


def refused(document: dict, app: Flask, language: str) -> dict[str, str]:
    """{JSON path: message} of the schema problems, read in ``language``."""
    with app.app_context(), force_locale(language):
        with pytest.raises(DefinitionFormatError) as raised:
            load_document(document)
        found = {p.path: p.message for p in raised.value.problems}
    for message in found.values():
        assert not any(word in message for word in RAW), message
    return found


CASES = [
    (
        "pattern on a field's key",
        lambda d: d["fields"][2].update(key="报销"),
        "$.fields[2].key",
        "Field 3 (Amount): the key may use only lower-case letters, digits and _ and must "
        "start with a letter (not '报销')",
        "第 3 个字段 (报销金额)：键名只能使用小写字母、数字和 _，且须以字母开头（不能是“报销”）",
    ),
    (
        "an empty key",
        lambda d: d["fields"][2].update(key=""),
        "$.fields[2].key",
        "Field 3 (Amount): the key is empty: give it lower-case letters, digits and _, "
        "starting with a letter",
        "第 3 个字段 (报销金额)：键名为空：请用小写字母、数字和 _ 填写，并以字母开头",
    ),
    (
        "pattern on a node's id",
        lambda d: d["nodes"][1].update(id="Manager"),
        "$.nodes[1].id",
        "Node 2 (Manager approval): the id may use only lower-case letters, digits and _ and "
        "must start with a letter (not 'Manager')",
        "第 2 个节点 (经理审批)：标识只能使用小写字母、数字和 _，且须以字母开头（不能是“Manager”）",
    ),
    (
        "required",
        lambda d: d["nodes"][1].update(assignee={"rule": "users"}),
        "$.nodes[1].assignee",
        "Node 2 (Manager approval): the users must be given",
        "第 2 个节点 (经理审批)：必须填写用户",
    ),
    (
        "minLength",
        lambda d: d.update(category=""),
        "$.category",
        "The definition: the category must not be empty",
        "流程定义：分类不能为空",
    ),
    (
        "maxLength",
        lambda d: d["fields"][2].update(label={"zh_CN": "报" * 201, "en": "Amount"}),
        "$.fields[2].label.zh_CN",
        "Field 3 (Amount): the label may be at most 200 characters long (it has 201)",
        f"第 3 个字段 ({'报' * 24}…)：标签最多 200 个字符（现有 201 个）",
    ),
    (
        "enum",
        lambda d: d["fields"][2].update(width="double"),
        "$.fields[2].width",
        "Field 3 (Amount): the width must be one of: full, half, third (not 'double')",
        "第 3 个字段 (报销金额)：宽度必须是以下之一：full, half, third（不能是“double”）",
    ),
    (
        "type",
        lambda d: d["fields"][2].update(required="yes"),
        "$.fields[2].required",
        "Field 3 (Amount): the Required setting must be yes or no (true or false)",
        "第 3 个字段 (报销金额)：“必填”设置必须是是或否（true 或 false）",
    ),
    (
        "additionalProperties",
        lambda d: d["edges"][0].update(colour="red"),
        "$.edges[0]",
        "Connection 1 (start → manager): 'colour' is not a setting this element takes",
        "第 1 条连线 (start → manager)：此元素没有 'colour' 这项设置",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "english", "chinese"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_schema_problem_is_a_sentence_naming_the_element(app, change, path, english, chinese):
    document = expense()
    change(document)
    assert refused(document, app, "en")[path] == english
    assert refused(document, app, "zh_CN")[path] == chinese


def test_a_node_types_settings_are_explained_in_words(app):
    document = expense()
    document["nodes"][1].update(type="collaboration", config={"mode": "percentage"})
    with app.app_context(), force_locale("en"):
        messages = [p.message for p in validate(load_document(document), node_types())]
    assert "node 'manager': the percentage must be given" in messages
