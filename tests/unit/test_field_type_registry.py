"""Field types are found through entry points, built-in ones exactly like third-party ones; the
definition schema, the docs and the designer's palette agree with the registry; a broken or
clashing plugin is reported and skipped, and the platform runs on."""

from __future__ import annotations

import json
import re
from importlib.metadata import EntryPoint
from pathlib import Path

from form_builder.compiler import client_field
from form_builder.designer.document import field_type_palette
from form_builder.field_schema import assemble, built_in_types, file_text, schema_path
from form_builder.format import schema
from plugins.field_contract import FieldType
from plugins.registry import FIELD_GROUP, FieldTypeRegistry, field_types

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN = {
    "text", "textarea", "rich_text", "number", "money", "date", "datetime", "select", "radio",
    "multi_select", "checkbox", "user", "department", "attachments", "table", "computed",
    "section", "security_level", "recipients",
}  # fmt: skip


class Phone(FieldType):
    name = "phone"
    label = "Phone number"
    members = {"country": {"type": "string", "pattern": "^[A-Z]{2}$"}}


class BadMembers(FieldType):
    name = "bad_members"
    label = "Bad members"
    members = {"size": {"type": "no-such-type"}}


class Redefines(FieldType):
    name = "redefines"
    label = "Redefines label"
    members = {"label": {"type": "string"}}


class OddWidget(FieldType):
    name = "odd_widget"
    label = "Odd widget"
    widget = "slider"


class HiddenUploads(FieldType):
    name = "hidden_uploads"
    label = "Uploads without an upload control"
    uploads = True


class PlacesOnText(FieldType):
    name = "places_on_text"
    label = "Text with decimals"
    fixed_places = 2


class LooseOptions(FieldType):
    name = "loose_options"
    label = "Loose options"
    members = {"options": {"type": "array"}}  # not the choice types' options


class Text(FieldType):
    name = "text"
    label = "Another text"


def point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=FIELD_GROUP)


def shipped_schema() -> dict:
    return json.loads(schema_path().read_text(encoding="utf-8"))


def test_built_in_field_types_are_registered_through_entry_points():
    registry = field_types()
    assert registry.problems == []
    built_in = {name for name in registry if type(registry[name]).__module__.startswith("plugins.")}
    assert built_in == BUILT_IN
    assert registry.installed["money"].source.startswith("oa-platform ")


def test_every_field_type_in_the_json_schema_is_registered_and_vice_versa():
    shipped = shipped_schema()["$defs"]
    names = [kind.name for kind in built_in_types()]
    assert shipped["field"]["properties"]["type"]["enum"] == names
    assert set(names) == BUILT_IN
    columns = shipped["column"]["properties"]["type"]["enum"]
    assert columns == [kind.name for kind in built_in_types() if kind.column]
    members = {member for kind in built_in_types() for member in kind.members}
    assert set(shipped["typeMembers"]["properties"]) == members
    # The schema the platform validates with names every installed type, plugins included.
    assert schema()["$defs"]["field"]["properties"]["type"]["enum"] == list(field_types())


def test_the_schema_file_is_what_the_built_in_types_assemble():
    current = schema_path().read_text(encoding="utf-8")
    assembled = file_text(assemble(json.loads(current), built_in_types()))
    assert assembled == current, "run .venv/bin/python -m form_builder.field_schema"


def test_the_definition_format_documents_every_built_in_type():
    text = (ROOT / "docs" / "definition-format.md").read_text(encoding="utf-8")
    table = text.split("### Field types and their stored values")[1].split("\n\n")[2]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE))
    assert documented == BUILT_IN


def test_the_palette_lists_the_types_in_rank_order_with_their_members():
    palette = field_type_palette(field_types())
    names = [entry["name"] for entry in palette]
    assert names[:3] == ["text", "textarea", "rich_text"] and names[-1] == "section"
    by_name = {entry["name"]: entry for entry in palette}
    assert by_name["select"]["members"]["options"]["minItems"] == 1
    assert by_name["select"]["new_field"] == {
        "options": [{"value": "option_1", "label": "Option 1"}]
    }
    assert by_name["table"]["container"] == "rows" and not by_name["table"]["column"]
    assert by_name["computed"]["editable"] is False
    assert by_name["computed"]["value_labels"]["result"]["boolean"] == "Yes / no"
    assert by_name["user"]["default_kinds"] == ["current_user", "literal"]
    assert by_name["money"]["expression_type"] == "number"
    assert [name for name in names if by_name[name]["uploads"]] == ["attachments"]
    json.dumps(palette)  # the page carries it as JSON


def test_the_page_scripts_learn_from_each_type_how_to_read_and_compute_with_it():
    def described(spec: dict) -> tuple:
        found = client_field({"key": "x", "label": "X", **spec})
        return found["value"], found["places"], found["read"]

    assert described({"type": "money"}) == ("number", 2, "number")
    assert described({"type": "number"}) == ("number", None, "number")
    assert described({"type": "datetime"}) == ("date and time", None, "text")
    assert described({"type": "checkbox"}) == ("boolean", None, "checked")
    assert described({"type": "multi_select", "options": []}) == ("list", None, "checked_values")
    assert described({"type": "radio", "options": []}) == ("text", None, "chosen")
    assert described({"type": "attachments"}) == ("list", None, "files")
    assert described({"type": "section"}) == (None, None, None)
    computed = {"type": "computed", "expression": "1", "result": "money"}
    assert described(computed) == ("number", 2, None)  # its result's values, no control
    table = client_field(
        {"key": "t", "type": "table", "label": "T", "columns": [{**computed, "key": "c"}]}
    )
    assert (table["read"], table["columns"][0]["read"]) == ("rows", None)


def test_a_plugin_is_loaded_beside_the_built_ins():
    registry = FieldTypeRegistry.from_entry_points(
        [point("text", "plugins.field_types.text:Text"), point("phone", f"{__name__}:Phone")]
    )
    assert list(registry) == ["text", "phone"]  # built-ins rank first, plugins after
    assert registry.problems == []


def test_a_plugin_that_fails_to_import_is_reported_and_skipped():
    registry = FieldTypeRegistry.from_entry_points(
        [point("phone", f"{__name__}:Phone"), point("ghost", "no_such_package.fields:Ghost")]
    )
    assert list(registry) == ["phone"]
    [problem] = registry.problems
    assert problem.entry_point == "ghost"
    assert problem.message.startswith("failed to import: ModuleNotFoundError")
    assert "Traceback" in problem.detail


def test_wrong_classes_and_invalid_declarations_are_refused():
    registry = FieldTypeRegistry.from_entry_points(
        [
            point("not_a_type", f"{__name__}:point"),
            point("mobile", f"{__name__}:Phone"),
            point("bad_members", f"{__name__}:BadMembers"),
            point("redefines", f"{__name__}:Redefines"),
            point("odd_widget", f"{__name__}:OddWidget"),
            point("hidden_uploads", f"{__name__}:HiddenUploads"),
            point("places_on_text", f"{__name__}:PlacesOnText"),
        ]
    )
    assert len(registry) == 0
    messages = [p.message for p in registry.problems]
    assert messages[0] == f"{__name__}:point is not a FieldType subclass"
    assert messages[1] == "entry point 'mobile' must have the type's name 'phone'"
    assert "members of 'bad_members' are not valid JSON Schemas" in messages[2]
    assert messages[3] == "field type 'redefines' redefines common members: 'label'"
    assert messages[4] == "field type 'odd_widget' names an unknown widget: 'slider'"
    assert messages[5] == (
        "field type 'hidden_uploads': uploads and the 'attachments' widget go together"
    )
    assert messages[6] == "field type 'places_on_text': fixed_places is for number types"


def test_a_member_declared_unlike_a_built_in_one_refuses_the_plugin_not_the_built_in():
    registry = FieldTypeRegistry.from_entry_points(
        [
            point("loose_options", f"{__name__}:LooseOptions"),
            point("select", "plugins.field_types.select:Select"),
        ]
    )
    assert list(registry) == ["select"]
    [problem] = registry.problems
    assert problem.message.startswith(
        "field type 'loose_options' declares member 'options' unlike field type 'select'"
    )


def test_two_plugins_claiming_one_name_are_both_refused_naming_both_sources():
    registry = FieldTypeRegistry.from_entry_points(
        [point("text", "plugins.field_types.text:Text"), point("text", f"{__name__}:Text")]
    )
    assert "text" not in registry
    assert len(registry.problems) == 2
    message = registry.problems[0].message
    assert message.startswith("field type 'text' is claimed twice, by ")
    assert "plugins.field_types.text:Text" in message and f"{__name__}:Text" in message
