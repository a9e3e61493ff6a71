"""The designer offers a new Approval node the common actions, not all eleven, and shows node
settings by their labels in the reader's language, not their stored values such as
``return_to_initiator`` (issue 19, deliver 6)."""

from __future__ import annotations

from flask_babel import force_locale

from form_builder.designer.document import node_type_palette
from plugins.registry import node_types


def palette(app, language: str) -> dict[str, dict]:
    with app.test_request_context(), force_locale(language):
        return {entry["name"]: entry for entry in node_type_palette(node_types())}


def test_a_new_approval_node_starts_with_the_common_actions(app_factory):
    approval = palette(app_factory(), "en")["approval"]
    assert approval["new_actions"] == ["agree", "disagree", "rollback", "transfer", "add_signature"]
    assert len(approval["actions"]) == 11


def test_settings_are_labelled_in_chinese_and_english(app_factory):
    app = app_factory()
    english = palette(app, "en")["approval"]["config_schema"]["properties"]["on_disagree"]
    assert english["title"] == "When a handler disagrees"
    assert english["labels"] == {
        "return_to_initiator": "Return it to the initiator",
        "terminate": "End the request (terminated)",
    }
    chinese = palette(app, "zh_CN")["collaboration"]["config_schema"]["properties"]
    assert chinese["on_disagree"]["title"] == "处理人不同意时"
    assert chinese["on_disagree"]["labels"]["return_to_initiator"] == "退回发起人"
    assert chinese["mode"]["labels"] == {
        "all": "全部会签人同意",
        "any": "任一会签人同意",
        "percentage": "按比例同意",
    }
