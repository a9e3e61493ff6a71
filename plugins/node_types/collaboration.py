"""Collaboration (协同): several people countersign, all / any / a percentage of them."""

from plugins.contract import Action, NodeType


class Collaboration(NodeType):
    name = "collaboration"
    label = "Collaboration (countersign)"
    icon = "fa-users"
    actions = (
        Action.AGREE,
        Action.READ,
        Action.DISAGREE,
        Action.ROLLBACK,
        Action.TERMINATE,
        Action.ADD_SIGNATURE,
        Action.REDUCE_SIGNATURE,
        Action.HOLD,
        Action.DRAFT,
        Action.TRANSFER,
    )
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
