"""Security level (密级) of an official document: a drop-down that refuses the confidential
levels with the reason of seed 2 §6.3: confidential documents are not entered into the OA
system; they go through the existing paper circulation.

The one owner of that rule: the documents package asks :func:`refusal` too (incoming
documents are registered without this form).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import wtforms
from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_, gettext
from plugins.field_types.select import Select

# 机密 and 绝密: never in the system (§6.3).
CONFIDENTIAL = frozenset({"confidential", "top_secret"})
REASON = N_(
    "Confidential documents (机密/绝密) are not entered into the OA system: they are processed "
    "by the existing official document circulation on paper (seed 2 §6.3)."
)


def refusal(level: str | None) -> str | None:
    """The reason ``level`` may not be entered (in the request's language), or None when it
    may."""
    return gettext(REASON) if level in CONFIDENTIAL else None


class RefuseConfidential:
    """A WTForms validator: a confidential level is refused with the §6.3 reason."""

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        reason = refusal(field.data)
        if reason:
            raise wtforms.validators.StopValidation(reason)


class SecurityLevel(Select):
    name = "security_level"
    label = N_("Security level")
    icon = "fa-lock"
    rank = 85
    column = False

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        return wtforms.SelectField(
            choices=[field_kit.BLANK, *field_kit.option_choices(spec)],
            validate_choice=False,
            validators=[*field_kit.presence(spec), field_kit.InChoices(), RefuseConfidential()],
            **field_kit.field_kwargs(spec),
        )
