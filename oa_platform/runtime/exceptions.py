"""Runtime errors; each carries the sentence the user reads (``message``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import gettext


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
        messages = {
            "instance": gettext("No such instance."),
            "task": gettext("No such task."),
            "question": gettext("No such question."),
        }
        super().__init__(messages.get(what) or gettext("No such %(what)s.", what=what))


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

    def __init__(self, errors: Mapping[str, list[str]], held: Mapping[str, Any] | None = None):
        self.errors = dict(errors)
        # Uploads that passed their own checks, by field, for the page to keep (not yet
        # committed: runtime/pending_uploads.py).
        self.held = dict(held or {})
        first = "; ".join(m for messages in self.errors.values() for m in messages[:1])
        super().__init__(gettext("The form has problems: %(first)s", first=first))


class AssigneeNotFoundError(RuntimeCommandError):
    """A node's assignee rule names nobody active today."""

    status = 409

    def __init__(self, node_id: str, rule: Mapping[str, Any]):
        self.node_id = node_id
        super().__init__(
            gettext(
                "Node '%(node)s': no active user matches its assignee rule %(rule)s",
                node=node_id,
                rule=dict(rule),
            )
        )


class NobodyAboveInitiatorError(RuntimeCommandError):
    """A node's assignee rule names only the initiator, its ``self_approval`` is
    ``escalate`` (§8.6), and nobody active stands above them (the top leader's own request):
    the instance stops in error at the node, for an administrator to skip it or to retry once
    the organisation names a head or leader in charge."""

    status = 409

    def __init__(self, node_id: str, node_name: str, initiator: str):
        self.node_id = node_id
        super().__init__(
            gettext(
                "Node '%(node)s' (%(name)s): its assignee rule names only the initiator, "
                "%(initiator)s, who may not decide on their own request (regulations §8.6), "
                "and no active head or leader in charge stands above them. An administrator "
                "skips the node or retries it once the organisation names one; or the "
                "definition sets the node's self_approval to 'skip' or 'allow'.",
                node=node_id,
                name=node_name,
                initiator=initiator,
            )
        )


class NoEdgeAppliesError(RuntimeCommandError):
    """A node completed but its type's ``next_edges`` chose none of its outgoing edges (no
    condition holds and there is no default edge). The instance stops in error at the node,
    to be retried once the data or the plugin is fixed, or skipped to a chosen node."""

    def __init__(self, node_id: str, edges: Sequence[Mapping[str, Any]]):
        self.node_id = node_id
        conditions = "; ".join(edge["condition"] for edge in edges if "condition" in edge)
        if conditions:
            message = gettext(
                "Node '%(node)s': no outgoing edge applies (the edges' conditions: "
                "%(conditions)s).",
                node=node_id,
                conditions=conditions,
            )
        else:
            message = gettext("Node '%(node)s': no outgoing edge applies.", node=node_id)
        super().__init__(message)
