"""Radio buttons (单选): one of the field's options, all shown; the rules of :mod:`.select`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import wtforms
from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_
from plugins.field_types.select import Select


class Radio(Select):
    name = "radio"
    label = N_("Radio buttons")
    icon = "fa-dot-circle-o"
    rank = 90
    column = False
    widget = "radio"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return wtforms.RadioField(
            choices=field_kit.option_choices(spec),
            validate_choice=False,
            validators=[*field_kit.presence(spec), field_kit.InChoices()],
            **field_kit.field_kwargs(spec),
        )
