"""Collaboration (协同): several people countersign, all / any / a percentage of them."""

from plugins.contract import Action, NodeType
from plugins.node_types.approval import APPROVAL_ACTIONS


class Collaboration(NodeType):
    name = "collaboration"
    label = "Collaboration (countersign)"
    icon = "fa-users"
    # Countersigners do not edit the text: that is for Approval and Form Review (§3.5).
    actions = tuple(a for a in APPROVAL_ACTIONS if a is not Action.MODIFY_TEXT)
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "mode": {
                "enum": ["all", "any", "percentage"],
                "default": "all",
                "description": "How many signers must agree before the node is done.",
            },
            "percentage": {"type": "integer", "minimum": 1, "maximum": 100},
            "signing": {"enum": ["parallel", "sequential"], "default": "parallel"},
        },
        "if": {"properties": {"mode": {"const": "percentage"}}, "required": ["mode"]},
        "then": {"required": ["percentage"]},
        "else": {"not": {"required": ["percentage"]}},
    }
