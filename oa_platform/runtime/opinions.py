"""The opinion rule of regulations §3.5, as each node type declares it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from oa_platform.runtime.exceptions import OpinionRequiredError
from oa_platform.runtime.texts import OPINION, bounded
from plugins.contract import Action, NodeType

LABELS = {
    Action.SUBMIT: "submit",
    Action.AGREE: "agree",
    Action.READ: "mark as read",
    Action.DISAGREE: "disagree",
    Action.ROLLBACK: "roll back",
    Action.TERMINATE: "terminate",
    Action.ADD_SIGNATURE: "add a signer",
    Action.REDUCE_SIGNATURE: "remove a signer",
    Action.MODIFY_TEXT: "modify the text",
    Action.REVOKE: "revoke",
    Action.FAILED_REVIEW: "fail the review",
    Action.HOLD: "put on hold",
    Action.DRAFT: "save as draft",
    Action.TRANSFER: "transfer",
    Action.URGE: "urge",
}


def needs_opinion(node_type: NodeType, action: Action) -> bool:
    return action in node_type.opinion_required


def check_opinion(
    node_type: NodeType, node: Mapping[str, Any], action: Action, opinion: str
) -> str:
    """The stripped opinion, or :class:`OpinionRequiredError` naming the action and node (and
    a refusal when it is longer than ``texts.OPINION``)."""
    text = bounded("opinion", opinion, OPINION)
    if not text and needs_opinion(node_type, action):
        raise OpinionRequiredError(
            f"An opinion is required to {LABELS[action]} at '{node['name']}' (regulations §3.5)."
        )
    return text
