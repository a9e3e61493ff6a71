"""Form costs: a generated definition of ``size.form_fields`` fields (one of them a table
posted with ``size.form_rows`` rows) published like any other, then compiled cold (a version
never compiled before), rendered and validated warm (from the compiled-form cache)."""

from __future__ import annotations

import itertools
import time
from datetime import date
from typing import Any

from benchmarks import apps
from benchmarks.report import emit, percentiles_ms, stopwatch
from benchmarks.sizes import Size

NAME = "forms"
OPTIONS = [{"value": f"o{n}", "label": f"Option {n}"} for n in range(8)]
# (field type, members, stored value) cycled through to make the scalar fields.
KINDS: list[tuple[str, dict[str, Any], Any]] = [
    ("text", {"max_length": 200}, "Some text"),
    ("textarea", {"max_length": 2000}, "Line one\nLine two"),
    ("number", {"min": 0, "max": 1000, "decimals": 2}, 12.5),
    ("money", {"min": 0}, "1234.50"),
    ("date", {}, date.today().isoformat()),
    ("select", {"options": OPTIONS}, "o3"),
    ("radio", {"options": OPTIONS[:3]}, "o1"),
    ("checkbox", {}, True),
    ("user", {}, "staff"),
    ("department", {}, "SLS/SALES"),
    ("multi_select", {"options": OPTIONS}, ["o1", "o2"]),
]
TABLE_COLUMNS = [
    {"key": "day", "type": "date", "label": "Day", "required": True},
    {"key": "item", "type": "text", "label": "Item", "max_length": 100},
    {"key": "quantity", "type": "number", "label": "Quantity", "min": 1},
    {"key": "price", "type": "money", "label": "Unit price", "min": 0},
    {
        "key": "subtotal",
        "type": "computed",
        "label": "Subtotal",
        "expression": "quantity * price",
        "result": "money",
    },
]


def definition(fields: int, rows: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document, stored values to post): ``fields - 1`` scalar fields and the table."""
    specs, values = [], {}
    for n, (kind, members, value) in zip(range(fields - 1), itertools.cycle(KINDS)):
        key = f"f{n}_{kind}"
        specs.append({"key": key, "type": kind, "label": f"Field {n}", **members})
        if n % 3 == 0:
            specs[-1]["required"] = True
        if n % 7 == 6 and n > 7:  # some fields show only while the first checkbox is ticked
            specs[-1]["visible_if"] = "f7_checkbox"
        values[key] = value
    table = {"key": "lines", "type": "table", "label": "Lines", "min_rows": 1, "max_rows": 500}
    specs.append({**table, "columns": TABLE_COLUMNS})
    day = date.today().isoformat()
    values["lines"] = [
        {"day": day, "item": f"Item {n}", "quantity": n + 1, "price": "9.90"} for n in range(rows)
    ]
    document = {
        "format": 1,
        "key": f"bench_form_{fields}",
        "name": f"Benchmark form ({fields} fields)",
        "category": "Administration",
        "department": "IT",
        "fields": specs,
        "nodes": [
            {"id": "start", "type": "start", "name": "Applicant"},
            {"id": "end", "type": "end", "name": "End"},
        ],
        "edges": [{"from": "start", "to": "end"}],
    }
    return document, values


def _timed(repeats: int, work) -> list[float]:
    took = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        took.append(time.perf_counter() - start)
    return took


def run(size: Size) -> None:
    """Emit cold compile, warm render and warm validate times."""
    from form_builder import services
    from form_builder.directory import Viewer
    from form_builder.post_data import to_formdata
    from form_builder.rendering import render_form
    from form_builder.submission import apply_submission
    from oa_platform.extensions import db

    document, values = definition(size.form_fields, size.form_rows)
    with apps.running(apps.databases("forms")[0]) as app:
        lifecycle = services.lifecycle()
        designer = app.appbuilder.sm.find_user(username="designer")
        version = lifecycle.save_draft(designer, document)
        lifecycle.submit(designer, version)
        lifecycle.approve(app.appbuilder.sm.find_user(username="mc"), version, "Reviewed.")
        lifecycle.publish(designer, version)
        db.session.commit()
        directory = services.directory()
        viewer = Viewer("staff", "SLS/SALES", frozenset({"Staff"}))
        formdata = to_formdata(document["fields"], values)
        with stopwatch() as cold:
            compiled = services.compiled(version, "start")
        with app.test_request_context("/"):

            def render() -> None:
                render_form(compiled.bind(viewer=viewer, directory=directory, values=values))

            def validate() -> None:
                result = apply_submission(
                    compiled,
                    old_values={},
                    formdata=formdata,
                    files=None,
                    viewer=viewer,
                    directory=directory,
                    attachments=None,
                )
                if not result.ok:
                    raise RuntimeError(f"the generated form does not validate: {result.errors}")

            validate()  # once untimed: its errors, if any, say what the generator got wrong
            renders = _timed(size.form_repeats, render)
            validations = _timed(size.form_repeats, validate)
    common = {"fields": size.form_fields, "table_rows": size.form_rows}
    emit(NAME, "compile_cold", **common, ms=round(cold[0] * 1000, 2))
    emit(NAME, "render_warm", **common, samples=len(renders), **percentiles_ms(renders))
    emit(NAME, "validate_warm", **common, samples=len(validations), **percentiles_ms(validations))
