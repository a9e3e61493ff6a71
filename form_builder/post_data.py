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

from form_builder.words import gettext
from plugins.field_contract import ShapeError
from plugins.fields import encode_post


class PostDataError(ValueError):
    """Values of the wrong shape; ``errors`` maps the field (or table row or cell, by its
    input name, "items-2-amount") to its messages, as the form's own errors do."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = dict(errors)
        super().__init__("; ".join(m for messages in self.errors.values() for m in messages))


class _Post:
    """The post being written, and the shape problems of parts of values (table cells)."""

    def __init__(self) -> None:
        self.data: MultiDict = MultiDict()
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, text: str) -> None:
        self.data.add(name, text)

    def refuse(self, name: str, message: str) -> None:
        self.errors[name] = [message]


def to_formdata(fields: Sequence[Mapping[str, Any]], data: Mapping[str, Any]) -> MultiDict:
    """A post for ``data`` (field key -> stored value) of a definition's ``fields``: each
    value encoded by its field's type.

    Raises:
        PostDataError: a value is not of its field's shape; nothing is posted.
    """
    specs = {field["key"]: field for field in fields}
    post = _Post()
    for key, value in data.items():
        # A key the definition does not know is posted as text, and ignored as such.
        spec = specs.get(key) or {"key": key, "label": key, "type": "text"}
        try:
            encode_post(spec, key, value, post)
        except ShapeError as problem:
            message = gettext("%(label)s: %(problem)s.", label=spec["label"], problem=problem)
            post.errors[key] = [message]
    if post.errors:
        raise PostDataError(post.errors)
    return post.data
