"""How the application plugs its org directory, node types and unit of work into form_builder.

``form_builder`` never imports the runtime: the app calls :func:`init_app` with a directory
factory, the node-type registry and how a command runs (its unit of work), and views and
commands take them from here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from form_builder import localized
from form_builder.chain import node_names
from form_builder.compiler import CompiledForm, compile_form
from form_builder.directory import Directory
from form_builder.lifecycle import Lifecycle
from form_builder.lru import LRUCache
from form_builder.models import DefinitionVersion
from form_builder.spec import ProcessSpec, compile_spec
from form_builder.validator import NodeTypeSpec

T = TypeVar("T")


@dataclass(frozen=True)
class FormBuilderServices:
    directory_factory: Callable[[Session], Directory]
    node_types: Callable[[], Mapping[str, NodeTypeSpec]]
    # Runs a command's work on a session as one unit of work: commits, or rolls back and
    # re-raises (the app's ``unit_of_work``).
    run_command: Callable[[Session, Callable[[], Any]], Any]
    # Compiled forms, process specs and node names are cached per process; the token keeps two
    # apps (two databases, as in the test suite) from sharing entries for equal version ids.
    cache_token: str = field(default_factory=lambda: uuid.uuid4().hex)
    # An action (``agree``) as its button and the records name it, in the request's language:
    # the runtime owns those words (the review names the actions a node offers with them).
    action_word: Callable[[str], str] = field(default=lambda action: action.replace("_", " "))


def init_app(
    app: Flask,
    directory_factory: Callable[[Session], Directory],
    node_types: Callable[[], Mapping[str, NodeTypeSpec]],
    run_command: Callable[[Session, Callable[[], Any]], Any],
    action_word: Callable[[str], str] | None = None,
) -> None:
    from form_builder.blueprint import blueprint

    app.extensions["form_builder"] = FormBuilderServices(
        directory_factory,
        node_types,
        run_command,
        **({"action_word": action_word} if action_word is not None else {}),
    )
    # ``{{ document.description | text }}``: a definition's text as the request's language reads it.
    app.add_template_filter(localized.text, "text")
    app.register_blueprint(blueprint)


def services() -> FormBuilderServices:
    return current_app.extensions["form_builder"]


def session() -> Session:
    return current_app.appbuilder.session


def run(work: Callable[[], T]) -> T:
    """Run ``work`` as one command on the request's (or CLI's) session: committed when it
    returns, rolled back when it raises (the exception goes on)."""
    return services().run_command(session(), work)


def directory() -> Directory:
    return services().directory_factory(session())


def lifecycle() -> Lifecycle:
    """The lifecycle commands on the request's (or CLI's) database session."""
    return Lifecycle(session(), services().node_types(), directory())


# Published documents with their texts in one language (``form_builder.localized``): what
# forms, specs and traces are built from, made once per app, version and language.
_documents: LRUCache[dict[str, Any]] = LRUCache(256)


def shown_document(version: DefinitionVersion, language: str | None = None) -> dict[str, Any]:
    """The published ``version``'s document with every text as ``language`` (default: the
    request's) reads it. Shared: never change it."""
    language = language or localized.current_language()
    return _documents.get_or_build(
        (services().cache_token, version.id, language),
        lambda: localized.document(version.document, language),
    )


# The specs of published versions (which never change), per app like the compiled forms: the
# engines, the policy, the page and the API all read the same one.
_specs: LRUCache[ProcessSpec] = LRUCache(256)


def process_spec(version: DefinitionVersion) -> ProcessSpec:
    """The published ``version``'s process spec, compiled once per app, version and language:
    its node names and edge labels are those the request's language reads
    (``form_builder.localized``), as in the messages the engine words with them."""
    language = localized.current_language()
    return _specs.get_or_build(
        (services().cache_token, version.id, language),
        lambda: compile_spec(shown_document(version, language), services().node_types()),
    )


# Node names of published versions for the lists of tasks, which know only version ids: read
# from the documents of those not kept yet, in one statement, then kept per app.
_node_names: LRUCache[dict[str, str]] = LRUCache(256)


def published_node_names(session: Session, version_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Node id -> name (in the request's language) for each published version in
    ``version_ids``; a version's document is read (one statement for all missing) only the
    first time it is asked for in that language."""
    token = services().cache_token
    language = localized.current_language()
    found = {
        version_id: _node_names.get((token, version_id, language)) for version_id in version_ids
    }
    missing = [version_id for version_id, names in found.items() if names is None]
    if missing:
        documents = session.execute(
            select(DefinitionVersion.id, DefinitionVersion.document).where(
                DefinitionVersion.id.in_(missing)
            )
        )
        for version_id, document in documents:
            found[version_id] = _node_names.put(
                (token, version_id, language), node_names(document, language)
            )
    return found


def compiled(version: DefinitionVersion, node_id: str) -> CompiledForm:
    """The version's form as ``node_id`` sees it, compiled once per version, language and node:
    its labels, help and options are those the request's language reads."""
    language = localized.current_language()
    return compile_form(
        shown_document(version, language),
        node_id,
        version_key=(services().cache_token, version.id, language),
    )
