"""User (人员): a user picker, stored as the user name; may default to the person filling in
the form. An assignee rule may name such a field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_
from plugins.field_contract import FieldType, Names


class User(FieldType):
    name = "user"
    label = N_("User")
    icon = "fa-user"
    category = N_("People")
    rank = 120
    column = True
    directory_source = "user"
    default_kinds = frozenset({"literal", "current_user"})
    literal_input = "person"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        # Choices come from the org directory when the form is bound, never cached with it.
        return field_kit.DirectorySelectField(
            choices=[],
            validate_choice=False,
            validators=[*field_kit.presence(spec), field_kit.InChoices()],
            source=self.directory_source,
            **field_kit.field_kwargs(spec),
        )

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return "username"

    def display(self, spec: Mapping[str, Any], value: Any, names: Names) -> str:
        return names.display_name(self.directory_source, value)
