"""The server is the authority over a posted form: access, visibility, computed values,
sanitizing and attachment policy are decided here, whatever the browser sent."""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

import pytest
from flask import current_app, request
from sqlalchemy import inspect

from form_builder.attachments import AttachmentStore, FormAttachment
from form_builder.blueprint import blueprint
from form_builder.directory import Viewer
from form_builder.rendering import cells
from form_builder.submission import apply_submission
from oa_platform.extensions import db
from tests.conftest import login, user
from tests.unit.test_compiler import ALICE, ALL_FIELDS, FakeDirectory, compiled_for, document

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

# The items table and its totals, as the compiler tests have them, with row rules added.
SHARED = [copy.deepcopy(f) for f in ALL_FIELDS if f["key"] in {"items", "gross", "net"}]
del SHARED[0]["min_rows"]
SHARED[0]["columns"][0]["required"] = True
SHARED[0]["columns"][1]["min"] = 1

EXPENSE = [
    {"key": "title", "type": "text", "label": "Title", "required": True, "pattern": "[A-Z].*"},
    {"key": "amount", "type": "money", "label": "Amount", "required": True, "min": 1, "max": 500},
    {"key": "days", "type": "number", "label": "Days", "decimals": 0},
    {
        "key": "kind",
        "type": "select",
        "label": "Kind",
        "options": [{"value": "travel", "label": "Travel"}, {"value": "other", "label": "Other"}],
    },
    {
        "key": "reason",
        "type": "textarea",
        "label": "Reason",
        "required": True,
        "visible_if": "kind == 'other'",
    },
    *SHARED,
    {"key": "body", "type": "rich_text", "label": "Body"},
    {"key": "approver", "type": "user", "label": "Approver"},
    {"key": "on", "type": "date", "label": "Date"},
    {"key": "at", "type": "datetime", "label": "At"},
    {"key": "urgent", "type": "checkbox", "label": "Urgent"},
    {
        "key": "tags",
        "type": "multi_select",
        "label": "Tags",
        "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
    },
]
VALID = {"title": "Trip", "amount": "12.5", "kind": "travel"}


def submit(compiled, data, *, old=None, store=None, viewer=ALICE, uploader_id=None):
    with current_app.test_request_context(method="POST", data=data):
        return apply_submission(
            compiled,
            old_values=old or {},
            formdata=request.form,
            files=request.files,
            viewer=viewer,
            directory=FakeDirectory(),
            attachments=store,
            uploader_id=uploader_id,
        )


@pytest.fixture
def expense(ctx):
    return compiled_for("start", document(EXPENSE))


def test_a_valid_post_gives_every_type_its_stored_form(expense):
    result = submit(
        expense,
        {
            **VALID,
            "days": "3",
            "approver": "bob",
            "on": "2024-05-01",
            "at": "2024-05-01T08:15",
            "urgent": "y",
            "tags": ["a", "b"],
            "items-0-what": "Taxi",
            "items-0-qty": "2",
            "items-0-price": "10.25",
        },
    )
    assert result.ok, result.errors
    values = result.values
    assert values["amount"] == "12.50" and values["days"] == 3
    assert values["on"] == "2024-05-01" and values["at"] == "2024-05-01T08:15"
    assert values["urgent"] is True and values["tags"] == ["a", "b"]
    assert values["approver"] == "bob"
    assert values["items"] == [{"what": "Taxi", "qty": 2, "price": "10.25", "total": "20.50"}]
    assert values["net"] == "20.50" and values["gross"] == "41.00"
    assert result.changes["amount"] == (None, "12.50")


def test_required_range_pattern_and_option_errors_name_the_field(expense):
    result = submit(
        expense, {"title": "lower case", "amount": "900", "kind": "bribe", "days": "1.5"}
    )
    assert not result.ok
    assert result.errors["title"] == ["Title: does not have the required format."]
    assert result.errors["amount"] == ["Amount: must be between 1 and 500."]
    assert result.errors["kind"] == ["Kind: 'bribe' is not one of the options."]
    assert result.errors["days"] == ["Days: takes at most 0 decimal places."]
    missing = submit(expense, {"kind": "travel"})
    assert missing.errors["title"] == ["Title: is required."]
    assert missing.errors["amount"] == ["Amount: is required."]


def test_money_takes_two_decimal_places_and_a_number_must_be_a_number(expense):
    result = submit(expense, {**VALID, "amount": "1.005", "days": "three"})
    assert result.errors["amount"] == ["Amount: takes at most 2 decimal places."]
    assert result.errors["days"] == ["Days: is not a number."]


def test_table_errors_name_the_row_and_the_column(expense):
    rows = {
        "items-0-what": "Taxi",
        "items-0-qty": "1",
        "items-1-what": "",
        "items-1-qty": "1",
        "items-2-what": "Hotel",
        "items-2-qty": "0",
    }
    result = submit(expense, {**VALID, **rows})
    assert result.errors["items-1-what"] == ["Items, row 2, What: is required."]
    assert result.errors["items-2-qty"] == ["Items, row 3, Qty: must be at least 1."]
    too_many = {f"items-{i}-what": "x" for i in range(5)}
    assert submit(expense, {**VALID, **too_many}).errors["items"] == [
        "Items: takes at most 3 rows."
    ]


def test_a_field_whose_condition_does_not_hold_is_not_required_and_is_cleared(expense):
    result = submit(expense, {**VALID, "kind": "travel", "reason": "sneaked in"})
    assert result.ok, result.errors
    assert result.values["reason"] is None
    other = submit(expense, {**VALID, "kind": "other"})
    assert other.errors["reason"] == ["Reason: is required."]
    shown = submit(expense, {**VALID, "kind": "other", "reason": "Conference"})
    assert shown.values["reason"] == "Conference"


def test_a_hidden_section_hides_every_field_under_it_up_to_the_next_section(ctx):
    """A section groups the fields after it: while its condition does not hold, they are
    neither required, kept nor shown (in the page and in the browser's live spec)."""
    fields = [
        EXPENSE[3],  # kind: travel or other
        {"key": "trip", "type": "section", "label": "Trip", "visible_if": "kind == 'travel'"},
        {"key": "city", "type": "text", "label": "City", "required": True},
        {"key": "nights", "type": "number", "label": "Nights", "visible_if": "city != 'Home'"},
        {"key": "after", "type": "section", "label": "Anything else"},
        {"key": "note", "type": "text", "label": "Note"},
    ]
    compiled = compiled_for("start", document(fields))
    away = submit(compiled, {"kind": "other", "city": "Paris", "nights": "2", "note": "n"})
    assert away.ok, away.errors
    assert (away.values["city"], away.values["nights"], away.values["note"]) == (None, None, "n")
    assert submit(compiled, {"kind": "travel"}).errors["city"] == ["City: is required."]
    trip = submit(compiled, {"kind": "travel", "city": "Paris", "nights": "2"})
    assert (trip.values["city"], trip.values["nights"]) == ("Paris", 2)
    home = submit(compiled, {"kind": "travel", "city": "Home", "nights": "2"})
    assert home.values["nights"] is None  # its own condition still counts
    shown = {
        cell.key: cell.shown
        for row in cells(
            compiled.bind(viewer=ALICE, directory=FakeDirectory(), values=away.values, csrf=False)
        )
        for cell in row
    }
    assert shown == {"kind": True, "trip": False, "city": False, "nights": False} | {
        "after": True,
        "note": True,
    }
    live = compiled.client_spec["visible_if"]
    assert set(live) == {"trip", "city", "nights"}
    assert live["nights"]["node"] == "and" and live["city"]["node"] == "compare"


def test_computed_values_are_recomputed_on_the_server_whatever_the_post_says(expense):
    result = submit(
        expense,
        {
            **VALID,
            "items-0-what": "Taxi",
            "items-0-qty": "3",
            "items-0-price": "2.00",
            "items-0-total": "9999.00",
            "net": "9999.00",
            "gross": "1.00",
        },
        old={"net": "5.00", "gross": "10.00"},
    )
    assert result.ok, result.errors
    assert result.values["items"][0]["total"] == "6.00"
    assert result.values["net"] == "6.00" and result.values["gross"] == "12.00"
    assert result.ignored == ("gross", "items-0-total", "net")


def test_a_crafted_post_to_read_only_hidden_or_computed_fields_changes_nothing(ctx):
    doc = document(EXPENSE, field_access={"amount": "edit", "title": "read", "days": "hidden"})
    approve = compiled_for("approve", doc)
    old = {"title": "Trip", "amount": "12.00", "days": 2, "net": "0.00", "gross": "0.00"}
    old["items"] = [{"what": "Taxi", "qty": 1, "price": "1.00", "total": "1.00"}]
    result = submit(
        approve,
        {
            "amount": "13.00",
            "title": "Forged",
            "days": "99",
            "net": "1.00",
            "items-0-what": "Limousine",
        },
        old=old,
    )
    assert result.ok, result.errors
    assert result.values["title"] == "Trip" and result.values["days"] == 2
    assert result.values["items"] == old["items"]
    assert result.changes == {
        "amount": ("12.00", "13.00"),
        "net": ("0.00", "1.00"),
        "gross": ("0.00", "2.00"),
    }
    assert result.ignored == ("days", "items", "net", "title")


def test_a_failed_submission_changes_nothing(expense):
    old = {"title": "Trip", "amount": "12.00"}
    result = submit(expense, {"title": "", "amount": "13.00"}, old=old)
    assert not result.ok
    assert result.values == old and result.changes == {}
    assert result.values is not old


def test_rich_text_is_sanitized(expense):
    body = (
        '<p onclick="steal()">Hi <b>there</b><script>alert(1)</script>'
        '<img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
        '<a href="https://example.com">ok</a><style>p{}</style></p>'
    )
    result = submit(expense, {**VALID, "body": body})
    assert result.ok, result.errors
    assert result.values["body"] == (
        '<p>Hi <b>there</b><a rel="noopener noreferrer">x</a>'
        '<a href="https://example.com" rel="noopener noreferrer">ok</a></p>'
    )


# --- Attachments -----------------------------------------------------------------------------

RECEIPTS = [
    {"key": "receipts", "type": "attachments", "label": "Receipts", "max_files": 2},
    {
        "key": "photos",
        "type": "attachments",
        "label": "Photos",
        "accept": ["png"],
        "max_size_mb": 0.001,
    },
]


@pytest.fixture
def uploads(ctx):
    """A form with two attachments fields, the app's store and the uploader (a saved user)."""
    from oa_platform.demo import load_demo_data

    load_demo_data()
    store = AttachmentStore.for_app(ctx)
    return compiled_for("start", document(RECEIPTS)), store, user("staff").id


def files(**named):
    return {
        key: [(io.BytesIO(content), name) for name, content in items]
        for key, items in named.items()
    }


def test_an_oversized_file_is_refused(uploads):
    compiled, store, uploader = uploads
    result = submit(
        compiled,
        files(**{"photos-files": [("big.png", PNG + b"\x00" * 2000)]}),
        store=store,
        uploader_id=uploader,
    )
    assert result.errors["photos"] == ["Photos: 'big.png' is larger than 0.001 MB."]


def test_a_disallowed_type_is_refused_and_an_html_file_named_pdf_is_sniffed(uploads):
    compiled, store, uploader = uploads
    result = submit(
        compiled,
        files(**{"receipts-files": [("evil.pdf", HTML), ("tool.exe", b"MZ\x90\x00" + bytes(60))]}),
        store=store,
        uploader_id=uploader,
    )
    assert result.errors["receipts"] == [
        "Receipts: 'evil.pdf' is not a PDF file (its content is HTML).",
        "Receipts: 'tool.exe' is not an accepted type of file (its content is Windows "
        "Executable; accepted: .pdf, .png, .jpg, .jpeg, .docx, .xlsx).",
    ]
    assert result.new_attachments == ()
    assert not store.root.exists() or not any(store.root.rglob("*"))


def test_office_documents_are_judged_by_their_inner_structure(uploads):
    compiled, store, uploader = uploads

    def archive(**members):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as out:
            for name, content in members.items():
                out.writestr(name, content)
        return buffer.getvalue()

    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    docx = archive(**{"[Content_Types].xml": f'<Types><Override ContentType="{main}"/></Types>'})
    plain_zip = archive(**{"notes.txt": "hello"})
    result = submit(
        compiled,
        files(**{"receipts-files": [("letter.docx", docx), ("fake.docx", plain_zip)]}),
        store=store,
        uploader_id=uploader,
    )
    assert result.errors["receipts"] == [
        "Receipts: 'fake.docx' is not a Word document (its content is a ZIP archive)."
    ]
    assert submit(
        compiled,
        files(**{"receipts-files": [("letter.docx", docx)]}),
        store=store,
        uploader_id=uploader,
    ).ok


def test_too_many_files_are_refused(uploads):
    compiled, store, uploader = uploads
    posted = [(f"r{n}.pdf", PDF + bytes([n])) for n in range(3)]
    result = submit(
        compiled, files(**{"receipts-files": posted}), store=store, uploader_id=uploader
    )
    assert result.errors["receipts"] == ["Receipts: at most 2 files may be attached."]


def test_valid_files_are_stored_under_the_instance_folder_not_in_the_database(uploads):
    compiled, store, uploader = uploads
    result = submit(
        compiled,
        files(
            **{"receipts-files": [("../../etc/receipt.pdf", PDF)], "photos-files": [("p.png", PNG)]}
        ),
        store=store,
        uploader_id=uploader,
    )
    assert result.ok, result.errors
    db.session.add_all(result.new_attachments)
    db.session.commit()
    (receipt,) = result.values["receipts"]
    assert receipt["name"] == "receipt.pdf" and receipt["type"] == "pdf"
    assert receipt["size"] == len(PDF)
    row = db.session.get(FormAttachment, receipt["id"])
    path = store.path_for(row.sha256)
    assert path.read_bytes() == PDF
    assert path.is_relative_to(Path(current_app.instance_path))
    assert path.parent.name == row.sha256[:2]
    columns = {c["name"]: c["type"] for c in inspect(db.engine).get_columns("form_attachment")}
    assert set(columns) == {
        "id",
        "sha256",
        "file_name",
        "file_type",
        "size",
        "uploaded_by_id",
        "created_at",
    }
    assert result.values["photos"][0]["type"] == "png"


def test_unticked_current_files_are_dropped_and_others_kept(uploads):
    compiled, store, uploader = uploads
    first = submit(
        compiled,
        files(**{"receipts-files": [("a.pdf", PDF), ("b.pdf", PDF + b"b")]}),
        store=store,
        uploader_id=uploader,
    )
    keep = first.values["receipts"][1]["id"]
    second = submit(compiled, {"receipts-keep": [keep, "f" * 32]}, old=first.values, store=store)
    assert second.errors["receipts"] == [f"Receipts: '{'f' * 32}' is not one of the options."]
    third = submit(compiled, {"receipts-keep": [keep]}, old=first.values, store=store)
    assert [item["id"] for item in third.values["receipts"]] == [keep]


@pytest.fixture
def downloads(app):
    if "form_builder" not in app.blueprints:
        app.register_blueprint(blueprint)
    with app.app_context():
        from oa_platform.demo import load_demo_data

        load_demo_data()
        store = AttachmentStore.for_app(app)
        compiled = compiled_for("start", document(RECEIPTS))
        with app.test_request_context(
            method="POST", data=files(**{"receipts-files": [("r.pdf", PDF)]})
        ):
            result = apply_submission(
                compiled,
                old_values={},
                formdata=request.form,
                files=request.files,
                viewer=Viewer("staff"),
                directory=FakeDirectory(),
                attachments=store,
                uploader_id=user("staff").id,
            )
        db.session.add_all(result.new_attachments)
        db.session.commit()
        attachment_id = result.values["receipts"][0]["id"]
    return app.test_client(), f"/form-builder/attachments/{attachment_id}"


def test_the_uploader_may_download_an_attachment_as_a_file(downloads):
    client, url = downloads
    login(client, "staff")
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_another_user_or_a_stranger_gets_not_found_and_an_admin_may_download(downloads):
    client, url = downloads
    assert client.get(url).status_code == 404  # not signed in
    login(client, "hr")
    assert client.get(url).status_code == 404
    client.post("/logout/")
    login(client, "admin")
    assert client.get(url).status_code == 200
    assert client.get("/form-builder/attachments/" + "0" * 32).status_code == 404


def test_the_global_size_cap_applies_to_every_field(uploads):
    compiled, store, uploader = uploads
    current_app.config["OA_ATTACHMENT_MAX_MB"] = 0.0001
    result = submit(
        compiled,
        files(**{"receipts-files": [("r.pdf", PDF + bytes(200))]}),
        store=store,
        uploader_id=uploader,
    )
    assert result.errors["receipts"] == ["Receipts: 'r.pdf' is larger than 0.0001 MB."]
