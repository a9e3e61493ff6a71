"""Definitions travel as JSON files: export, then import, gives the same document; a failed
import imports nothing and names the file and JSON path of every problem."""

from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import select

from form_builder import services
from form_builder.models import DefinitionVersion, ProcessDefinition
from tests.conftest import login

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "definitions"


def test_export_then_import_round_trips_exactly(demo, tmp_path):
    runner = demo.test_cli_runner()
    exported = tmp_path / "expense.json"
    result = runner.invoke(
        args=["oa", "definitions", "export", "expense_claim", "-o", str(exported)]
    )
    assert result.exit_code == 0, result.output
    renamed = json.loads(exported.read_text())
    renamed["key"] = "expense_copy"
    copy_file = tmp_path / "copy.json"
    copy_file.write_text(json.dumps(renamed), encoding="utf-8")

    result = runner.invoke(args=["oa", "definitions", "import", str(copy_file)])
    assert result.exit_code == 0, result.output
    assert "expense_copy version 1 (draft)" in result.output
    again = runner.invoke(args=["oa", "definitions", "export", "expense_copy"])
    assert json.loads(again.output) == renamed
    assert again.output.replace("expense_copy", "expense_claim") == exported.read_text()


def test_failed_import_imports_nothing_and_names_file_and_path(demo, tmp_path):
    good = tmp_path / "good.json"
    document = json.loads((EXAMPLES / "leave_request.json").read_text())
    document["key"] = "leave_copy"
    good.write_text(json.dumps(document))
    bad = tmp_path / "bad.json"
    broken = dict(document, key="leave_broken")
    broken["fields"] = [dict(broken["fields"][0], type="slider")]
    bad.write_text(json.dumps(broken))
    not_json = tmp_path / "typo.json"
    not_json.write_text('{"format": 1,\n "key": }')

    result = demo.test_cli_runner().invoke(
        args=["oa", "definitions", "import", str(good), str(bad), str(not_json)]
    )
    assert result.exit_code != 0
    assert f"{bad}: $.fields[0].type:" in result.output
    assert f"{not_json}: $: not valid JSON: Expecting value (line 2, column 9)" in result.output
    assert "Nothing was imported." in result.output
    keys = set(services.session().scalars(select(ProcessDefinition.key)))
    assert not keys & {"leave_copy", "leave_broken"}


def test_import_page_refuses_a_bad_file_with_its_json_path(client):
    login(client, "designer")
    document = json.loads((EXAMPLES / "expense_claim.json").read_text())
    document["nodes"][1]["assignee"] = {"rule": "users"}
    response = client.post(
        "/definitions/import",
        data={"files": [(io.BytesIO(json.dumps(document).encode()), "expense.json")]},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "Nothing was imported." in page
    assert (
        "<code>$.nodes[1].assignee</code>: Node 2 (Manager approval): the users must be given"
        in page
    )


def test_import_page_makes_a_draft_and_reports_what_to_fix_before_submission(client):
    login(client, "designer")
    document = json.loads((EXAMPLES / "expense_claim.json").read_text())
    document["key"] = "expense_unfinished"
    document["edges"] = document["edges"][:-1]
    response = client.post(
        "/definitions/import",
        data={"files": [(io.BytesIO(json.dumps(document).encode()), "expense.json")]},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "Expense claim v1</a> (draft)" in page
    assert "to fix before submission" in page
    session = services.session()
    version = (
        session.query(DefinitionVersion)
        .join(ProcessDefinition)
        .filter(ProcessDefinition.key == "expense_unfinished")
        .one()
    )
    assert version.document == document
