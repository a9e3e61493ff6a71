"""Compile a definition's form, as one node sees it, into a WTForms form class.

A published definition version never changes, so each (version, node) pair is compiled once per
process and cached (bounded, least recently used out). What does change — the organisation's
users and departments, the viewer, the stored values — is applied when a form is *bound*
(:meth:`CompiledForm.bind`), never baked into the cached class.

Field access for a node: its explicit ``field_access`` entry wins; otherwise the start node
edits every field and other nodes read them. Computed fields are never editable and sections
are display only. Only editable fields are in the form class: read-only fields are shown from
the stored values, hidden ones are neither in the form nor rendered.

Each field's type (``plugins/field_types/``, found through :mod:`plugins.fields`) gives its
WTForms field and converts its values; this module knows only what the contract declares
(editable, containers, the kinds of default a type takes).

Form fields are Python attributes ``f_<key>`` with the HTML name ``<key>`` (a key such as
``data`` or ``process`` must not shadow WTForms' own attributes); use :func:`form_field`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from graphlib import TopologicalSorter
from types import MappingProxyType
from typing import Any

import wtforms
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from form_builder import clock, expression
from form_builder.chain import start_node
from form_builder.directory import Directory, NamedUser, Viewer
from form_builder.lru import LRUCache
from form_builder.sections import section_of
from plugins.field_contract import Container
from plugins.field_kit import (
    BLANK,
    DATETIME_FORMAT,
    REQUIRED,  # noqa: F401 (the submission's "is required." comes from here)
    ROW_CEILING,
    DirectorySelectField,
    attribute_name,
)
from plugins.fields import field_type, form_data, stored_value

EDIT, READ, HIDDEN = "edit", "read", "hidden"
WIDTH_COLUMNS = {"full": 12, "half": 6, "third": 4}
CACHE_SIZE = 256


def form_field(form: wtforms.Form, key: str) -> wtforms.Field | None:
    """The form's field for definition key ``key``, or None when it is not in the form."""
    return form._fields.get(attribute_name(key))


class NodeForm(FlaskForm):
    """Base class of compiled forms (a FlaskForm, so CSRF protection applies)."""


# --- Stored values <-> form data -------------------------------------------------------------


def to_form_data(spec: Mapping[str, Any], stored: Any) -> Any:
    """The WTForms data for a stored value; None for a value that does not fit the type."""
    return form_data(spec, stored)


def to_stored(spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
    """The stored JSON value for a field's (validated) WTForms data; ``previous`` is its
    stored value before (attachments keep some of those files; new uploads are left to the
    submission, which alone stores files)."""
    return stored_value(spec, data, previous)


# --- Defaults --------------------------------------------------------------------------------


def _row_data(table: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """One row's form data, as the rows field's type converts its rows."""
    return field_type(table).to_form_data(table, [row])[0]


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
    # today / now: the field's type decides the form (a date field defaulting to "now"):
    # a type that takes "now" holds date and time, one that takes "today" a date.
    takes = field_type(spec).default_kinds
    if "now" in takes:
        return now.strftime(DATETIME_FORMAT)
    if kind == "today" or "today" in takes:
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
        if level == EDIT and not field_type(spec).editable:
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
        width = _width(spec)
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
    return f"col-md-{_width(spec)}"


def _width(spec: Mapping[str, Any]) -> int:
    # Containers (sections, tables) always take the whole row.
    if field_type(spec).container is not None:
        return 12
    return WIDTH_COLUMNS[spec.get("width", "full")]


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
    items = []
    for spec in specs:
        source = field_type(spec).expression_of(spec)
        if source is not None:
            items.append(Computed(spec["key"], spec, expression.parse(source)))
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
        prefix: str = "",
    ) -> BoundForm:
        """A form instance for ``viewer``: picker choices from ``directory``, data from the
        stored ``values`` (with defaults for never-set fields), then ``formdata`` if posted.

        ``csrf=False`` binds without the token field: the command that validates a post runs
        after the request's token was checked (``oa_platform/csrf.py``), or outside any request.
        ``prefix`` goes before every input's name and id, so two forms drawn on one page (the
        review's before and after) do not share ids.
        """
        now = now or local_now()
        initial = self.initial_values(values, viewer, directory, now)
        data = {
            attribute_name(spec["key"]): to_form_data(spec, initial.get(spec["key"]))
            for spec in self.fields
            if self.editable(spec["key"])
        }
        meta = None if csrf else {"csrf": False}
        form = self.form_class(formdata=formdata, data=data, meta=meta, prefix=prefix)
        choices = _DirectoryChoices(directory, _user_values(self.fields, initial))
        if formdata is None:
            for table in self.tables.values():
                rows = form_field(form, table.key)
                while rows is not None and len(rows.entries) < table.min_rows:
                    rows.append_entry(
                        _row_data(table.spec, row_defaults(table.spec, viewer, directory, now))
                    )
        for spec in self.fields:
            bound = form_field(form, spec["key"])
            if bound is not None:
                field_type(spec).prepare(spec, bound, initial.get(spec["key"]))
        choices.fill(form)
        return BoundForm(self, form, initial, viewer, directory, choices, now)


class _DirectoryChoices:
    """Picker choices and display names, looked up once per bound form.

    Departments are few: their pickers list them all. People may be 100,000 (issue 19): a
    user field's select holds the blank and the person it holds now, where a picker may still
    offer them; the people picker (``static/form_builder/people_picker.js``) finds the others
    and adds the one chosen. A posted user name is in the choices exactly when it names an
    offered account, so ``InChoices`` accepts whom the picker offers, and no one else.
    """

    def __init__(self, directory: Directory, usernames: Iterator[Any]) -> None:
        self._directory = directory
        self._departments: list[tuple[str, str]] | None = None
        self._users: dict[str, NamedUser] = {}
        self._asked: set[str] = set()
        self._ask(usernames)

    def _ask(self, usernames: Iterable[Any]) -> None:
        """Look up, in one query, the user names not asked before."""
        new = {str(name) for name in usernames if name not in (None, "")} - self._asked
        if new:
            self._users.update(self._directory.users_named(new))
            self._asked |= new

    def departments(self) -> list[tuple[str, str]]:
        if self._departments is None:
            found = self._directory.department_choices()
            self._departments = [(str(value), str(label)) for value, label in found]
        return self._departments

    def name(self, source: str, value: str) -> str:
        if source == "user":
            self._ask([value])
            found = self._users.get(value)
            return found.label if found is not None else value
        return dict(self.departments()).get(value, value)

    def fill(self, form: wtforms.Form) -> None:
        pickers = [bound for bound in _walk(form) if isinstance(bound, DirectorySelectField)]
        self._ask(name for bound in pickers if bound.source == "user" for name in _held(bound))
        for bound in pickers:
            if bound.source == "user":
                users = self._users
                offered = [
                    (name, users[name].label)
                    for name in _held(bound)
                    if name in users and users[name].offered
                ]
            else:
                offered = self.departments()
            bound.choices = [BLANK, *(SelectChoice(value, label) for value, label in offered)]


def _held(bound: wtforms.Field) -> list[str]:
    """The values a picker holds now (stored, defaulted or posted), as text."""
    data = bound.data if isinstance(bound.data, list) else [bound.data]
    return [str(value) for value in data if value not in (None, "")]


def _user_values(fields: Iterable[Mapping[str, Any]], values: Mapping[str, Any]) -> Iterator[Any]:
    """The user names ``values`` holds in user fields and user columns of tables."""
    for spec in fields:
        value = values.get(spec["key"])
        if field_type(spec).directory_source == "user":
            yield from value if isinstance(value, list) else [value]
        elif spec.get("columns") and isinstance(value, list):
            for row in value:
                if isinstance(row, Mapping):
                    yield from _user_values(spec["columns"], row)


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
            try:
                current[spec["key"]] = to_stored(spec, bound.data, self.values.get(spec["key"]))
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


def client_field(spec: Mapping[str, Any]) -> dict[str, Any]:
    """What form.js and expression.js know of a field or column: its key and type, how its
    type says the browser reads and computes with it (``FieldType.client``), its columns."""
    described = {"key": spec["key"], "type": spec["type"], **field_type(spec).client(spec)}
    if "columns" in spec:
        described["columns"] = [client_field(column) for column in spec["columns"]]
    return described


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

    def computed_json(items: Sequence[Computed], top_level: bool) -> list[dict[str, Any]]:
        # A computed column reads its row only, never a (possibly hidden) top-level field.
        return [
            {"key": item.key, "expression": item.expression.to_json()}
            for item in items
            if not top_level or (item.key not in hidden and usable(item.expression))
        ]

    return {
        "fields": [
            {**client_field(spec), "access": access[spec["key"]]}
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
        attribute_name(spec["key"]): field_type(spec).form_field(spec)
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
            if field_type(spec).container is Container.ROWS
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
