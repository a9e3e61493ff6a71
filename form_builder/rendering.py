"""Render a bound form as Flask-AppBuilder (Bootstrap 3) markup.

In a page template, inside ``<form method="post" enctype="multipart/form-data">`` and with
``form_builder/expression.js`` then ``form_builder/form.js`` loaded::

    {{ render_form(bound) }}

``render_form`` is a template global registered by the ``form_builder`` blueprint; it renders
``templates/form_builder/form.html``. Every label, help text, option and value is escaped by
Jinja's autoescape; stored rich text is sanitized again before it is marked safe.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import wtforms
from flask import render_template, url_for
from markupsafe import Markup

from form_builder.attachments import DEFAULT_ACCEPT, extensions
from form_builder.compiler import HIDDEN, BoundForm, column_class, form_field
from form_builder.expression import holds
from form_builder.values import expression_values
from plugins.fields import field_type
from plugins.sanitize import clean_html

EMPTY = "—"


@dataclass(frozen=True)
class Cell:
    """One field in the layout: what the template needs to draw it."""

    key: str
    spec: Mapping[str, Any]
    access: str
    field: wtforms.Field | None  # None unless the node edits it
    column_class: str
    shown: bool  # its visible_if holds (or it has none)
    value: Any  # the stored value as the form stands


def cells(bound: BoundForm) -> list[list[Cell]]:
    """The layout's rows of cells, visibility evaluated over the current values."""
    compiled = bound.compiled
    current = bound.current_values()
    names = expression_values(compiled.fields, current)
    rows = []
    for row in compiled.layout:
        rows.append(
            [
                Cell(
                    key=key,
                    spec=compiled.by_key[key],
                    access=compiled.access[key],
                    field=bound.field(key),
                    column_class=column_class(compiled.by_key[key]),
                    shown=key not in compiled.visibility or holds(compiled.visibility[key], names),
                    value=current.get(key),
                )
                for key in row
            ]
        )
    return rows


class Display:
    """Read-only text of stored values, in the viewer's terms (option labels, names): each
    field's type says how its values read (``FieldType.display``)."""

    def __init__(self, bound: BoundForm) -> None:
        self._bound = bound

    def __call__(self, spec: Mapping[str, Any], value: Any) -> str | Markup:
        """The text shown for ``value`` of field or column ``spec``."""
        if value is None or value == "" or value == []:
            return EMPTY
        return field_type(spec).display(spec, value, self._bound)


def safe_rich_text(html: str | None) -> Markup:
    """Stored rich text, sanitized again, marked safe for the page."""
    return Markup(clean_html(html))  # cleaned by the allow-list just above


def client_values(bound: BoundForm) -> str:
    """JSON of the stored values the browser may see (never a field hidden from the node),
    the starting point of form.js's live visibility and computed values."""
    compiled = bound.compiled
    current = bound.current_values()
    visible = {}
    for spec in compiled.fields:
        kind = field_type(spec)
        if compiled.access[spec["key"]] == HIDDEN or not kind.has_value:
            continue
        value = current.get(spec["key"])
        # Stored rich text goes to the page sanitized, even inside an attribute.
        visible[spec["key"]] = kind.client_value(spec, value)
    return json.dumps(visible, separators=(",", ":"))


def render_form(bound: BoundForm, marks: Mapping[str, str] | None = None) -> Markup:
    """The form's fields as Bootstrap 3 markup (the caller writes the ``<form>`` element).

    ``marks`` (field key -> "added", "removed" or "changed") marks fields for the definition
    review: the field's box gets ``oa-field-<mark>`` and a badge naming the mark."""
    html = render_template(
        "form_builder/form.html",
        bound=bound,
        marks=marks or {},
        rows=cells(bound),
        display=Display(bound),
        client_values=client_values(bound),
        form_field=form_field,
        field_type=field_type,
        rich_text=safe_rich_text,
        accept=lambda spec: ",".join(extensions(spec.get("accept", DEFAULT_ACCEPT))),
        download_url=lambda item: url_for("form_builder.download", attachment_id=item["id"]),
    )
    return Markup(html)  # a rendered, autoescaped template
