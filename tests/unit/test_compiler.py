"""The compiler: a definition's form as one node sees it, as a cached WTForms class."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import datetime

import pytest
import wtforms
from flask import Flask
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from form_builder.compiler import compile_form, form_field
from form_builder.directory import NamedUser, Viewer

ALICE = Viewer("alice", department="FIN")
NOW = datetime(2024, 3, 9, 14, 30)


class FakeDirectory:
    """Users alice and bob, departments FIN and HR; ``users`` may be replaced per test, and
    ``closed`` names accounts closed when their holder left (named, never offered)."""

    def __init__(self, users=(("alice", "Alice Ang"), ("bob", "Bob Bai")), closed=()):
        self.users = list(users)
        self.closed = set(closed)
        self.asked = []  # the user names of each users_named call

    def active_user_exists(self, username):
        return username in dict(self.users)

    def role_exists(self, name):
        return False

    def department_exists(self, code):
        return code in {"FIN", "HR"}

    def company_exists(self, code):
        return False

    def position_exists(self, name):
        return False

    def users_named(self, usernames):
        self.asked.append(sorted(usernames))
        return {
            name: NamedUser(label, name not in self.closed)
            for name, label in self.users
            if name in usernames
        }

    def department_choices(self):
        return [("FIN", "Finance"), ("HR", "Human Resources")]

    def department_of(self, username):
        return {"alice": "FIN", "bob": "HR"}.get(username)


def document(fields=None, field_access=None):
    """A definition with one field of every type (or ``fields``); nodes start, approve, end."""
    approve = {"id": "approve", "type": "approval", "name": "Approve"}
    if field_access is not None:
        approve["field_access"] = field_access
    return {
        "format": 1,
        "key": "expense",
        "name": "Expense claim",
        "category": "Finance",
        "department": "FIN",
        "fields": copy.deepcopy(ALL_FIELDS if fields is None else fields),
        "nodes": [
            {"id": "start", "type": "start", "name": "Start"},
            approve,
            {"id": "end", "type": "end", "name": "End"},
        ],
        "edges": [{"from": "start", "to": "approve"}, {"from": "approve", "to": "end"}],
    }


ALL_FIELDS = [
    {"key": "intro", "type": "section", "label": "Claim"},
    {"key": "title", "type": "text", "label": "Title", "required": True, "width": "half"},
    {"key": "notes", "type": "textarea", "label": "Notes", "width": "half"},
    {"key": "days", "type": "number", "label": "Days", "decimals": 1, "width": "third"},
    {"key": "amount", "type": "money", "label": "Amount", "width": "third"},
    {"key": "on", "type": "date", "label": "Date", "width": "third"},
    {"key": "at", "type": "datetime", "label": "Departure"},
    {
        "key": "kind",
        "type": "select",
        "label": "Kind",
        "options": [{"value": "travel", "label": "Travel"}, {"value": "other", "label": "Other"}],
    },
    {
        "key": "tags",
        "type": "multi_select",
        "label": "Tags",
        "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
    },
    {
        "key": "class_",
        "type": "radio",
        "label": "Class",
        "options": [{"value": "eco", "label": "Economy"}, {"value": "bus", "label": "Business"}],
    },
    {"key": "urgent", "type": "checkbox", "label": "Urgent"},
    {"key": "approver", "type": "user", "label": "Approver"},
    {"key": "dept", "type": "department", "label": "Department"},
    {"key": "receipts", "type": "attachments", "label": "Receipts"},
    {"key": "body", "type": "rich_text", "label": "Body"},
    {
        "key": "items",
        "type": "table",
        "label": "Items",
        "min_rows": 1,
        "max_rows": 3,
        "columns": [
            {"key": "what", "type": "text", "label": "What"},
            {"key": "qty", "type": "number", "label": "Qty", "decimals": 0},
            {"key": "price", "type": "money", "label": "Price"},
            {
                "key": "total",
                "type": "computed",
                "label": "Total",
                "expression": "qty * price",
                "result": "money",
            },
        ],
    },
    {
        "key": "gross",
        "type": "computed",
        "label": "Gross",
        "expression": "net * 2",
        "result": "money",
    },
    {
        "key": "net",
        "type": "computed",
        "label": "Net",
        "expression": "sum(items.total)",
        "result": "money",
    },
]


def choices(field):
    return [(choice.value, choice.label) for choice in field.iter_choices()]


def compiled_for(node="start", doc=None):
    # A fresh version each time: documents differ between tests, the cache is process-wide.
    return compile_form(doc or document(), node, version_key=uuid.uuid4().hex)


@pytest.fixture
def request_ctx():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    with app.test_request_context():
        yield app


def test_every_field_type_but_computed_and_section_compiles_to_a_flask_form_field(request_ctx):
    compiled = compiled_for()
    assert issubclass(compiled.form_class, FlaskForm)
    form = compiled.bind(viewer=ALICE, directory=FakeDirectory()).form
    expected = {
        "title": wtforms.StringField,
        "notes": wtforms.TextAreaField,
        "days": wtforms.DecimalField,
        "amount": wtforms.DecimalField,
        "on": wtforms.DateField,
        "at": wtforms.DateTimeLocalField,
        "kind": wtforms.SelectField,
        "tags": wtforms.SelectMultipleField,
        "class_": wtforms.RadioField,
        "urgent": wtforms.BooleanField,
        "approver": wtforms.SelectField,
        "dept": wtforms.SelectField,
        "receipts": wtforms.FormField,
        "body": wtforms.TextAreaField,
        "items": wtforms.FieldList,
    }
    for key, field_class in expected.items():
        field = form_field(form, key)
        assert isinstance(field, field_class), key
        assert field.name == key  # the HTML name is the definition's key
    for key in ("intro", "gross", "net"):
        assert form_field(form, key) is None


def test_a_key_that_is_a_wtforms_attribute_does_not_break_the_form(request_ctx):
    fields = [{"key": key, "type": "text", "label": key} for key in ("data", "errors", "meta")]
    form = compiled_for(doc=document(fields)).bind(viewer=ALICE, directory=FakeDirectory()).form
    assert form_field(form, "data").name == "data"
    assert isinstance(form.errors, dict)


def test_the_start_node_edits_every_field_and_other_nodes_read_them():
    assert set(compiled_for("start").access.values()) == {"edit", "read"}
    start = compiled_for("start").access
    assert start["title"] == "edit" and start["net"] == "read" and start["intro"] == "read"
    assert set(compiled_for("approve").access.values()) == {"read"}


def test_explicit_field_access_wins_but_computed_and_section_never_become_editable():
    access = {"title": "hidden", "amount": "edit", "net": "edit", "intro": "edit"}
    compiled = compiled_for("approve", document(field_access=access))
    assert compiled.access["title"] == "hidden"
    assert compiled.access["amount"] == "edit"
    assert compiled.access["net"] == "read"
    assert compiled.access["intro"] == "read"
    assert compiled.access["notes"] == "read"  # not named: the node's default
    assert [name for name in compiled.form_class.__dict__ if name.startswith("f_")] == ["f_amount"]


def test_hidden_fields_are_not_in_the_form_the_layout_or_the_client_spec(request_ctx):
    doc = document()
    doc["nodes"][0]["field_access"] = {"notes": "hidden"}
    compiled = compiled_for("start", doc)
    form = compiled.bind(viewer=ALICE, directory=FakeDirectory()).form
    assert form_field(form, "notes") is None
    assert all("notes" not in row for row in compiled.layout)
    assert "notes" not in compiled.client_spec_json


def test_the_layout_packs_half_and_third_widths_into_rows_of_one_to_three_fields():
    layout = compiled_for().layout
    assert layout[:4] == (("intro",), ("title", "notes"), ("days", "amount", "on"), ("at",))
    assert all(1 <= len(row) <= 3 for row in layout)


def test_defaults_are_taken_from_the_viewer_when_the_form_is_bound(request_ctx):
    fields = [
        {"key": "who", "type": "user", "label": "Who", "default": {"kind": "current_user"}},
        {
            "key": "unit",
            "type": "department",
            "label": "Unit",
            "default": {"kind": "current_department"},
        },
        {"key": "day", "type": "date", "label": "Day", "default": {"kind": "today"}},
        {"key": "at", "type": "datetime", "label": "At", "default": {"kind": "now"}},
        {"key": "n", "type": "number", "label": "N", "default": {"kind": "literal", "value": 3}},
    ]
    compiled = compiled_for(doc=document(fields))
    bob = Viewer("bob")  # no department on the viewer: the directory knows it
    bound = compiled.bind(viewer=bob, directory=FakeDirectory(), now=NOW)
    assert bound.values == {
        "who": "bob",
        "unit": "HR",
        "day": "2024-03-09",
        "at": "2024-03-09T14:30",
        "n": 3,
    }
    assert form_field(bound.form, "who").data == "bob"
    assert form_field(bound.form, "day").data == NOW.date()
    alice = compiled.bind(viewer=ALICE, directory=FakeDirectory(), now=NOW)
    assert alice.values["who"] == "alice" and alice.values["unit"] == "FIN"


def test_a_default_does_not_refill_a_field_that_was_cleared_on_purpose(request_ctx):
    fields = [{"key": "who", "type": "user", "label": "Who", "default": {"kind": "current_user"}}]
    bound = compiled_for(doc=document(fields)).bind(
        viewer=ALICE, directory=FakeDirectory(), values={"who": None}
    )
    assert bound.values == {"who": None}


def test_a_published_version_is_compiled_once_per_node():
    doc = document()
    first = compile_form(doc, "start", version_key="v-cache")
    assert compile_form(doc, "start", version_key="v-cache") is first
    assert compile_form(doc, "approve", version_key="v-cache") is not first
    assert compile_form(doc, "start", version_key="v-cache-2") is not first


def test_a_user_picker_holds_only_the_person_chosen_and_asks_the_directory_once(request_ctx):
    """Issue 19 at company scale: the people picker finds everyone; the select lists the
    person it holds now (looked up at bind time, never cached with the class), so a form
    does not carry 100,000 names. A posted user name is accepted exactly when the directory
    offers it; an account closed since is still named where it was chosen, never offered."""
    compiled = compiled_for()
    directory = FakeDirectory(users=[("alice", "Alice Ang"), ("carol", "Carol Cao")])
    held = compiled.bind(viewer=ALICE, directory=directory, values={"approver": "carol"})
    assert choices(form_field(held.form, "approver")) == [("", ""), ("carol", "Carol Cao")]
    assert choices(form_field(held.form, "dept"))[1:] == [
        ("FIN", "Finance"),
        ("HR", "Human Resources"),
    ]
    assert directory.asked == [["carol"]]  # one query for every person the form holds
    assert "carol" not in compiled.client_spec_json

    def posted(who, directory):
        bound = compiled.bind(
            viewer=ALICE, directory=directory, formdata=MultiDict({"approver": who})
        )
        form_field(bound.form, "approver").validate(bound.form)
        return form_field(bound.form, "approver")

    assert posted("alice", FakeDirectory()).errors == []
    assert posted("mallory", FakeDirectory()).errors == ["'mallory' is not one of the options."]
    left = posted("bob", FakeDirectory(closed={"bob"}))
    assert left.errors == ["'bob' is not one of the options."]
    assert choices(left) == [("", "")]
    reader = compiled_for("approve").bind(
        viewer=ALICE, directory=FakeDirectory(closed={"bob"}), values={"approver": "bob"}
    )
    assert reader.display_name("user", "bob") == "Bob Bai"  # who chose then, named now


def test_a_new_table_starts_with_its_minimum_rows_and_pickers_in_rows_get_choices(request_ctx):
    fields = [
        {
            "key": "legs",
            "type": "table",
            "label": "Legs",
            "min_rows": 2,
            "columns": [
                {"key": "who", "type": "user", "label": "Who", "default": {"kind": "current_user"}}
            ],
        }
    ]
    bound = compiled_for(doc=document(fields)).bind(viewer=ALICE, directory=FakeDirectory())
    rows = form_field(bound.form, "legs").entries
    assert len(rows) == 2
    assert choices(form_field(rows[1].form, "who"))[1] == ("alice", "Alice Ang")
    assert form_field(rows[1].form, "who").data == "alice"
    template = bound.row_template("legs")
    assert form_field(template, "who").name == "legs-__index__-who"


def test_the_client_spec_has_visibility_and_computed_expressions_in_dependency_order():
    fields = [
        *ALL_FIELDS,
        {"key": "why", "type": "text", "label": "Why", "visible_if": "kind == 'other'"},
    ]
    compiled = compiled_for(doc=document(fields))
    spec = compiled.client_spec
    assert [item["key"] for item in spec["computed"]] == ["net", "gross"]
    assert spec["visible_if"]["why"]["node"] == "compare"
    assert spec["tables"]["items"]["computed"][0]["key"] == "total"
    assert spec["tables"]["items"]["min_rows"] == 1 and spec["tables"]["items"]["max_rows"] == 3
    assert json.loads(compiled.client_spec_json) == json.loads(json.dumps(dict(spec)))


def test_an_expression_reading_a_field_hidden_from_the_node_is_left_to_the_server():
    fields = [
        {"key": "secret", "type": "number", "label": "Secret"},
        {"key": "shown", "type": "text", "label": "Shown", "visible_if": "secret > 1"},
        {
            "key": "double",
            "type": "computed",
            "label": "Double",
            "expression": "secret * 2",
            "result": "number",
        },
    ]
    doc = document(fields)
    doc["nodes"][0]["field_access"] = {"secret": "hidden"}
    compiled = compiled_for(doc=doc)
    assert compiled.client_spec["visible_if"] == {}
    assert compiled.client_spec["computed"] == []
    assert set(compiled.visibility) == {"shown"}  # the server still evaluates it
