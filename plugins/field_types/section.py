"""Section heading (分组): a heading that groups the fields after it, up to the next section.
It has no value; its ``visible_if`` hides the whole group."""

from __future__ import annotations

from plugins.contract import N_
from plugins.field_contract import Container, FieldType


class Section(FieldType):
    name = "section"
    label = N_("Section heading")
    icon = "fa-header"
    category = N_("Layout")
    rank = 170
    refused_members = ("required", "default")
    editable = False
    has_value = False
    container = Container.SECTION
    default_kinds = frozenset()
    widget = "section"
