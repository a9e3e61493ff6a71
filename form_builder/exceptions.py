"""Errors of form building; each carries the sentences a user reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in a definition, located by JSON path and, where it has one, node or field.

    ``path`` is a JSON path into the document (``$.nodes[2].assignee``); ``node`` and ``field``
    name the node id or field key concerned, so the designer can show it on that element.
    """

    path: str
    message: str
    node: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DefinitionError(Exception):
    """A definition that cannot be accepted; ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem], summary: str = "The definition is not valid"):
        self.problems = problems
        super().__init__(summary + ":\n" + "\n".join(f"- {p}" for p in problems))


class DefinitionFormatError(DefinitionError):
    """The document is not JSON, or breaks the JSON Schema of its format."""


class DefinitionInvalidError(DefinitionError):
    """The document is well-formed but fails publish-time validation."""


class LifecycleError(Exception):
    """A lifecycle step that is not allowed now (wrong state, wrong person, missing opinion)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class FieldRenameError(Exception):
    """A field or column cannot take the key asked for (``form_builder/rename.py``):
    ``message`` says why, naming the field; ``path`` is where (``$.fields[2].key``)."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")
