"""A definition's fields through their types: the lookup, and the conversions with the rules
on empty values every type shares.

form_builder calls these rather than the hooks directly, and so do container types for their
columns (a table converts each cell through its column's type).
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from typing import Any

from plugins.field_contract import FieldType, Post
from plugins.registry import field_types

# What a hook raises for a stored value that does not fit its type.
MISFIT = (ValueError, TypeError, KeyError, ArithmeticError, decimal.InvalidOperation)


class UnknownFieldTypeError(KeyError):
    """A field names a type no installed plugin provides."""

    def __str__(self) -> str:
        return f"field type {self.args[0]!r} is not installed"


def field_type(spec: Mapping[str, Any] | str) -> FieldType:
    """The installed type of field ``spec`` (or of that type name)."""
    name = spec if isinstance(spec, str) else spec["type"]
    try:
        return field_types()[name]
    except KeyError:
        raise UnknownFieldTypeError(name) from None


def form_data(spec: Mapping[str, Any], stored: Any) -> Any:
    """The form data for a stored value; None for an empty one or one that does not fit."""
    if stored is None:
        return None
    kind = field_type(spec)  # an uninstalled type is an error, not a misfit
    try:
        return kind.to_form_data(spec, stored)
    except MISFIT:
        return None


def stored_value(spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
    """The stored value of a field's validated form data (see ``FieldType.to_stored``)."""
    return field_type(spec).to_stored(spec, data, previous)


def expression_value(spec: Mapping[str, Any], stored: Any) -> Any:
    """The expression value of a field's stored value (None when empty)."""
    if stored is None or stored == "":
        return None
    return field_type(spec).expression_value(spec, stored)


def expression_values(specs: Sequence[Mapping[str, Any]], stored: Mapping[str, Any]) -> dict:
    """The name space of an expression: every field that has a value, by key."""
    return {
        spec["key"]: expression_value(spec, stored.get(spec["key"]))
        for spec in specs
        if field_type(spec).has_value
    }


def from_expression(spec: Mapping[str, Any], value: Any) -> Any:
    """The stored value of an expression value for the field (None stays None)."""
    if value is None:
        return None
    return field_type(spec).from_expression(spec, value)


def sample_value(spec: Mapping[str, Any]) -> Any:
    """A representative non-empty expression value of the field's type."""
    kind = field_type(spec)
    if not kind.has_value:
        raise ValueError(f"a {spec['type']} field has no value")
    return kind.sample_value(spec)


def encode_post(spec: Mapping[str, Any], name: str, value: Any, post: Post) -> None:
    """Add a stored value to ``post`` under ``name`` as a browser would post it (nothing for
    None); :class:`~plugins.field_contract.ShapeError` for a value of the wrong shape."""
    if value is not None:
        field_type(spec).encode_post(spec, name, value, post)
