"""Form values as JSON (the stored forms) turned into the post a browser would send.

The REST API takes a form's data as JSON; encoding it as the browser's post lets one code path
(`submission.apply_submission`) validate both. Keys the definition does not know are passed
through, so a crafted post is ignored and audited exactly as from a browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from werkzeug.datastructures import MultiDict


def to_formdata(fields: Sequence[Mapping[str, Any]], data: Mapping[str, Any]) -> MultiDict:
    """A post for ``data`` (field key -> stored value) of a definition's ``fields``."""
    specs = {field["key"]: field for field in fields}
    post: MultiDict = MultiDict()
    for key, value in data.items():
        spec = specs.get(key)
        if spec is None:
            post.add(key, _text(value))
        elif spec["type"] == "table":
            for index, row in enumerate(value or ()):
                columns = {c["key"]: c for c in spec["columns"]}
                for column, cell in (row or {}).items():
                    _add(post, f"{key}-{index}-{column}", columns.get(column, {}), cell)
        elif spec["type"] == "attachments":
            # New files cannot travel in JSON; the ids listed are the current files to keep.
            for item in value or ():
                post.add(f"{key}-keep", str(item["id"] if isinstance(item, Mapping) else item))
        else:
            _add(post, key, spec, value)
    return post


def _add(post: MultiDict, name: str, spec: Mapping[str, Any], value: Any) -> None:
    if value is None:
        return
    kind = spec.get("type")
    if kind == "checkbox":
        if value:
            post.add(name, "y")
    elif kind == "multi_select" and isinstance(value, list | tuple):
        for item in value:
            post.add(name, _text(item))
    else:
        post.add(name, _text(value))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "y" if value else ""
    return "" if value is None else str(value)
