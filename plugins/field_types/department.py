"""Department (部门): a department picker, stored as ``COMPANY/CODE`` or the code; may
default to the department of the person filling in the form. The rules of :mod:`.user`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.contract import N_
from plugins.field_types.user import User


class Department(User):
    name = "department"
    label = N_("Department")
    icon = "fa-sitemap"
    rank = 130
    directory_source = "department"
    default_kinds = frozenset({"literal", "current_department"})
    literal_input = "text"  # a department reference, COMPANY/CODE

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return "DEPT"
