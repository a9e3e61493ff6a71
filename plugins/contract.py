"""The node-type contract: what every node type, built-in or third-party, declares.

A node type is a class with a few declarations. The designer reads them to offer the type and
generate its configuration form; the publish-time validator reads them to check a definition;
the runtime asks the type what to do when an instance reaches a node of it. Register the class
under the ``oa_platform.node_types`` entry-point group (see docs/plugins.md)::

    [project.entry-points."oa_platform.node_types"]
    sms_notify = "my_package.sms:SmsNotify"

The entry-point name must equal the class's ``name``. Built-in types are registered exactly so,
in this project's pyproject.toml.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar

import jsonschema


class NodeKind(enum.StrEnum):
    """How a node sits in the chain; the validator's graph rules depend on it."""

    START = "start"  # the initiator fills the form; exactly one per definition
    END = "end"  # the instance is finished; at least one
    TASK = "task"  # people act on it; needs an assignee rule
    GATEWAY = "gateway"  # routes on at once (conditions on its outgoing edges)
    SPLIT = "split"  # parallel split: every outgoing branch runs
    JOIN = "join"  # parallel join: waits for every branch of its split


class Action(enum.StrEnum):
    """The actions of regulations §3.5 (and the runtime's own: transfer, urge)."""

    AGREE = "agree"
    READ = "read"
    DISAGREE = "disagree"
    ROLLBACK = "rollback"
    TERMINATE = "terminate"
    ADD_SIGNATURE = "add_signature"
    REDUCE_SIGNATURE = "reduce_signature"
    MODIFY_TEXT = "modify_text"
    REVOKE = "revoke"
    FAILED_REVIEW = "failed_review"
    HOLD = "hold"
    DRAFT = "draft"
    TRANSFER = "transfer"
    URGE = "urge"


class NodeType:
    """Base class of node types. Subclasses set the class attributes below.

    Attributes:
        name: the type's unique name, used in definitions (``"type": "approval"``) and as the
            entry-point name. Lower case, digits, ``_ . -``.
        label: what the designer's palette shows.
        icon: a Font Awesome icon name (``"fa-check"``) for the palette and the chain graph.
        kind: a :class:`NodeKind`; decides the graph rules the validator applies.
        actions: the actions a node of this type can offer. A definition's node may narrow
            them (its ``actions``, the node permission); it may not add others.
        default_actions: the actions offered when the definition names none.
        config_schema: JSON Schema (draft 2020-12) of the node's ``config``; the designer
            builds the configuration form from it and publishing checks it.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    icon: ClassVar[str] = "fa-square-o"
    kind: ClassVar[NodeKind] = NodeKind.TASK
    actions: ClassVar[tuple[Action, ...]] = ()
    default_actions: ClassVar[tuple[Action, ...] | None] = None
    config_schema: ClassVar[Mapping[str, Any]] = {"type": "object", "additionalProperties": False}

    @property
    def needs_assignee(self) -> bool:
        """Whether a node of this type must name who handles it."""
        return self.kind is NodeKind.TASK

    def offered_actions(self) -> tuple[Action, ...]:
        """The actions offered when a node names none."""
        return self.actions if self.default_actions is None else self.default_actions

    def validate_config(self, config: Mapping[str, Any]) -> list[str]:
        """Problems with a node's ``config``, each a sentence for the designer; empty if none.

        The default checks ``config_schema``; override to add rules a schema cannot express
        (and call ``super()``).
        """
        validator = jsonschema.Draft202012Validator(self.config_schema)
        problems = []
        for error in sorted(validator.iter_errors(dict(config)), key=lambda e: e.json_path):
            where = error.json_path.replace("$", "config", 1)
            problems.append(f"{where}: {error.message}")
        return problems
