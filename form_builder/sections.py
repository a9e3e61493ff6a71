"""Sections: a ``section`` field is a heading that groups the fields after it, up to the next
section. Its ``visible_if`` hides the whole group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from plugins.field_contract import Container
from plugins.fields import field_type


def section_of(fields: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Field key -> the key of the section it is under, for every field under one."""
    found: dict[str, str] = {}
    section = None
    for field in fields:
        if field_type(field).container is Container.SECTION:
            section = field["key"]
        elif section is not None:
            found[field["key"]] = section
    return found
