"""Runtime errors; each carries the sentence the user reads (``message``)."""

from __future__ import annotations

from collections.abc import Mapping
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


class NotAllowedError(RuntimeCommandError):
    status = 403


class TaskAlreadyHandledError(RuntimeCommandError):
    """Someone acted on the task first (two people at the same moment: one wins)."""

    status = 409


class OpinionRequiredError(RuntimeCommandError):
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


class NodeHookError(RuntimeCommandError):
    """A node type's hook raised; the instance is put in error at that node."""

    status = 500

    def __init__(self, node_id: str, detail: str):
        self.node_id = node_id
        self.detail = detail
        super().__init__(f"Node '{node_id}' failed; an administrator has been told.")
