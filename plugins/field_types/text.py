"""Text (单行文本): one line of plain text, with optional length limits and a pattern."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import re2
from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_
from plugins.field_contract import FieldType


class Text(FieldType):
    name = "text"
    label = N_("Text")
    icon = "fa-font"
    category = N_("Text")
    rank = 10
    members = {**field_kit.LENGTH_MEMBERS, **field_kit.PATTERN_MEMBER}
    column = True
    expression_type = "text"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return field_kit.text_field(spec)

    def problems(self, spec: Mapping[str, Any]) -> list[tuple[str | None, str]]:
        found = length_problems(spec)
        if "pattern" in spec:
            try:
                field_kit.linear_pattern(spec["pattern"])
            except re2.error as error:
                reason = error.args[0] if error.args else error
                if isinstance(reason, bytes):
                    reason = reason.decode("utf-8", "replace")
                # RE2 syntax: matched in linear time, so no back-references or look-around.
                message = (
                    f"the pattern is not a valid regular expression ({reason}; back-references"
                    " and look-around are not supported)"
                )
                found.append(("pattern", message))
        return found


def length_problems(spec: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """``min_length`` above ``max_length`` (the text types share the rule)."""
    if spec.get("min_length", 0) > spec.get("max_length", float("inf")):
        return [(None, "min_length is greater than max_length")]
    return []
