"""Runtime errors; each carries the sentence the user reads (``message``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class RuntimeCommandError(Exception):
    """A command that was refused; nothing was changed."""

    status = 400

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class InstanceNotFoundError(RuntimeCommandError):
    """No such instance, or the user may not see it: the same answer for both (404)."""

    status = 404

    def __init__(self, what: str = "instance"):
        super().__init__(f"No such {what}.")


class ProcessNotOpenError(RuntimeCommandError):
    """No such definition, or it is withdrawn or unpublished: nothing can start (404)."""

    status = 404


class NotAllowedError(RuntimeCommandError):
    status = 403


class TaskAlreadyHandledError(RuntimeCommandError):
    """Someone acted on the task first (two people at the same moment: one wins)."""

    status = 409


class OpinionRequiredError(RuntimeCommandError):
    status = 422


class TextTooLongError(RuntimeCommandError):
    """An opinion, question, reason or message longer than ``runtime.texts`` allows."""

    status = 422


class ActionNotOfferedError(RuntimeCommandError):
    status = 422


class InvalidSubmissionError(RuntimeCommandError):
    """The form did not validate; ``errors`` maps field path to messages."""

    status = 422

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = dict(errors)
        first = "; ".join(m for messages in self.errors.values() for m in messages[:1])
        super().__init__(f"The form has problems: {first}")


class AssigneeNotFoundError(RuntimeCommandError):
    """A node's assignee rule names nobody active today."""

    status = 409

    def __init__(self, node_id: str, rule: Mapping[str, Any]):
        self.node_id = node_id
        super().__init__(f"Node '{node_id}': no active user matches its assignee rule {dict(rule)}")


class NobodyAboveInitiatorError(RuntimeCommandError):
    """A node's assignee rule names only the initiator, its ``self_approval`` is
    ``escalate`` (§8.6), and nobody active stands above them (the top leader's own request):
    the instance stops in error at the node, for an administrator to skip it or to retry once
    the organisation names a head or leader in charge."""

    status = 409

    def __init__(self, node_id: str, node_name: str, initiator: str):
        self.node_id = node_id
        super().__init__(
            f"Node '{node_id}' ({node_name}): its assignee rule names only the initiator, "
            f"{initiator}, who may not decide on their own request (regulations §8.6), and "
            "no active head or leader in charge stands above them. An administrator skips "
            "the node or retries it once the organisation names one; or the definition sets "
            "the node's self_approval to 'skip' or 'allow'."
        )


class NoEdgeAppliesError(RuntimeCommandError):
    """A node completed but its type's ``next_edges`` chose none of its outgoing edges (no
    condition holds and there is no default edge). The instance stops in error at the node,
    to be retried once the data or the plugin is fixed, or skipped to a chosen node."""

    def __init__(self, node_id: str, edges: Sequence[Mapping[str, Any]]):
        self.node_id = node_id
        conditions = "; ".join(edge["condition"] for edge in edges if "condition" in edge)
        super().__init__(
            f"Node '{node_id}': no outgoing edge applies"
            + (f" (the edges' conditions: {conditions})." if conditions else ".")
        )
