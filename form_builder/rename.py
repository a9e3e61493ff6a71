"""Renaming a field, or a table's column, together with everything that names it (issue 19,
deliver 6: "renaming a field renames it in expressions too").

A field's key is what stored values, expressions and settings use, so a new key is carried to
every place that names the field:

- expressions of the expression language (edge conditions, ``visible_if``, a computed field's
  or column's ``expression``, any field type member declared as an expression, and a node
  type's ``config_expressions``), rewritten through the language's own parser
  (:func:`form_builder.expression.parse`): only the spans of the field's name, or of a
  ``table.column``'s column, change, so text in quotes (``"days"``), a function of the same
  name (``count(...)``) and the designer's spacing stay as they were;
- the title template's placeholders (``{days}``, :func:`form_builder.titles.rename_placeholder`);
- the nodes' ``field_access`` entries and an assignee rule's ``field``;
- node settings that name a field (a node type's ``config_field_members``, such as the
  document number's ``number_field``), including one left at its schema default, which is
  then written out with the new key so the node keeps its field.

Column keys live in their row: a column is named by its siblings' expressions (``quantity *
price``) and, outside the table, as ``table.column`` (``sum(items.amount)``). Definitions hold
no print or summary settings naming fields (the approval sheet prints every field the reader
may see), so there is nothing more to carry.

The designer calls this through ``POST /designer/api/rename`` (``designer/api.py``); the page
applies the answer's changes and never parses an expression itself. An expression that does
not parse cannot be rewritten safely: it is left as it is and reported, so the designer can
say where the old name is still used.
"""

from __future__ import annotations

import ast
import copy
import io
import keyword
import re
import tokenize
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from form_builder import expression, titles
from form_builder.exceptions import FieldRenameError
from form_builder.schema_messages import element_name
from form_builder.words import gettext as _
from plugins.fields import UnknownFieldTypeError, field_type

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
RESERVED_KEYS = frozenset({"csrf_token"})  # the form's own hidden field (validator.py)
EXPRESSION_SCHEMA = {"$ref": "#/$defs/expression"}


@dataclass(frozen=True)
class Place:
    """Where the renamed element is: the index of a top-level field, and of a column in it
    when a table's column is renamed."""

    field: int
    column: int | None = None


@dataclass(frozen=True)
class Change:
    """One member the rename changed: its JSON path and its value before and after (None:
    absent). The designer applies it only where the page still holds ``before``."""

    path: str
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Skipped:
    """An expression naming the element that was left as it is, and why (it does not parse)."""

    path: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "message": self.message}


@dataclass
class Renamed:
    """The renamed document (a copy; the one given is not changed), what changed, and the
    expressions that could not be rewritten."""

    document: dict[str, Any]
    changes: list[Change] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def place_of(document: Mapping[str, Any], key: str, table: str | None = None) -> Place:
    """The place of the field ``key`` (or of column ``key`` of the table ``table``): the first
    with that key, as the validator reads references. Raises ``FieldRenameError``."""
    fields = _list(document.get("fields"))
    for index, spec in enumerate(fields):
        if not isinstance(spec, Mapping):
            continue
        if table is None and spec.get("key") == key:
            return Place(index)
        if table is not None and spec.get("key") == table:
            for column, column_spec in enumerate(_list(spec.get("columns"))):
                if isinstance(column_spec, Mapping) and column_spec.get("key") == key:
                    return Place(index, column)
    name = key if table is None else f"{table}.{key}"
    raise FieldRenameError("$.fields", _("There is no field '%(key)s' to rename.", key=name))


def rename(
    document: Mapping[str, Any],
    place: Place,
    old: str,
    new: str,
    node_types: Mapping[str, Any],
) -> Renamed:
    """Give the field (or column) at ``place`` the key ``new`` and rename every reference to
    ``old``, its key until now, in a copy of ``document``.

    The element at ``place`` may already carry ``new`` (the designer's page changes the key as
    it is typed and asks for the references afterwards). ``node_types`` maps type names to
    node types (their ``config_expressions`` and ``config_field_members``).

    Raises ``FieldRenameError`` with a sentence naming the field when ``new`` cannot be its
    key: not an identifier, a word of the expression language, reserved, or taken by another
    field of the same form (or column of the same table); nothing is changed then.
    """
    doc = copy.deepcopy(dict(document))
    renamed = Renamed(doc)
    element, siblings, path = _element(doc, place)
    where = element_name(doc, _parts(place))
    if element.get("key") not in (old, new):
        raise FieldRenameError(
            path,
            _(
                "%(where)s: its key is no longer '%(key)s'; reload the designer",
                where=where,
                key=old,
            ),
        )
    _check_new_key(doc, place, siblings, element, old, new, where, path)
    if element.get("key") != new:
        renamed.changes.append(Change(f"{path}.key", element.get("key"), new))
        element["key"] = new
    if old == new or any(s is not element and s.get("key") == old for s in siblings):
        # Another field keeps the old key: the references are that field's.
        return renamed
    if place.column is None:
        _rename_field_references(renamed, old, new, node_types)
    else:
        table = doc["fields"][place.field]
        _rename_column_references(renamed, place, table, old, new, node_types)
    return renamed


# Where the element is, and whether the new key may be its key --------------------------------


def _element(doc: dict[str, Any], place: Place) -> tuple[dict[str, Any], list[dict], str]:
    """(the element, its siblings, its JSON path); refused if there is none at ``place``."""
    fields = _list(doc.get("fields"))
    spec = fields[place.field] if 0 <= place.field < len(fields) else None
    path = f"$.fields[{place.field}]"
    if isinstance(spec, dict) and place.column is None:
        return spec, [s for s in fields if isinstance(s, dict)], path
    if isinstance(spec, dict) and place.column is not None:
        columns = _list(spec.get("columns"))
        column = columns[place.column] if 0 <= place.column < len(columns) else None
        if isinstance(column, dict):
            siblings = [c for c in columns if isinstance(c, dict)]
            return column, siblings, f"{path}.columns[{place.column}]"
    raise FieldRenameError(path, _("There is no field here to rename; reload the designer."))


def _parts(place: Place) -> list[Any]:
    if place.column is None:
        return ["fields", place.field]
    return ["fields", place.field, "columns", place.column]


def _check_new_key(doc, place, siblings, element, old, new, where, path) -> None:
    key_path = f"{path}.key"
    if not IDENTIFIER.match(new):
        raise FieldRenameError(
            key_path,
            _(
                "%(where)s: the key may use only lower-case letters, digits and _, and must "
                "start with a letter (at most 63 characters)",
                where=where,
            ),
        )
    if keyword.iskeyword(new):
        raise FieldRenameError(
            key_path,
            _(
                "%(where)s: '%(key)s' is a word of the expression language, so conditions "
                "could not name the field; choose another key",
                where=where,
                key=new,
            ),
        )
    if place.column is None and new in RESERVED_KEYS:
        message = _("%(where)s: the key '%(key)s' is reserved by the form", where=where, key=new)
        raise FieldRenameError(key_path, message)
    if any(other is not element and other.get("key") == new for other in siblings):
        message = (
            _("%(where)s: another field's key is '%(key)s' already", where=where, key=new)
            if place.column is None
            else _("%(where)s: another column's key is '%(key)s' already", where=where, key=new)
        )
        raise FieldRenameError(key_path, message)
    if (
        place.column is None
        and new in titles.BUILT_INS
        and any(old in titles.placeholders(t) for _lang, t in _title_templates(doc.get("title")))
    ):
        raise FieldRenameError(
            key_path,
            _(
                "%(where)s: {%(key)s} in the title template stands for %(meaning)s, so the "
                "title could no longer show this field; choose another key",
                where=where,
                key=new,
                meaning=_("the applicant") if new == "initiator" else _("the process's name"),
            ),
        )


# A top-level field -------------------------------------------------------------------------------


def _rename_field_references(
    renamed: Renamed, old: str, new: str, node_types: Mapping[str, Any]
) -> None:
    doc = renamed.document

    def names(source: str) -> str:
        return _rewrite(source, names={old: new})

    for path, holder, member in _form_expressions(doc, node_types):
        _rewrite_member(renamed, path, holder, member, names, old)
    title = doc.get("title")
    if title is not None:
        after = _renamed_title(title, old, new)
        if after != title:
            renamed.changes.append(Change("$.title", copy.deepcopy(title), after))
            doc["title"] = after
    for index, node in _items(doc, "nodes"):
        path = f"$.nodes[{index}]"
        access = node.get("field_access")
        if isinstance(access, dict) and old in access:
            after = {(new if key == old else key): value for key, value in access.items()}
            renamed.changes.append(Change(f"{path}.field_access", dict(access), after))
            node["field_access"] = after
        rule = node.get("assignee")
        if isinstance(rule, dict) and rule.get("rule") == "field" and rule.get("field") == old:
            renamed.changes.append(Change(f"{path}.assignee.field", old, new))
            rule["field"] = new
        _rename_config_fields(renamed, path, node, node_types, old, new)


def _rename_config_fields(renamed, path, node, node_types, old, new) -> None:
    """Node settings that name a field (``config_field_members``); one left at its default
    that named the field is written out, so the node keeps naming it."""
    node_type = node_types.get(node.get("type"))
    members = getattr(node_type, "config_field_members", ())
    config = node.get("config")
    if not members or (config is not None and not isinstance(config, dict)):
        return
    before = copy.deepcopy(config)
    after = dict(config or {})
    properties = node_type.config_schema.get("properties", {})
    for member in members:
        default = properties.get(member, {}).get("default")
        if after.get(member, default) == old:
            after[member] = new
    if after != (config or {}):
        renamed.changes.append(Change(f"{path}.config", before, after))
        node["config"] = after


def _renamed_title(title: Any, old: str, new: str) -> Any:
    if isinstance(title, str):
        return titles.rename_placeholder(title, old, new)
    if isinstance(title, dict):
        return {
            language: titles.rename_placeholder(template, old, new)
            if isinstance(template, str)
            else template
            for language, template in title.items()
        }
    return title


def _title_templates(title: Any) -> Iterator[tuple[str, str]]:
    if isinstance(title, str):
        yield "", title
    elif isinstance(title, Mapping):
        yield from ((k, v) for k, v in title.items() if isinstance(v, str))


# A table's column --------------------------------------------------------------------------------


def _rename_column_references(
    renamed: Renamed,
    place: Place,
    table: dict[str, Any],
    old: str,
    new: str,
    node_types: Mapping[str, Any],
) -> None:
    doc = renamed.document
    table_key = table.get("key")

    def row(source: str) -> str:
        return _rewrite(source, names={old: new})

    def column(source: str) -> str:
        return _rewrite(source, columns={(table_key, old): new})

    table_path = f"$.fields[{place.field}]"
    for index, spec in enumerate(_list(table.get("columns"))):
        if isinstance(spec, dict):
            for member in _expression_members(spec, column=True):
                path = f"{table_path}.columns[{index}]"
                _rewrite_member(renamed, path, spec, member, row, old)
    if isinstance(table_key, str):
        for path, holder, member in _form_expressions(doc, node_types):
            _rewrite_member(renamed, path, holder, member, column, old)


# The expressions -----------------------------------------------------------------------------


def _form_expressions(
    doc: dict[str, Any], node_types: Mapping[str, Any]
) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(path of the holder, holder, member) of every expression over the form's fields (not
    those of computed columns, which see their row)."""
    for index, spec in _items(doc, "fields"):
        for member in _expression_members(spec, column=False):
            yield f"$.fields[{index}]", spec, member
    for index, edge in _items(doc, "edges"):
        if isinstance(edge.get("condition"), str):
            yield f"$.edges[{index}]", edge, "condition"
    for index, node in _items(doc, "nodes"):
        node_type = node_types.get(node.get("type"))
        config = node.get("config")
        if node_type is None or not isinstance(config, dict):
            continue
        try:
            members = [m for m, source in node_type.config_expressions(config) if m in config]
        except (KeyError, TypeError, ValueError):
            continue  # settings the type cannot read yet: its check says what is wrong
        for member in members:
            if isinstance(config.get(member), str):
                yield f"$.nodes[{index}].config", config, member


def _expression_members(spec: Mapping[str, Any], column: bool) -> list[str]:
    """The members of a field or column written in the expression language."""
    members = [] if column else ["visible_if"]
    try:
        declared = field_type(spec).members
    except (UnknownFieldTypeError, KeyError, TypeError):
        declared = {}
    members += [name for name, schema in declared.items() if schema == EXPRESSION_SCHEMA]
    return [member for member in members if isinstance(spec.get(member), str)]


def _rewrite_member(
    renamed: Renamed,
    path: str,
    holder: dict[str, Any],
    member: str,
    rewrite: Callable[[str], str],
    old: str,
) -> None:
    before = holder[member]
    try:
        after = rewrite(before)
    except expression.ExpressionError as error:
        if _may_name(before, old):
            renamed.skipped.append(Skipped(f"{path}.{member}", error.message))
        return
    if after != before:
        renamed.changes.append(Change(f"{path}.{member}", before, after))
        holder[member] = after


def _may_name(source: str, old: str) -> bool:
    """Whether an expression that does not parse has ``old`` among its words, as Python's
    tokenizer reads them (worth telling the designer it was left alone)."""
    try:
        return any(
            token.type == tokenize.NAME and token.string == old
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
        )
    except (tokenize.TokenError, SyntaxError):
        return True


def _rewrite(
    source: str,
    names: Mapping[str, str] | None = None,
    columns: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """``source`` with the field names in ``names`` and the ``table.column``s in ``columns``
    renamed, everything else kept character for character.

    The expression is parsed by the language's parser; the spans to replace are the syntax
    tree's name and column positions (UTF-8 byte offsets, as Python's parser counts). A name
    that is called (``count(...)``) is a function, not a field. The result is parsed again
    and must be the same tree with the new names, else the expression is left alone.
    """
    names, columns = names or {}, columns or {}
    parsed = expression.parse(source)
    tree = parsed.tree
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    spans: list[tuple[int, int, int, str]] = []  # (line, start, end, replacement)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in called and node.id in names:
            spans.append((node.lineno, node.col_offset, node.end_col_offset, names[node.id]))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            replacement = columns.get((node.value.id, node.attr))
            if replacement is not None:
                end = node.end_col_offset
                spans.append((node.end_lineno, end - len(node.attr.encode()), end, replacement))
    if not spans:
        return source
    text = source.strip()
    lines = text.encode().split(b"\n")
    for line, start, end, replacement in sorted(spans, reverse=True):
        row = lines[line - 1]
        lines[line - 1] = row[:start] + replacement.encode() + row[end:]
    rewritten = b"\n".join(lines).decode()
    lead = source[: len(source) - len(source.lstrip())]
    trail = source[len(source.rstrip()) :]
    result = lead + rewritten + trail
    if _shape(expression.parse(result).tree) != _shape(_renamed_tree(tree, names, columns)):
        raise expression.ExpressionSyntaxError(
            _("the expression could not be rewritten safely; rename the field in it by hand")
        )
    return result


def _renamed_tree(tree: ast.expr, names: Mapping[str, str], columns) -> ast.expr:
    """A copy of ``tree`` with the names and columns renamed: what the rewritten text must
    parse to."""

    class Renamer(ast.NodeTransformer):
        def visit_Call(self, node: ast.Call) -> ast.Call:
            node.args = [self.visit(argument) for argument in node.args]
            return node  # the function's own name is not a field

        def visit_Name(self, node: ast.Name) -> ast.Name:
            node.id = names.get(node.id, node.id)
            return node

        def visit_Attribute(self, node: ast.Attribute) -> ast.Attribute:
            if isinstance(node.value, ast.Name):
                node.attr = columns.get((node.value.id, node.attr), node.attr)
            self.generic_visit(node)
            return node

    return Renamer().visit(copy.deepcopy(tree))


def _shape(tree: ast.expr) -> str:
    return ast.dump(tree, include_attributes=False)


# Reading a document that may not follow the schema yet ---------------------------------------


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _items(doc: Mapping[str, Any], name: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, item in enumerate(_list(doc.get(name))):
        if isinstance(item, dict):
            yield index, item
