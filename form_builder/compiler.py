"""Compile a definition's form, as one node sees it, into a WTForms form class.

A published definition version never changes, so each (version, node) pair is compiled once per
process and cached (bounded, least recently used out). What does change — the organisation's
users and departments, the viewer, the stored values — is applied when a form is *bound*
(:meth:`CompiledForm.bind`), never baked into the cached class.

Field access for a node: its explicit ``field_access`` entry wins; otherwise the start node
edits every field and other nodes read them. Computed fields are never editable and sections
are display only. Only editable fields are in the form class: read-only fields are shown from
the stored values, hidden ones are neither in the form nor rendered.

Form fields are Python attributes ``f_<key>`` with the HTML name ``<key>`` (a key such as
``data`` or ``process`` must not shadow WTForms' own attributes); use :func:`form_field`.
"""

from __future__ import annotations

import copy
import decimal
import json
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from graphlib import TopologicalSorter
from types import MappingProxyType
from typing import Any

import wtforms
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectChoice, validators
from wtforms.fields.core import UnboundField
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from form_builder import clock, expression
from form_builder import values as value_forms
from form_builder.chain import start_node
from form_builder.directory import Directory, Viewer
from form_builder.lru import LRUCache
from form_builder.sanitize import clean_html
from form_builder.sections import section_of

EDIT, READ, HIDDEN = "edit", "read", "hidden"
NOT_EDITABLE = frozenset({"computed", "section"})
WIDTH_COLUMNS = {"full": 12, "half": 6, "third": 4}
ALWAYS_FULL = frozenset({"section", "table"})
# The schema's ceiling for max_rows; a table without max_rows still accepts no more rows.
ROW_CEILING = 500
CACHE_SIZE = 256
BLANK = SelectChoice("", "")  # "nothing chosen", first in single-choice lists
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


# --- Validators ------------------------------------------------------------------------------
# Messages leave out the label: submission prefixes "Label: " or "Table, row N, Column: ".


class InChoices:
    """Every selected value is one of the field's choices, read when validating (pickers get
    their choices at bind time)."""

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        allowed = {str(choice.value) for choice in field.iter_choices()}
        chosen = field.data if isinstance(field.data, list) else [field.data]
        for value in chosen:
            if value not in (None, "") and str(value) not in allowed:
                raise validators.ValidationError(f"{str(value)!r} is not one of the options.")


class Places:
    """A finite number with at most ``places`` decimals."""

    def __init__(self, places: int | None) -> None:
        self.places = places

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        if field.process_errors:
            raise validators.StopValidation()  # "is not a number" is said already
        value = field.data
        if not isinstance(value, decimal.Decimal):
            return
        if not value.is_finite():
            raise validators.StopValidation("is not a number.")
        exponent = value.as_tuple().exponent
        if self.places is not None and isinstance(exponent, int) and -exponent > self.places:
            plural = "" if self.places == 1 else "s"
            raise validators.StopValidation(f"takes at most {self.places} decimal place{plural}.")


class RowCount:
    """A table has between ``min_rows`` and ``max_rows`` rows."""

    def __init__(self, min_rows: int, max_rows: int) -> None:
        self.min_rows = min_rows
        self.max_rows = max_rows

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        count = len(field.entries)
        if count < self.min_rows:
            raise validators.ValidationError(f"needs at least {_rows(self.min_rows)}.")
        if count > self.max_rows:
            raise validators.ValidationError(f"takes at most {_rows(self.max_rows)}.")


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _range(spec: Mapping[str, Any]) -> list[validators.NumberRange]:
    low, high = spec.get("min"), spec.get("max")
    if low is None and high is None:
        return []
    if low is not None and high is not None:
        message = f"must be between {_number_text(low)} and {_number_text(high)}."
    elif low is not None:
        message = f"must be at least {_number_text(low)}."
    else:
        message = f"must be at most {_number_text(high)}."
    return [validators.NumberRange(min=low, max=high, message=message)]


def _length(spec: Mapping[str, Any]) -> list[validators.Length]:
    low, high = spec.get("min_length", -1), spec.get("max_length", -1)
    if low in (-1, 0) and high == -1:
        return []
    if low > 0 and high != -1:
        message = f"must be {low} to {high} characters long."
    elif low > 0:
        message = f"must be at least {low} characters long."
    else:
        message = f"must be at most {high} characters long."
    return [validators.Length(min=low, max=high, message=message)]


def _pattern(spec: Mapping[str, Any]) -> list[validators.Regexp]:
    if "pattern" not in spec:
        return []
    # The whole value must match: designers write "[0-9]{6}" meaning six digits, not "contains".
    return [
        validators.Regexp(rf"(?:{spec['pattern']})\Z", message="does not have the required format.")
    ]


REQUIRED = "is required."


def _presence(spec: Mapping[str, Any]) -> list[Any]:
    if not spec.get("required"):
        # Optional also drops a blank number's "not a number" error: empty is allowed.
        return [validators.Optional()]
    message = REQUIRED
    if spec["type"] in {"number", "money", "date", "datetime"}:
        return [validators.InputRequired(message=message)]  # 0 is a value
    return [validators.DataRequired(message=message)]


# --- Fields ----------------------------------------------------------------------------------


class DirectorySelectField(wtforms.SelectField):
    """A user or department picker; its choices come from a :class:`Directory` at bind time."""

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source


class AttachmentsForm(wtforms.Form):
    """An attachments field: new uploads, and which current files to keep (ids)."""

    files = MultipleFileField()
    keep = wtforms.SelectMultipleField(choices=[], validate_choice=False, validators=[InChoices()])


def _kwargs(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {"label": spec["label"], "description": spec.get("help", ""), "name": spec["key"]}


def _options(spec: Mapping[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(option["value"], option["label"]) for option in spec.get("options", ())]


def _unbound(spec: Mapping[str, Any]) -> UnboundField:
    """The WTForms field for one editable field or table column."""
    kind = spec["type"]
    kwargs = _kwargs(spec)
    chain = _presence(spec)
    if kind in {"text", "textarea"}:
        field_class = wtforms.StringField if kind == "text" else wtforms.TextAreaField
        return field_class(
            validators=[*chain, *_length(spec), *_pattern(spec)],
            filters=[_strip],
            **kwargs,
        )
    if kind == "rich_text":
        return wtforms.TextAreaField(
            validators=[*chain, *_length(spec)], filters=[clean_html], **kwargs
        )
    if kind in {"number", "money"}:
        places = 2 if kind == "money" else spec.get("decimals")
        step = "any" if places is None else str(decimal.Decimal(1).scaleb(-places))
        return wtforms.DecimalField(
            validators=[*chain, Places(places), *_range(spec)],
            places=places,
            widget=NumberInput(step=step),
            invalid_value_message="is not a number.",
            **kwargs,
        )
    if kind == "date":
        return wtforms.DateField(
            validators=chain,
            format=DATE_FORMAT,
            invalid_value_message="is not a date (YYYY-MM-DD).",
            **kwargs,
        )
    if kind == "datetime":
        return wtforms.DateTimeLocalField(
            validators=chain,
            format=DATETIME_FORMAT,
            invalid_value_message="is not a date and time (YYYY-MM-DDTHH:MM).",
            **kwargs,
        )
    if kind == "select":
        choices = [BLANK, *_options(spec)]
        return wtforms.SelectField(
            choices=choices, validate_choice=False, validators=[*chain, InChoices()], **kwargs
        )
    if kind == "radio":
        return wtforms.RadioField(
            choices=_options(spec),
            validate_choice=False,
            validators=[*chain, InChoices()],
            **kwargs,
        )
    if kind == "multi_select":
        return wtforms.SelectMultipleField(
            choices=_options(spec),
            validate_choice=False,
            validators=[*chain, InChoices()],
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
            **kwargs,
        )
    if kind == "checkbox":
        return wtforms.BooleanField(validators=chain, **kwargs)
    if kind in {"user", "department"}:
        return DirectorySelectField(
            choices=[],
            validate_choice=False,
            validators=[*chain, InChoices()],
            source=kind,
            **kwargs,
        )
    if kind == "attachments":
        # Required-ness and the upload policy need the kept files too: checked on submission.
        return wtforms.FormField(AttachmentsForm, **kwargs)
    if kind == "table":
        return _table_field(spec, _row_form_class(spec))
    raise ValueError(f"field {spec['key']!r}: type {kind!r} has no form field")


def _table_field(spec: Mapping[str, Any], row_class: type[wtforms.Form]) -> UnboundField:
    max_rows = spec.get("max_rows", ROW_CEILING)
    return wtforms.FieldList(
        wtforms.FormField(row_class),
        validators=[RowCount(spec.get("min_rows", 0), max_rows)],
        # One more than allowed, so an oversized post is reported rather than truncated.
        max_entries=max_rows + 1,
        **_kwargs(spec),
    )


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _row_form_class(table: Mapping[str, Any]) -> type[wtforms.Form]:
    attributes = {
        attribute_name(column["key"]): _unbound(column)
        for column in table["columns"]
        if column["type"] != "computed"
    }
    return type(f"Row_{table['key']}", (wtforms.Form,), attributes)


def attribute_name(key: str) -> str:
    """The Python attribute of a field in a compiled form (its HTML name is ``key``)."""
    return f"f_{key}"


def form_field(form: wtforms.Form, key: str) -> wtforms.Field | None:
    """The form's field for definition key ``key``, or None when it is not in the form."""
    return form._fields.get(attribute_name(key))


class NodeForm(FlaskForm):
    """Base class of compiled forms (a FlaskForm, so CSRF protection applies)."""


# --- Stored values <-> form data -------------------------------------------------------------


def to_form_data(spec: Mapping[str, Any], stored: Any) -> Any:
    """The WTForms data for a stored value; None for a value that does not fit the type."""
    if stored is None:
        return None
    kind = spec["type"]
    try:
        if kind in {"number", "money"}:
            return decimal.Decimal(str(stored))
        if kind == "date":
            return date.fromisoformat(stored)
        if kind == "datetime":
            return datetime.strptime(stored, DATETIME_FORMAT)
        if kind == "multi_select":
            return list(stored)
        if kind == "checkbox":
            return bool(stored)
        if kind == "attachments":
            return {"keep": [item["id"] for item in stored]}
        if kind == "table":
            return [_row_data(spec, row) for row in stored]
    except (ValueError, TypeError, KeyError, decimal.InvalidOperation):
        return None
    return stored


def _row_data(table: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        attribute_name(column["key"]): to_form_data(column, row.get(column["key"]))
        for column in table["columns"]
        if column["type"] != "computed"
    }


def to_stored(spec: Mapping[str, Any], data: Any) -> Any:
    """The stored JSON value for a field's (validated) WTForms data. Attachments are left to
    the submission, which alone knows the files."""
    kind = spec["type"]
    if kind == "checkbox":
        return bool(data)
    if kind == "multi_select":
        return [str(value) for value in data or ()]
    if kind == "table":
        return [_row_stored(spec, row) for row in data or ()]
    if data is None or data == "":
        return None
    if kind in {"number", "money", "date", "datetime"}:
        if isinstance(data, decimal.Decimal) and not data.is_finite():
            return None
        return value_forms.to_stored(spec, data)
    return str(data)


def _row_stored(table: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    for column in table["columns"]:
        if column["type"] == "computed":
            stored[column["key"]] = None  # filled in by the submission's recomputation
        else:
            stored[column["key"]] = to_stored(column, row.get(attribute_name(column["key"])))
    return stored


# --- Defaults --------------------------------------------------------------------------------


def local_now() -> datetime:
    """The server's local wall time, naive, read through the clock (tests freeze it): the
    same day the expression language's ``today()`` sees."""
    return clock.utcnow().replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def default_value(
    spec: Mapping[str, Any], viewer: Viewer, directory: Directory, now: datetime
) -> Any:
    """The stored value a field starts with for ``viewer``, or None without a default."""
    default = spec.get("default")
    if default is None:
        return None
    kind = default["kind"]
    if kind == "literal":
        return copy.deepcopy(default["value"])
    if kind == "current_user":
        return viewer.username
    if kind == "current_department":
        return viewer.department or directory.department_of(viewer.username)
    # today / now: the field's type decides the form (a date field defaulting to "now").
    if spec["type"] == "datetime":
        return now.strftime(DATETIME_FORMAT)
    if kind == "today" or spec["type"] == "date":
        return now.date().isoformat()
    return now.strftime(DATETIME_FORMAT)


def row_defaults(
    table: Mapping[str, Any], viewer: Viewer, directory: Directory, now: datetime
) -> dict[str, Any]:
    """The stored values a new row of ``table`` starts with."""
    return {
        column["key"]: default_value(column, viewer, directory, now) for column in table["columns"]
    }


# --- Access and layout -----------------------------------------------------------------------


def field_access(document: Mapping[str, Any], node_id: str) -> dict[str, str]:
    """Key -> "edit" | "read" | "hidden" for every field as node ``node_id`` sees it."""
    node = _node(document, node_id)
    explicit = node.get("field_access", {})
    # The start node is the initiator's: they fill in everything.
    base = EDIT if node_id == start_node(document) else READ
    access = {}
    for spec in document["fields"]:
        level = explicit.get(spec["key"], base)
        if level == EDIT and spec["type"] in NOT_EDITABLE:
            level = READ
        access[spec["key"]] = level
    return access


def _node(document: Mapping[str, Any], node_id: str) -> Mapping[str, Any]:
    for node in document["nodes"]:
        if node["id"] == node_id:
            return node
    raise KeyError(f"the definition has no node {node_id!r}")


def layout_rows(
    fields: Sequence[Mapping[str, Any]], access: Mapping[str, str]
) -> tuple[tuple[str, ...], ...]:
    """Shown fields in rows of 1-3 by ``width`` (Bootstrap's 12 columns)."""
    rows: list[tuple[str, ...]] = []
    current: list[str] = []
    used = 0
    for spec in fields:
        if access[spec["key"]] == HIDDEN:
            continue
        width = 12 if spec["type"] in ALWAYS_FULL else WIDTH_COLUMNS[spec.get("width", "full")]
        if current and (used + width > 12 or width == 12):
            rows.append(tuple(current))
            current, used = [], 0
        current.append(spec["key"])
        used += width
    if current:
        rows.append(tuple(current))
    return tuple(rows)


def column_class(spec: Mapping[str, Any]) -> str:
    """The Bootstrap 3 grid class of a field's cell in its row."""
    width = 12 if spec["type"] in ALWAYS_FULL else WIDTH_COLUMNS[spec.get("width", "full")]
    return f"col-md-{width}"


# --- Expressions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    """A computed field or column with its parsed expression."""

    key: str
    spec: Mapping[str, Any]
    expression: expression.Expression


@dataclass(frozen=True)
class TableSpec:
    """What a table needs beyond its form field: row limits and computed columns in order."""

    key: str
    spec: Mapping[str, Any]
    min_rows: int
    max_rows: int
    computed: tuple[Computed, ...]


def _dependency_order(items: Sequence[Computed]) -> tuple[Computed, ...]:
    """Computed fields so that each comes after the computed fields it uses."""
    by_key = {item.key: item for item in items}
    graph = {
        item.key: {name.split(".", 1)[0] for name in item.expression.names} & by_key.keys()
        for item in items
    }
    # A cycle raises graphlib.CycleError; publishing rejects such definitions first.
    return tuple(by_key[key] for key in TopologicalSorter(graph).static_order())


def _computed(specs: Sequence[Mapping[str, Any]]) -> tuple[Computed, ...]:
    items = [
        Computed(spec["key"], spec, expression.parse(spec["expression"]))
        for spec in specs
        if spec["type"] == "computed"
    ]
    return _dependency_order(items)


# --- The compiled form -----------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledForm:
    """One node's form of one definition version: immutable, shared between requests.

    Attributes:
        form_class: the FlaskForm subclass holding the node's editable fields.
        node_id: the node.
        fields: the definition's fields (a private deep copy), in document order.
        access: key -> "edit" | "read" | "hidden" for every field.
        layout: rows of 1-3 keys of the shown (not hidden) fields.
        visibility: key -> parsed ``visible_if`` of every field that has one.
        computed: the top-level computed fields in dependency order.
        tables: key -> :class:`TableSpec` of every table.
        client_spec: JSON-able description for form.js (see :func:`_client_spec`).
        client_spec_json: the same, serialised once for the page's ``data-oa-spec``.
    """

    form_class: type[NodeForm]
    node_id: str
    fields: tuple[Mapping[str, Any], ...]
    access: Mapping[str, str]
    layout: tuple[tuple[str, ...], ...]
    visibility: Mapping[str, expression.Expression]
    computed: tuple[Computed, ...]
    tables: Mapping[str, TableSpec]
    client_spec: Mapping[str, Any]
    client_spec_json: str
    by_key: Mapping[str, Mapping[str, Any]] = field(repr=False)

    def editable(self, key: str) -> bool:
        """Whether this node's viewer may change field ``key``."""
        return self.access.get(key) == EDIT

    def initial_values(
        self,
        values: Mapping[str, Any] | None,
        viewer: Viewer,
        directory: Directory,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """``values`` plus the default of every field that has never had a value (its key is
        absent; a field cleared on purpose holds None and keeps it)."""
        now = now or local_now()
        initial = dict(values or {})
        for spec in self.fields:
            if spec["key"] not in initial and "default" in spec:
                initial[spec["key"]] = default_value(spec, viewer, directory, now)
        return initial

    def bind(
        self,
        *,
        viewer: Viewer,
        directory: Directory,
        values: Mapping[str, Any] | None = None,
        formdata: Any = None,
        now: datetime | None = None,
        csrf: bool = True,
    ) -> BoundForm:
        """A form instance for ``viewer``: picker choices from ``directory``, data from the
        stored ``values`` (with defaults for never-set fields), then ``formdata`` if posted.

        ``csrf=False`` binds without the token field: the command that validates a post runs
        after the request's token was checked (``oa_platform/csrf.py``), or outside any request.
        """
        now = now or local_now()
        initial = self.initial_values(values, viewer, directory, now)
        data = {
            attribute_name(spec["key"]): to_form_data(spec, initial.get(spec["key"]))
            for spec in self.fields
            if self.editable(spec["key"])
        }
        meta = None if csrf else {"csrf": False}
        form = self.form_class(formdata=formdata, data=data, meta=meta)
        choices = _DirectoryChoices(directory)
        if formdata is None:
            for table in self.tables.values():
                rows = form_field(form, table.key)
                while rows is not None and len(rows.entries) < table.min_rows:
                    rows.append_entry(
                        _row_data(table.spec, row_defaults(table.spec, viewer, directory, now))
                    )
        for spec in self.fields:
            bound = form_field(form, spec["key"])
            if spec["type"] == "attachments" and bound is not None:
                bound.form.keep.choices = [
                    SelectChoice(item["id"], item["name"])
                    for item in initial.get(spec["key"]) or ()
                ]
        choices.fill(form)
        return BoundForm(self, form, initial, viewer, directory, choices, now)


class _DirectoryChoices:
    """Picker choices looked up once per bound form, and display names for read-only values."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        self._loaded: dict[str, list[tuple[str, str]]] = {}

    def choices(self, source: str) -> list[tuple[str, str]]:
        if source not in self._loaded:
            found = (
                self._directory.user_choices()
                if source == "user"
                else self._directory.department_choices()
            )
            self._loaded[source] = [(str(value), str(label)) for value, label in found]
        return self._loaded[source]

    def name(self, source: str, value: str) -> str:
        return dict(self.choices(source)).get(value, value)

    def fill(self, form: wtforms.Form) -> None:
        for bound in _walk(form):
            if isinstance(bound, DirectorySelectField):
                bound.choices = [
                    BLANK,
                    *(SelectChoice(value, label) for value, label in self.choices(bound.source)),
                ]


def _walk(form: wtforms.Form) -> Iterator[wtforms.Field]:
    """Every field of ``form``, into table rows and sub-forms."""
    for bound in form:
        yield bound
        if isinstance(bound, wtforms.FieldList):
            for entry in bound.entries:
                yield from _walk(entry.form)
        elif isinstance(bound, wtforms.FormField):
            yield from _walk(bound.form)


@dataclass
class BoundForm:
    """A compiled form bound for one viewer: the WTForms instance plus what the page needs to
    show fields that are not in it (read-only values, display names, new-row templates).

    Attributes:
        values: the stored values the form started from (defaults applied).
    """

    compiled: CompiledForm
    form: NodeForm
    values: dict[str, Any]
    viewer: Viewer
    directory: Directory
    _choices: _DirectoryChoices = field(repr=False)
    now: datetime = field(default_factory=local_now)

    def field(self, key: str) -> wtforms.Field | None:
        """The form field of ``key`` (None when the node does not edit it)."""
        return form_field(self.form, key)

    def current_values(self) -> dict[str, Any]:
        """The stored values as the form now stands: editable fields from the form's data
        (None where it does not convert, e.g. an unparsable number), the rest as bound.
        An attachments field counts only the current files it keeps."""
        current = dict(self.values)
        for spec in self.compiled.fields:
            bound = self.field(spec["key"])
            if bound is None:
                continue
            if spec["type"] == "attachments":
                keep = set(bound.form.keep.data or ())
                current[spec["key"]] = [
                    item for item in self.values.get(spec["key"]) or () if item["id"] in keep
                ]
                continue
            try:
                current[spec["key"]] = to_stored(spec, bound.data)
            except (ValueError, TypeError, ArithmeticError, AttributeError):
                current[spec["key"]] = None
        return current

    def display_name(self, source: str, value: str) -> str:
        """A user's or department's display name ("user" / "department" ``source``)."""
        return self._choices.name(source, value)

    def row_template(self, key: str) -> wtforms.Form:
        """A new row of table ``key`` with defaults, named ``<key>-__index__-<column>`` for
        form.js to number when it adds the row."""
        table = self.compiled.tables[key]
        row_class = form_field(self.form, key).unbound_field.args[0]  # FormField(row class)
        defaults = row_defaults(table.spec, self.viewer, self.directory, self.now)
        row = row_class(
            formdata=None, prefix=f"{key}-__index__-", data=_row_data(table.spec, defaults)
        )
        self._choices.fill(row)
        return row


def _client_spec(
    fields: Sequence[Mapping[str, Any]],
    access: Mapping[str, str],
    visibility: Mapping[str, expression.Expression],
    computed: Sequence[Computed],
    tables: Mapping[str, TableSpec],
) -> dict[str, Any]:
    """What form.js needs, as JSON: expression ASTs over stored-form values.

    Expressions naming a field hidden from this node are left out (the browser has no value
    for it): the server's result stays on the page and the server decides on submission.
    """
    hidden = {key for key, level in access.items() if level == HIDDEN}

    def usable(expr: expression.Expression) -> bool:
        return not {name.split(".", 1)[0] for name in expr.names} & hidden

    def described(spec: Mapping[str, Any]) -> dict[str, Any]:
        # What OAExpression.expressionValues reads: key, type, result, columns.
        keep = {name: spec[name] for name in ("key", "type", "result") if name in spec}
        if "columns" in spec:
            keep["columns"] = [described(column) for column in spec["columns"]]
        return keep

    def computed_json(items: Sequence[Computed], top_level: bool) -> list[dict[str, Any]]:
        # A computed column reads its row only, never a (possibly hidden) top-level field.
        return [
            {"key": item.key, "expression": item.expression.to_json()}
            for item in items
            if not top_level or (item.key not in hidden and usable(item.expression))
        ]

    return {
        "fields": [
            {**described(spec), "access": access[spec["key"]]}
            for spec in fields
            if spec["key"] not in hidden
        ],
        "visible_if": {
            key: expr.to_json()
            for key, expr in visibility.items()
            if key not in hidden and usable(expr)
        },
        "computed": computed_json(computed, top_level=True),
        "tables": {
            key: {
                "min_rows": table.min_rows,
                "max_rows": table.max_rows,
                "computed": computed_json(table.computed, top_level=False),
            }
            for key, table in tables.items()
            if key not in hidden
        },
    }


def _visibility(fields: Sequence[Mapping[str, Any]]) -> dict[str, expression.Expression]:
    """Each field's condition to be shown: its own ``visible_if`` and its section's."""
    own = {
        spec["key"]: expression.parse(spec["visible_if"]) for spec in fields if "visible_if" in spec
    }
    conditions = {}
    for key, section in section_of(fields).items():
        if section in own:
            both = (own.get(key), own[section])
            conditions[key] = expression.all_of([c for c in both if c is not None])
    return {**own, **conditions}


def _compile(document: Mapping[str, Any], node_id: str) -> CompiledForm:
    fields = tuple(copy.deepcopy(list(document["fields"])))
    access = MappingProxyType(field_access(document, node_id))
    attributes = {
        attribute_name(spec["key"]): _unbound(spec)
        for spec in fields
        if access[spec["key"]] == EDIT
    }
    form_class = type(f"Form_{node_id}", (NodeForm,), attributes)
    visibility = MappingProxyType(_visibility(fields))
    computed = _computed(fields)
    tables = MappingProxyType(
        {
            spec["key"]: TableSpec(
                spec["key"],
                spec,
                spec.get("min_rows", 0),
                spec.get("max_rows", ROW_CEILING),
                _computed(spec["columns"]),
            )
            for spec in fields
            if spec["type"] == "table"
        }
    )
    spec = _client_spec(fields, access, visibility, computed, tables)
    return CompiledForm(
        form_class=form_class,
        node_id=node_id,
        fields=fields,
        access=access,
        layout=layout_rows(fields, access),
        visibility=visibility,
        computed=computed,
        tables=tables,
        client_spec=MappingProxyType(spec),
        client_spec_json=json.dumps(spec, separators=(",", ":")),
        by_key=MappingProxyType({spec["key"]: spec for spec in fields}),
    )


_cache: LRUCache[CompiledForm] = LRUCache(CACHE_SIZE)


def compile_form(
    document: Mapping[str, Any], node_id: str, *, version_key: Hashable
) -> CompiledForm:
    """The compiled form of ``node_id`` in ``document``, cached on ``(version_key, node_id)``.

    ``version_key`` must identify an immutable (published) version, e.g. its database id:
    the cache is never invalidated. ``document`` must be valid against the definition schema.
    """
    return _cache.get_or_build((version_key, node_id), lambda: _compile(document, node_id))
