"""Import and export of definitions as JSON files (admin page and ``flask oa definitions``).

An import is all or nothing: every file is parsed and checked against the schema first, and
each becomes (or updates) a draft only if all of them can. Errors give the file and JSON path.
Export writes a version's document in canonical form, so export -> import -> export gives the
same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from form_builder.exceptions import DefinitionError, LifecycleError, Problem
from form_builder.format import dump_document, load_document, parse_json
from form_builder.lifecycle import Actor, Lifecycle
from form_builder.models import DefinitionVersion


class ImportRefusedError(Exception):
    """Nothing was imported; ``problems`` maps file name -> its problems."""

    def __init__(self, problems: dict[str, list[Problem]]):
        self.problems = problems
        lines = [f"{name}: {problem}" for name, items in problems.items() for problem in items]
        super().__init__("Nothing was imported:\n" + "\n".join(lines))


@dataclass(frozen=True)
class Imported:
    file: str
    version: DefinitionVersion
    warnings: list[Problem]  # publish-time problems: the draft is kept, submission will refuse


def import_files(
    lifecycle: Lifecycle, actor: Actor | None, files: Iterable[tuple[str, bytes | str]]
) -> list[Imported]:
    """Turn each (file name, content) into a draft; on any problem import none of them.

    The caller commits on success and rolls back on :class:`ImportRefusedError`.
    """
    problems: dict[str, list[Problem]] = {}
    documents = []
    keys: dict[str, str] = {}
    for name, content in files:
        try:
            document = load_document(parse_json(content))
        except DefinitionError as error:
            problems[name] = error.problems
            continue
        if document["key"] in keys:
            message = f"key '{document['key']}' is also in {keys[document['key']]}"
            problems[name] = [Problem("$.key", message)]
            continue
        keys[document["key"]] = name
        documents.append((name, document))
    if problems:
        raise ImportRefusedError(problems)
    imported = []
    for name, document in documents:
        try:
            version = lifecycle.save_draft(actor, document)
        except DefinitionError as error:
            problems[name] = error.problems
            continue
        except LifecycleError as error:
            problems[name] = [Problem("$.key", error.message)]
            continue
        imported.append(Imported(name, version, lifecycle.problems(document)))
    if problems:
        raise ImportRefusedError(problems)
    return imported


def export_version(version: DefinitionVersion) -> str:
    """The version's document as canonical JSON text."""
    return dump_document(version.document)


def export_name(version: DefinitionVersion) -> str:
    return f"{version.definition.key}-v{version.number}.json"
