"""Form values as JSON (the stored forms) turned into the post a browser would send.

The REST API takes a form's data as JSON; encoding it as the browser's post lets one code path
(`submission.apply_submission`) validate both. Keys the definition does not know are passed
through, so a crafted post is ignored and audited exactly as from a browser. A value of the
wrong shape (a table that is not a list of rows, a list where one value is expected) is
refused with :class:`PostDataError`, naming the field and row, before anything is posted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from werkzeug.datastructures import MultiDict

SCALAR = str | int | float | bool


class PostDataError(ValueError):
    """Values of the wrong shape; ``errors`` maps the field (or table row or cell, by its
    input name, "items-2-amount") to its messages, as the form's own errors do."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = dict(errors)
        super().__init__("; ".join(m for messages in self.errors.values() for m in messages))


class _WrongShape(ValueError):
    """One value's shape problem, as "must be a list of rows"."""


def to_formdata(fields: Sequence[Mapping[str, Any]], data: Mapping[str, Any]) -> MultiDict:
    """A post for ``data`` (field key -> stored value) of a definition's ``fields``.

    Raises:
        PostDataError: a value is not of its field's shape; nothing is posted.
    """
    specs = {field["key"]: field for field in fields}
    post: MultiDict = MultiDict()
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        spec = specs.get(key) or {"key": key, "label": key, "type": "text"}
        try:
            if spec["type"] == "table":
                _add_table(post, spec, value, errors)
            elif spec["type"] == "attachments":
                # New files come as uploads; the ids listed are the current files to keep.
                for item in _listed(value, "a list of file ids"):
                    kept = item.get("id") if isinstance(item, Mapping) else item
                    post.add(f"{key}-keep", _text(_scalar(kept, "a list of file ids")))
            else:
                _add(post, key, spec, value)
        except _WrongShape as problem:
            errors[key] = [f"{spec['label']}: {problem}."]
    if errors:
        raise PostDataError(errors)
    return post


def _add_table(
    post: MultiDict, spec: Mapping[str, Any], rows: Any, errors: dict[str, list[str]]
) -> None:
    columns = {c["key"]: c for c in spec["columns"]}
    for index, row in enumerate(_listed(rows, "a list of rows")):
        where = f"{spec['label']}, row {index + 1}"
        if not isinstance(row, Mapping):
            errors[f"{spec['key']}-{index}"] = [f"{where}: must be an object of column values."]
            continue
        for column, cell in row.items():
            name = f"{spec['key']}-{index}-{column}"
            column_spec = columns.get(column, {"type": "text", "label": column})
            try:
                _add(post, name, column_spec, cell)
            except _WrongShape as problem:
                errors[name] = [f"{where}, {column_spec['label']}: {problem}."]


def _listed(value: Any, what: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise _WrongShape(f"must be {what}")
    return value


def _scalar(value: Any, what: str = "a single value") -> SCALAR | None:
    if value is not None and not isinstance(value, SCALAR):
        raise _WrongShape(f"must be {what}")
    return value


def _add(post: MultiDict, name: str, spec: Mapping[str, Any], value: Any) -> None:
    if value is None:
        return
    kind = spec.get("type")
    if kind == "checkbox":
        if _scalar(value):
            post.add(name, "y")
    elif kind == "multi_select" and isinstance(value, list | tuple):
        for item in value:
            post.add(name, _text(_scalar(item, "a list of values")))
    else:
        post.add(name, _text(_scalar(value)))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "y" if value else ""
    return "" if value is None else str(value)
