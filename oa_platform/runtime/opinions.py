"""The opinion rule of regulations §3.5, as each node type declares it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext, lazy_gettext

from oa_platform.runtime.exceptions import OpinionRequiredError
from oa_platform.runtime.texts import OPINION, bounded
from plugins.contract import Action, NodeType

# What each action is called inside a sentence ("an opinion is required to ..."), and on its
# button. In Chinese both are the regulations' words (docs/glossary.md): 同意, 已阅, 不同意,
# 回退, 终止, 加签, 减签, 修改正文, 撤销, 审核不通过, 暂存待办, 保存草稿, 转办, 催办.
LABELS = {
    Action.SUBMIT: lazy_gettext("submit"),
    Action.AGREE: lazy_gettext("agree"),
    Action.READ: lazy_gettext("mark as read"),
    Action.DISAGREE: lazy_gettext("disagree"),
    Action.ROLLBACK: lazy_gettext("roll back"),
    Action.TERMINATE: lazy_gettext("terminate"),
    Action.ADD_SIGNATURE: lazy_gettext("add a signer"),
    Action.REDUCE_SIGNATURE: lazy_gettext("remove a signer"),
    Action.MODIFY_TEXT: lazy_gettext("modify the text"),
    Action.REVOKE: lazy_gettext("revoke"),
    Action.FAILED_REVIEW: lazy_gettext("fail the review"),
    Action.HOLD: lazy_gettext("put on hold"),
    Action.DRAFT: lazy_gettext("save as draft"),
    Action.TRANSFER: lazy_gettext("transfer"),
    Action.URGE: lazy_gettext("urge"),
}
BUTTONS = {
    Action.SUBMIT: lazy_gettext("Submit"),
    Action.AGREE: lazy_gettext("Agree"),
    Action.READ: lazy_gettext("Mark as read"),
    Action.DISAGREE: lazy_gettext("Disagree"),
    Action.ROLLBACK: lazy_gettext("Roll back"),
    Action.TERMINATE: lazy_gettext("Terminate"),
    Action.ADD_SIGNATURE: lazy_gettext("Add a signer"),
    Action.REDUCE_SIGNATURE: lazy_gettext("Remove a signer"),
    Action.MODIFY_TEXT: lazy_gettext("Modify the text"),
    Action.REVOKE: lazy_gettext("Revoke"),
    Action.FAILED_REVIEW: lazy_gettext("Fail the review"),
    Action.HOLD: lazy_gettext("Put on hold"),
    Action.DRAFT: lazy_gettext("Save as draft"),
    Action.TRANSFER: lazy_gettext("Transfer"),
    Action.URGE: lazy_gettext("Urge"),
}


def label(action: str) -> str:
    """``action`` inside a sentence, in the request's language (a plugin's own action: its
    name)."""
    try:
        return str(LABELS[Action(action)])
    except ValueError:
        return action


def button(action: str) -> str:
    """``action`` as its button and the records name it, in the request's language."""
    try:
        return str(BUTTONS[Action(action)])
    except ValueError:
        return action


def opinion_required_message(action: Action, node_name: str) -> str:
    """The §3.5 refusal, the same sentence from the server and the page's script."""
    return gettext(
        "An opinion is required to %(action)s at '%(node)s' (regulations §3.5).",
        action=label(action),
        node=node_name,
    )


def needs_opinion(
    node_type: NodeType, action: Action, node: Mapping[str, Any] | None = None
) -> bool:
    """Whether ``action`` needs an opinion at ``node``: its type says so (§3.5), or the node
    asks one on agreeing too (``config.opinion_on_agree``)."""
    if action in node_type.opinion_required:
        return True
    config = (node or {}).get("config") or {}
    return action is Action.AGREE and bool(config.get("opinion_on_agree"))


def check_opinion(
    node_type: NodeType, node: Mapping[str, Any], action: Action, opinion: str
) -> str:
    """The stripped opinion, or :class:`OpinionRequiredError` naming the action and node (and
    a refusal when it is longer than ``texts.OPINION``)."""
    text = bounded(gettext("opinion"), opinion, OPINION)
    if not text and needs_opinion(node_type, action, node):
        raise OpinionRequiredError(opinion_required_message(action, node["name"]))
    return text
