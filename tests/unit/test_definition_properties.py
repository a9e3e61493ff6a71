"""Invariants of the definition pipeline, over generated definitions: whatever the validator
accepts compiles and renders for every node, a post of nothing never crashes the server side,
and a document survives export and import unchanged."""

from __future__ import annotations

import itertools

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from werkzeug.datastructures import MultiDict

from form_builder.blueprint import blueprint
from form_builder.compiler import compile_form
from form_builder.directory import Viewer
from form_builder.format import dump_document, load_document, parse_json, upgrade
from form_builder.rendering import render_form
from form_builder.submission import apply_submission
from form_builder.validator import validate
from plugins.registry import node_types
from tests.hypothesis_profiles import examples
from tests.strategies import DemoDirectory, definitions

VIEWER = Viewer("staff", "SLS/SALES", frozenset({"Staff"}))
_versions = itertools.count()


@pytest.fixture(scope="module")
def request_context():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="property-tests", WTF_CSRF_ENABLED=False)
    app.register_blueprint(blueprint)
    with app.test_request_context():
        yield app


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=definitions())
def test_every_accepted_definition_compiles_and_renders_at_every_node(request_context, document):
    directory = DemoDirectory()
    document = load_document(document)
    assert validate(document, node_types(), directory) == []
    version_key = ("property", next(_versions))
    for node in document["nodes"]:
        compiled = compile_form(document, node["id"], version_key=version_key)
        bound = compiled.bind(viewer=VIEWER, directory=directory)
        html = str(render_form(bound))
        for field in document["fields"]:
            shown = compiled.access.get(field["key"]) != "hidden"
            assert (f'data-oa-field="{field["key"]}"' in html) == shown, field["key"]
        assert "<script" not in html
        result = apply_submission(
            compiled,
            old_values=compiled.initial_values({}, VIEWER, directory),
            formdata=MultiDict(),
            files=MultiDict(),
            viewer=VIEWER,
            directory=directory,
            attachments=None,
        )
        assert result.ok or result.errors


@settings(max_examples=examples(100), deadline=None)
@given(document=definitions())
def test_export_then_import_round_trips_exactly(document):
    exported = dump_document(load_document(document))
    imported = load_document(parse_json(exported))
    # The strategies draw format-1 documents: import lifts them to the current format.
    assert imported == upgrade(document)
    assert dump_document(imported) == exported
