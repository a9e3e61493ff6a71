"""A third-party field type, registered through the registry like any plugin, is offered by
the designer, listed for administrators, checked by the schema and at publishing, compiled,
described to the page's scripts, posted (from a browser or as the API's JSON), stored,
computed with and shown read-only; one that carries uploads gets its files checked, stored and
listed: nothing else in the platform changes for them."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
import wtforms
from wtforms import validators
from wtforms.fields.core import UnboundField

from form_builder.compiler import client_field
from form_builder.exceptions import DefinitionFormatError
from form_builder.format import load_document
from form_builder.post_data import PostDataError, to_formdata
from form_builder.validator import validate
from oa_platform.extensions import db
from oa_platform.runtime.exceptions import InvalidSubmissionError
from oa_platform.runtime.models import Instance
from oa_platform.runtime.services import runtime
from plugins import field_kit
from plugins.field_contract import FieldType, Names
from plugins.field_types.attachments import Attachments
from plugins.registry import InstalledFieldType, field_types
from tests.conftest import login, user
from tests.runtime_helpers import chain, node, publish, refresh
from tests.strategies import NODE_TYPES


class Rating(FieldType):
    """One to ``stars`` stars, stored as a whole number; expressions see a number."""

    name = "rating"
    label = "Rating"
    icon = "fa-star"
    category = "Choices"
    rank = 115
    members = {"stars": {"type": "integer", "minimum": 2, "maximum": 10}}
    column = True
    expression_type = "number"
    literal_input = "number"

    def stars(self, spec: Mapping[str, Any]) -> int:
        return spec.get("stars", 5)

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        stars = self.stars(spec)
        return wtforms.IntegerField(
            validators=[
                *field_kit.presence(spec, input_required=True),
                validators.NumberRange(1, stars, message=f"must be 1 to {stars} stars."),
            ],
            **field_kit.field_kwargs(spec),
        )

    def to_form_data(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return int(stored)

    def to_stored(self, spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
        return None if data is None or data == "" else int(data)

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return Decimal(stored)

    def from_expression(self, spec: Mapping[str, Any], value: Any) -> Any:
        return int(value)

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return Decimal(3)

    def display(self, spec: Mapping[str, Any], value: Any, names: Names) -> str:
        return "★" * value + "☆" * (self.stars(spec) - value)

    def literal_fits(self, spec: Mapping[str, Any], value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


class Photos(Attachments):
    """Photographs of a site: a plugin's type carrying uploads, drawn as attachments are."""

    name = "photos"
    label = "Photos"
    icon = "fa-camera"
    rank = 145


@pytest.fixture
def rating():
    registry = field_types()
    registry.installed["rating"] = InstalledFieldType(Rating(), "tests: Rating", "0")
    yield
    del registry.installed["rating"]


@pytest.fixture
def photos():
    registry = field_types()
    registry.installed["photos"] = InstalledFieldType(Photos(), "tests: Photos", "0")
    yield
    del registry.installed["photos"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


SERVICE = {"key": "service", "type": "rating", "label": "Service", "required": True, "stars": 5}
DISHES = {
    "key": "dishes",
    "type": "table",
    "label": "Dishes",
    "columns": [
        {"key": "dish", "type": "text", "label": "Dish"},
        {"key": "taste", "type": "rating", "label": "Taste", "stars": 3},
        {
            "key": "doubled",
            "type": "computed",
            "label": "Doubled",
            "expression": "taste * 2",
            "result": "number",
        },
    ],
}
AVERAGE = {
    "key": "best",
    "type": "computed",
    "label": "Best taste",
    "expression": "max(dishes.taste)",
    "result": "number",
}


def feedback() -> dict:
    document = chain(
        "canteen_feedback",
        node("head_ok", "approval", ["head"]),
        fields=copy.deepcopy([SERVICE, DISHES, AVERAGE]),
    )
    document["nodes"].insert(2, {"id": "poor", "type": "condition", "name": "Poor service?"})
    document["edges"] = [
        {"from": "start", "to": "poor"},
        {"from": "poor", "to": "head_ok", "condition": "service <= 2"},
        {"from": "poor", "to": "end", "default": True},
        {"from": "head_ok", "to": "end"},
    ]
    return document


def problems(document) -> list[str]:
    return [problem.message for problem in validate(load_document(document), NODE_TYPES)]


def test_the_schema_takes_the_type_and_its_members_only_once_it_is_installed(rating):
    assert problems(feedback()) == []
    wrong = feedback()
    wrong["fields"].append({"key": "note", "type": "text", "label": "Note", "stars": 4})
    wrong["fields"][0]["stars"] = 11
    with pytest.raises(DefinitionFormatError) as raised:
        load_document(wrong)
    found = {(p.path, p.message) for p in raised.value.problems}
    assert ("$.fields[3]", "Field 4 (Note): 'stars' not allowed for 'text'") in found
    assert ("$.fields[0].stars", "Field 1 (Service): 'stars' may be at most 10") in found


def test_without_the_plugin_the_type_is_unknown():
    with pytest.raises(DefinitionFormatError) as raised:
        load_document(feedback())
    assert any(
        p.message.startswith("Field 1 (Service): the type must be one of: text, ")
        and p.message.endswith("(not 'rating')")
        for p in raised.value.problems
    )


def test_publishing_checks_its_expressions_and_defaults_by_the_type(rating):
    document = feedback()
    document["edges"][1]["condition"] = "service == 'good'"
    document["fields"][0]["default"] = {"kind": "literal", "value": 9}
    document["fields"][0]["visible_if"] = "best > 1"
    messages = problems(document)
    assert "field 'service': the default value 9 does not fit a rating field" in messages
    assert any("condition of edge poor -> head_ok: type error" in m for m in messages)
    assert not any("visibility" in m for m in messages)  # a computed over the column: a number
    document["fields"][0]["default"] = {"kind": "today"}
    assert "field 'service': the default 'today' does not fit a rating field" in problems(document)


def test_the_designer_offers_it_with_its_members(rating, client):
    login(client, "designer")
    page = client.get("/designer/").get_data(as_text=True)
    boot = json.loads(page.split('id="designer-boot">')[1].split("</script>")[0])
    offered = {entry["name"]: entry for entry in boot["fieldTypes"]}
    assert offered["rating"]["members"] == {"stars": Rating.members["stars"]}
    assert offered["rating"]["column"] is True and offered["rating"]["icon"] == "fa-star"
    assert offered["rating"]["expression_type"] == "number"
    assert offered["rating"]["uploads"] is False
    names = list(offered)
    assert names.index("checkbox") < names.index("rating") < names.index("user")  # its rank


def test_it_is_compiled_posted_stored_computed_with_and_shown(rating, client):
    publish(feedback())
    login(client, "staff")
    start_page = client.get("/processes/canteen_feedback/start").get_data(as_text=True)
    assert 'type="number"' in start_page and 'name="service"' in start_page

    data = {"service": 2, "dishes": [{"dish": "Noodles", "taste": 3}, {"dish": "Rice", "taste": 1}]}
    instance = refresh(runtime().submit(user("staff"), "canteen_feedback", to_formdata(
        feedback()["fields"], data
    )))  # fmt: skip
    assert instance.values["service"] == 2
    assert instance.values["dishes"] == [
        {"dish": "Noodles", "taste": 3, "doubled": 6},
        {"dish": "Rice", "taste": 1, "doubled": 2},
    ]
    assert instance.values["best"] == 3
    assert [t.node_id for t in instance.tasks if t.status == "open"] == ["head_ok"]  # service <= 2

    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "★★☆☆☆" in page  # the service, read-only as the type shows it
    assert "★☆☆" in page  # the rice's taste, in the read-only table


def test_a_value_out_of_its_range_or_of_the_wrong_shape_is_refused(rating, demo):
    publish(feedback())
    with pytest.raises(InvalidSubmissionError) as raised:
        runtime().submit(
            user("staff"), "canteen_feedback", to_formdata(feedback()["fields"], {"service": 6})
        )
    assert raised.value.errors == {"service": ["Service: must be 1 to 5 stars."]}
    with pytest.raises(PostDataError) as refused:
        to_formdata(feedback()["fields"], {"service": [1, 2], "dishes": [{"taste": {"x": 1}}]})
    assert refused.value.errors == {
        "service": ["Service: must be a single value."],
        "dishes-0-taste": ["Dishes, row 1, Taste: must be a single value."],
    }


def test_the_administrators_page_lists_it_beside_the_node_types(rating, client):
    login(client, "admin")
    page = client.get("/admin/node-types/").get_data(as_text=True)
    field_types_table = page.split('id="field-types"')[1].split("</table>")[0]
    row = field_types_table.split('data-oa-field-type="rating"')[1].split("</tr>")[0]
    assert "Rating" in row and "Choices" in row and "tests: Rating" in row and ">0<" in row
    assert 'data-oa-field-type="money"' in field_types_table  # the built-ins, listed alike
    assert 'id="node-types"' in page


def test_the_page_scripts_read_and_compute_with_it_as_its_type_says(rating):
    described = client_field(DISHES)
    taste = described["columns"][1]
    assert (taste["value"], taste["places"], taste["read"]) == ("number", None, "number")
    assert client_field(SERVICE)["read"] == "number"


def test_a_plugin_type_carrying_uploads_has_its_files_checked_stored_and_listed(photos, client):
    shots = {"key": "shots", "type": "photos", "label": "Shots", "required": True}
    publish(chain("site_visit", node("head_ok", "approval", ["head"]), fields=[
        {**shots, "accept": ["png"], "max_files": 1}
    ]))  # fmt: skip
    login(client, "staff")
    start = "/processes/site_visit/start"
    assert 'name="shots-files"' in client.get(start).get_data(as_text=True)

    refused = client.post(
        start,
        data={"shots-files": (io.BytesIO(PDF), "site.pdf"), "command": "submit"},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422  # the page again, with the field's problem
    assert "Shots: &#39;site.pdf&#39; is not an accepted type of file" in refused.get_data(
        as_text=True
    )

    sent = client.post(
        start,
        data={"shots-files": (io.BytesIO(PNG), "site.png"), "command": "submit"},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    instance_id = int(sent.headers["Location"].rstrip("/").split("/")[-1])
    [stored] = db.session.get(Instance, instance_id).values["shots"]
    assert (stored["name"], stored["type"]) == ("site.png", "png")

    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    listed = page.split('id="attachments"')[1]
    assert "site.png" in listed and f"/attachments/{stored['id']}" in listed
