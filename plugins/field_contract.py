"""The field-type contract: what every field type of the definition format declares and does.

A field type is a class with a few declarations and hooks, like a node type
(:mod:`plugins.contract`). The definition schema takes its members from it, the compiler asks
it for the WTForms field, values are converted, posted and shown read-only by it, and the
designer offers it from its metadata. Register the class under the ``oa_platform.field_types``
entry-point group (see docs/plugins.md, "Field types")::

    [project.entry-points."oa_platform.field_types"]
    phone = "my_package.phone:Phone"

The entry-point name must equal the class's ``name``. Built-in types are registered exactly
so, in this project's pyproject.toml, one module each under ``plugins/field_types/``.

Values travel in four forms, and each hook says which it takes:

- *stored*: the JSON an instance keeps (money as ``"12.50"``, dates as ISO text, empty as null);
- *form data*: what the type's WTForms field holds (``Decimal``, ``date``, ...);
- *expression*: what the expression language computes with (``Decimal`` for every number,
  ``date``/``datetime``, ``bool``, ``str``, lists, :class:`Table` for rows);
- *post*: the browser's form post (``name=value`` pairs), which the REST API's JSON is turned
  into so that one code path validates both.

Hooks never see an empty stored value (None): the callers in :mod:`plugins.fields` handle
emptiness once for every type.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    import wtforms
    from markupsafe import Markup
    from wtforms.fields.core import UnboundField


class Container(enum.StrEnum):
    """What a container field holds; the compiler and validator treat each kind once."""

    SECTION = "section"  # a heading grouping the fields after it, up to the next section
    ROWS = "rows"  # rows of typed ``columns`` (``min_rows``/``max_rows``), as a table


# The ``widget`` names the shared form template (form_builder/templates/form_builder/form.html)
# draws. A type's WTForms field renders its own control in an "input" cell, so most types need
# nothing else; the others are the layouts the built-in types need.
WIDGETS = frozenset(
    {
        "input",  # label, the field's own control, help, errors
        "textarea",  # a taller control; read-only text keeps its line breaks
        "rich_text",  # a formatting toolbar over a hidden textarea
        "checkbox",  # the control inside its label
        "radio",  # one radio button per option
        "checkboxes",  # one checkbox per option
        "attachments",  # the files kept (with links) and an upload control
        "table",  # rows of column controls, with add and remove buttons
        "section",  # a heading; no control
        "output",  # a computed value the page updates as the form changes
    }
)

# How form.js reads the control a widget draws, for the live form (``FieldType.client``); the
# controls of the other widgets are read as their text, or as a number for number types.
WIDGET_READINGS = {
    "checkbox": "checked",  # true or false
    "checkboxes": "checked_values",  # the values ticked, a list
    "radio": "chosen",  # the value chosen, or nothing
    "table": "rows",  # a row object per table row, a cell per column
    "attachments": "files",  # the files kept and picked
}

# The kinds of a field's ``default`` (docs/definition-format.md, "Defaults").
DEFAULT_KINDS = frozenset({"literal", "current_user", "current_department", "today", "now"})
# The members every field has (or may have); a type declares only its own ones in ``members``.
COMMON_MEMBERS = frozenset(
    {"key", "type", "label", "help", "required", "default", "visible_if", "width"}
)
# Common members a type may refuse (sections and computed fields take neither).
REFUSABLE_MEMBERS = frozenset({"required", "default"})


class ShapeError(ValueError):
    """A stored value of the wrong shape for its field, e.g. ``ShapeError("must be a list of
    rows")``; the message completes "Label: ..."."""


class Post(Protocol):
    """Where :meth:`FieldType.encode_post` writes the post a browser would send."""

    def add(self, name: str, text: str) -> None:
        """Add one ``name=text`` pair."""

    def refuse(self, name: str, message: str) -> None:
        """Report a shape problem of a part of the value (a table row or cell, by its input
        name), with a complete sentence; the whole post is then refused."""


class Names(Protocol):
    """Display names of directory entries, for read-only values (a bound form provides it)."""

    def display_name(self, source: str, value: str) -> str:
        """The display name of user or department ``value`` (``source``: "user"/"department")."""


class Table(list):
    """The expression value of a rows field: its rows (dicts of expression values), knowing
    its column keys.

    ``table.amount`` is the list of that column's values, which is how expressions total a
    column (``sum(items.amount)``); ``len(table)`` counts the rows.
    """

    def __init__(self, rows: Iterable[Mapping[str, Any]] = (), columns: Iterable[str] = ()):
        super().__init__(rows)
        self.columns = tuple(columns)

    def column(self, key: str) -> list[Any]:
        """The values of column ``key``, one a row (None where a row leaves it empty)."""
        if key not in self.columns:
            raise KeyError(key)
        return [row.get(key) for row in self]

    def __getattr__(self, key: str) -> list[Any]:
        # Only reached for names a list lacks; "columns" itself may be missing mid-copy.
        if key.startswith("_") or key == "columns":
            raise AttributeError(key)
        try:
            return self.column(key)
        except KeyError:
            raise AttributeError(f"the table has no column '{key}'") from None


class FieldType:
    """Base class of field types. Subclasses set the class attributes below and override the
    hooks their values need; the defaults describe a one-line text field.

    Attributes:
        name: the type's unique name, used in definitions (``"type": "money"``) and as the
            entry-point name. Lower case letters, digits and ``_``.
        label, icon, category: what the designer's palette shows (a Font Awesome 4 icon,
            a group name); ``rank`` orders the palette (lower first).
        members: JSON Schema (draft 2020-12) of each member the type takes besides the common
            ones (key, label, help, required, default, visible_if, width), by member name.
            The definition schema is assembled from them: other types refuse these members.
            A member name means one thing: types sharing one declare the same schema. Schemas
            may refer to the format's ``#/$defs/identifier``, ``expression`` and ``option``.
        required_members: members a field of this type must have.
        refused_members: common members it does not take ("required", "default").
        column: whether a table may have a column of this type.
        editable: whether a node may edit it (computed fields and sections: no).
        has_value: False for display-only fields (sections): no stored value, no name in
            expressions.
        container: a :class:`Container` for fields that hold others (sections, tables).
        default_kinds: the kinds of ``default`` it takes ("literal", "current_user",
            "current_department", "today", "now"); empty: none.
        directory_source: "user" or "department" for pickers whose values name directory
            entries (an assignee rule may name such a field); else None.
        expression_type: the expression language's type of its values ("number", "text",
            "date", "boolean", ...), what a computed field of this result must give.
        widget: how the form template draws it (:data:`WIDGETS`); "input" for a type whose
            WTForms field draws its own control.
        uploads: whether its fields carry uploaded files. Such a type draws the "attachments"
            widget, its WTForms field is a ``FormField`` of
            :class:`plugins.field_kit.AttachmentsForm` (the current files kept, new files) and
            its stored value a list of file entries (``{"id", "name", "size", "type"}``): the
            submission checks new files against the field's ``max_files``, ``max_size_mb`` and
            ``accept`` and stores them, the instance page lists them for download.
        fixed_places: for a number type stored as text with exactly this many decimals
            (money: 2, ``"12.50"``); None: numbers are stored as JSON numbers. The browser
            stores what it computes so.
        literal_input: how the designer edits a fixed default: "text", "number", "boolean",
            "option", "options", "date", "datetime" or "person" (a user name, chosen with the
            people picker).
        value_labels: labels the designer shows for the values of enumerated members,
            ``{member: {value: label}}``.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    icon: ClassVar[str] = "fa-square-o"
    category: ClassVar[str] = "Other"
    rank: ClassVar[int] = 1000
    members: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    required_members: ClassVar[tuple[str, ...]] = ()
    refused_members: ClassVar[tuple[str, ...]] = ()
    column: ClassVar[bool] = False
    editable: ClassVar[bool] = True
    has_value: ClassVar[bool] = True
    container: ClassVar[Container | None] = None
    default_kinds: ClassVar[frozenset[str]] = frozenset({"literal"})
    directory_source: ClassVar[str | None] = None
    expression_type: ClassVar[str] = "text"
    widget: ClassVar[str] = "input"
    uploads: ClassVar[bool] = False
    fixed_places: ClassVar[int | None] = None
    literal_input: ClassVar[str] = "text"
    value_labels: ClassVar[Mapping[str, Mapping[str, str]]] = {}

    # The form --------------------------------------------------------------------------

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        """The WTForms field (unbound) for an editable field or column ``spec``. Messages
        leave out the label: the submission prefixes "Label: ". Default: one line of text."""
        from plugins import field_kit  # the kit imports WTForms; the contract stays light

        return field_kit.text_field(spec)

    def prepare(self, spec: Mapping[str, Any], field: wtforms.Field, stored: Any) -> None:
        """Give a freshly bound form field what it needs from the stored value (attachments:
        which current files may be kept). Default: nothing."""

    # Conversions -----------------------------------------------------------------------

    def to_form_data(self, spec: Mapping[str, Any], stored: Any) -> Any:
        """The form data for a (non-empty) stored value. Raise ValueError, TypeError,
        KeyError or ArithmeticError when it does not fit the type: the field starts empty."""
        return stored

    def to_stored(self, spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
        """The stored value for the field's (validated) form data, None when empty.
        ``previous`` is the stored value before the post, for data that refers to it."""
        if data is None or data == "":
            return None
        return str(data)

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        """The expression value of a (non-empty, not "") stored value."""
        return stored

    def from_expression(self, spec: Mapping[str, Any], value: Any) -> Any:
        """The stored value of a (non-None) expression value, e.g. a computed result."""
        return value

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        """A representative non-empty expression value, for type checks at publish time."""
        return "text"

    def value_type(self, spec: Mapping[str, Any]) -> FieldType:
        """The type whose values the field holds: itself, or a computed field's result."""
        return self

    def expression_of(self, spec: Mapping[str, Any]) -> str | None:
        """The expression a computed field's value is worked out from; None for others."""
        return None

    def encode_post(self, spec: Mapping[str, Any], name: str, value: Any, post: Post) -> None:
        """Add a (non-None) stored value to ``post`` under input ``name`` as a browser posts
        it; raise :class:`ShapeError` for a value of the wrong shape. Default: one value."""
        from plugins import field_kit

        post.add(name, field_kit.post_text(field_kit.scalar(value)))

    # Showing ---------------------------------------------------------------------------

    def display(self, spec: Mapping[str, Any], value: Any, names: Names) -> str | Markup:
        """The read-only text of a (non-empty) stored value; Markup only for sanitized HTML."""
        return str(value)

    def client(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """How the page's scripts (form.js, expression.js) treat field or column ``spec``, as
        JSON; they know no type by name. Default: from the declarations, which suits every
        type whose control is one of the shared widgets or draws a single value.

        - ``value``: the expression type of its values (of :meth:`value_type`), None for a
          field without a value;
        - ``places``: :attr:`fixed_places` of the value type;
        - ``read``: how its control's value is read (None: it has no control, not editable):
          one of :data:`WIDGET_READINGS`' values, else "number" or "text".
        """
        held = self.value_type(spec)
        read = None
        if self.editable:
            read = WIDGET_READINGS.get(self.widget)
            if read is None:
                read = "number" if self.expression_type == "number" else "text"
        return {
            "value": held.expression_type if self.has_value else None,
            "places": held.fixed_places,
            "read": read,
        }

    def client_value(self, spec: Mapping[str, Any], value: Any) -> Any:
        """The stored value (None when empty) as the page's scripts may see it (rich text:
        sanitized)."""
        return value

    # Publish-time checks ---------------------------------------------------------------

    def problems(self, spec: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        """What the schema cannot say about the type's members, as (member or None,
        sentence) pairs; the validator names the field. Default: none."""
        return []

    def literal_fits(self, spec: Mapping[str, Any], value: Any) -> bool:
        """Whether ``value`` is a valid fixed default (``"kind": "literal"``)."""
        return isinstance(value, str)

    # The designer ----------------------------------------------------------------------

    def new_field(self) -> dict[str, Any]:
        """The members a new field of this type starts with besides key, type and label
        (those it requires). Default: none."""
        return {}
