"""Table (明细表): rows of typed columns, stored as a list of row objects
(``{"column key": stored value}``); expressions see a :class:`~plugins.field_contract.Table`.

Each cell is a field of its column's type: the row form, the conversions and the post go
through the column types (:mod:`plugins.fields`). Computed columns are not in the row form;
the submission works them out over their row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import wtforms
from wtforms.fields.core import UnboundField

from plugins import field_kit, fields
from plugins.contract import N_, gettext
from plugins.field_contract import Container, FieldType, Post, ShapeError, Table


class TableField(FieldType):
    name = "table"
    label = N_("Table")
    icon = "fa-table"
    category = N_("Layout")
    rank = 150
    members = {
        "columns": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/column"}},
        "min_rows": {"type": "integer", "minimum": 0},
        "max_rows": {"type": "integer", "minimum": 1, "maximum": field_kit.ROW_CEILING},
    }
    required_members = ("columns",)
    container = Container.ROWS
    default_kinds = frozenset()
    widget = "table"
    expression_type = "table"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        max_rows = spec.get("max_rows", field_kit.ROW_CEILING)
        return wtforms.FieldList(
            wtforms.FormField(row_form(spec)),
            validators=[field_kit.RowCount(spec.get("min_rows", 0), max_rows)],
            # One more than allowed, so an oversized post is reported rather than truncated.
            max_entries=max_rows + 1,
            **field_kit.field_kwargs(spec),
        )

    def to_form_data(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return [
            {
                field_kit.attribute_name(column["key"]): fields.form_data(
                    column, row.get(column["key"])
                )
                for column in editable_columns(spec)
            }
            for row in stored
        ]

    def to_stored(self, spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
        rows = []
        for row in data or ():
            stored = {}
            for column in spec["columns"]:
                if fields.field_type(column).editable:
                    cell = row.get(field_kit.attribute_name(column["key"]))
                    stored[column["key"]] = fields.stored_value(column, cell)
                else:
                    stored[column["key"]] = None  # filled in by the submission's recomputation
            rows.append(stored)
        return rows

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        columns = spec["columns"]
        rows = (fields.expression_values(columns, row) for row in stored)
        return Table(rows, (column["key"] for column in columns))

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        columns = spec["columns"]
        row = {column["key"]: fields.sample_value(column) for column in columns}
        return Table([row], (column["key"] for column in columns))

    def encode_post(self, spec: Mapping[str, Any], name: str, value: Any, post: Post) -> None:
        columns = {column["key"]: column for column in spec["columns"]}
        for index, row in enumerate(field_kit.listed(value, N_("a list of rows"))):
            if not isinstance(row, Mapping):
                message = gettext(
                    "%(table)s, row %(row)s: must be an object of column values.",
                    table=spec["label"],
                    row=index + 1,
                )
                post.refuse(f"{name}-{index}", message)
                continue
            for column, cell in row.items():
                cell_name = f"{name}-{index}-{column}"
                # A column the table does not have is posted as text, and ignored as such.
                column_spec = columns.get(column, {"key": column, "type": "text", "label": column})
                try:
                    fields.encode_post(column_spec, cell_name, cell, post)
                except ShapeError as problem:
                    message = gettext(
                        "%(table)s, row %(row)s, %(column)s: %(problem)s.",
                        table=spec["label"],
                        row=index + 1,
                        column=column_spec["label"],
                        problem=problem,
                    )
                    post.refuse(cell_name, message)

    def problems(self, spec: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        if spec.get("min_rows", 0) > spec.get("max_rows", float("inf")):
            return [(None, gettext("min_rows is greater than max_rows"))]
        return []

    def new_field(self) -> dict[str, Any]:
        return {"columns": [{"key": "column_1", "type": "text", "label": "Column 1"}]}


def editable_columns(table: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The columns a row form has (computed ones are worked out, not entered)."""
    return [column for column in table["columns"] if fields.field_type(column).editable]


def row_form(table: Mapping[str, Any]) -> type[wtforms.Form]:
    """The WTForms form of one row: a field per editable column."""
    attributes = {
        field_kit.attribute_name(column["key"]): fields.field_type(column).form_field(column)
        for column in editable_columns(table)
    }
    return type(f"Row_{table['key']}", (wtforms.Form,), attributes)
