"""Paragraph (多行文本): several lines of plain text; the rules of :mod:`.text`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import wtforms
from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_
from plugins.field_types.text import Text


class Textarea(Text):
    name = "textarea"
    label = N_("Paragraph")
    icon = "fa-align-left"
    rank = 20
    column = False
    widget = "textarea"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return field_kit.text_field(spec, wtforms.TextAreaField)
