"""Rendering a form: Bootstrap 3 markup where every piece of user content is escaped."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from form_builder.blueprint import blueprint
from form_builder.rendering import render_form
from tests.unit.test_compiler import ALICE, FakeDirectory, compiled_for, document

SCRIPT = "<script>alert(1)</script>"
NASTY = [
    {"key": "intro", "type": "section", "label": f"Section {SCRIPT}", "help": SCRIPT},
    {"key": "title", "type": "text", "label": f"Title {SCRIPT}", "help": f"Help {SCRIPT}"},
    {
        "key": "kind",
        "type": "select",
        "label": "Kind",
        "options": [{"value": "x", "label": f"Option {SCRIPT}"}],
    },
    {
        "key": "tags",
        "type": "multi_select",
        "label": "Tags",
        "options": [{"value": "t", "label": f"Tag {SCRIPT}"}],
    },
    {"key": "note", "type": "textarea", "label": "Note"},
    {"key": "body", "type": "rich_text", "label": "Body"},
    {"key": "receipts", "type": "attachments", "label": "Receipts"},
    {
        "key": "items",
        "type": "table",
        "label": "Items",
        "columns": [{"key": "what", "type": "text", "label": f"What {SCRIPT}"}],
    },
    {"key": "who", "type": "user", "label": "Who"},
]
STORED = {
    "title": f"Value {SCRIPT}",
    "note": f"Line one\n{SCRIPT}",
    "body": f"<p>Fine <b>bold</b></p>{SCRIPT}<img src=x onerror=alert(2)>",
    "receipts": [{"id": "a" * 32, "name": f"{SCRIPT}.pdf", "size": 10, "type": "pdf"}],
    "items": [{"what": f"Row {SCRIPT}"}],
    "kind": "x",
    "who": "alice",
}


@pytest.fixture
def page():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=True)
    app.register_blueprint(blueprint)
    with app.test_request_context():
        yield app


def rendered(node: str, values=STORED, formdata=None) -> str:
    access = {field["key"]: "read" for field in NASTY} if node == "approve" else None
    compiled = compiled_for(node, document(NASTY, field_access=access))
    bound = compiled.bind(viewer=ALICE, directory=FakeDirectory(), values=values, formdata=formdata)
    return str(render_form(bound))


@pytest.mark.parametrize("node", ["start", "approve"])
def test_labels_help_options_and_values_containing_script_are_escaped(page, node):
    html = rendered(node)
    assert "<script" not in html
    assert "onerror" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_stored_rich_text_is_sanitized_before_it_is_marked_safe(page):
    html = rendered("approve")
    assert "<p>Fine <b>bold</b></p>" in html
    editable = rendered("start")
    assert 'contenteditable="true"' in editable and "<p>Fine <b>bold</b></p>" in editable


def test_the_form_carries_csrf_and_the_client_spec_in_data_attributes(page):
    html = rendered("start")
    assert 'name="csrf_token"' in html
    assert "data-oa-spec=" in html and "data-oa-values=" in html
    assert 'data-oa-row-template="items"' in html and 'name="items-__index__-what"' in html
    assert 'name="receipts-files"' in html and 'href="/form-builder/attachments/' in html


def test_read_only_fields_are_text_not_inputs(page):
    html = rendered("approve")
    assert html.count("<input") == 1 and 'name="csrf_token"' in html  # CSRF only
    assert "<select" not in html and "<textarea" not in html
    assert "Alice Ang" in html  # a user's display name, not the user name


def test_a_failed_post_shows_the_errors_next_to_the_fields(page):
    compiled = compiled_for("start", document(NASTY))
    bound = compiled.bind(
        viewer=ALICE,
        directory=FakeDirectory(),
        values={},
        formdata=MultiDict({"kind": f"{SCRIPT}"}),
    )
    bound.form.validate()
    html = str(render_form(bound))
    assert "has-error" in html and "is not one of the options" in html
    assert "<script" not in html


def test_hidden_fields_are_never_rendered(page):
    doc = document(NASTY)
    doc["nodes"][0]["field_access"] = {"title": "hidden"}
    compiled = compiled_for("start", doc)
    bound = compiled.bind(viewer=ALICE, directory=FakeDirectory(), values=STORED)
    html = str(render_form(bound))
    assert 'data-oa-field="title"' not in html and "Value &lt;script" not in html
    values = html.split('data-oa-values="', 1)[1].split('"', 1)[0]
    assert "title" not in json.loads(values.replace("&#34;", '"').replace("&amp;", "&"))


def test_person_fields_are_marked_for_the_people_picker_and_departments_are_not(page):
    """Issue 19: wherever a person is chosen, the picker's org tree and pinyin search stand in
    for the list of every user; the select it enhances still posts the user name."""
    fields = [
        {"key": "who", "type": "user", "label": "Who"},
        {"key": "unit", "type": "department", "label": "Unit"},
        {
            "key": "shifts",
            "type": "table",
            "label": "Shifts",
            "columns": [{"key": "person", "type": "user", "label": "On duty"}],
        },
    ]
    bound = compiled_for("start", document(fields)).bind(
        viewer=ALICE, directory=FakeDirectory(), values={"who": "alice"}
    )
    html = str(render_form(bound))
    selects = [tag.split(">", 1)[0] for tag in html.split("<select")[1:]]
    marked = {
        re.search(r'name="([^"]+)"', tag)[1]
        for tag in selects
        if 'data-oa-people="username"' in tag
    }
    assert marked == {"who", "shifts-__index__-person"}  # the row template's too
    assert '<option selected value="alice">' in html  # what it posts without script
