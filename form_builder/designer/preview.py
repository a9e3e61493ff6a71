"""A node's form from an unsaved document, drawn by the renderer staff see.

The compiled form is cached on a hash of the document's canonical text, so equal documents
share an entry and a changed document never meets a stale one (the compiler's cache is never
invalidated, see ``compile_form``).
"""

from __future__ import annotations

from dataclasses import dataclass

from form_builder import localized, services
from form_builder.compiler import BoundForm, compile_form
from form_builder.exceptions import DefinitionError, Problem
from form_builder.format import digest, load_document, parse_json
from form_builder.validator import validate
from form_builder.views import current_viewer


@dataclass(frozen=True)
class Preview:
    """Either the bound form of ``node_id`` or the problems that keep it from being drawn."""

    node_id: str
    bound: BoundForm | None
    problems: list[Problem]


def preview(text: str, node_id: str) -> Preview:
    """The form of ``node_id`` in the document ``text`` (JSON), as its handler would see it."""
    try:
        document = load_document(parse_json(text))
    except DefinitionError as error:
        return Preview(node_id, None, error.problems)
    if node_id not in {node["id"] for node in document["nodes"]}:
        return Preview(node_id, None, [Problem("$.nodes", f"there is no node '{node_id}'")])
    targets = {edge["to"] for edge in document["edges"]}
    if all(node["id"] in targets for node in document["nodes"]):
        # Field access defaults hang on the start node: the one no edge leads into.
        message = "every node has an incoming edge, so none is the start"
        return Preview(node_id, None, [Problem("$.edges", message)])
    # Only the form's own problems keep it from compiling; the chain's do not matter here.
    problems = [p for p in validate(document, {}, None) if p.path.startswith("$.fields")]
    if problems:
        return Preview(node_id, None, problems)
    # The designer edits both languages; the preview shows the form in the designer's own.
    shown = localized.document(document)
    compiled = compile_form(shown, node_id, version_key=("designer", digest(shown)))
    directory = services.directory()
    bound = compiled.bind(viewer=current_viewer(directory), directory=directory)
    return Preview(node_id, bound, [])
