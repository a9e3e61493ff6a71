"""Who may see what of an instance: the one owner of the field rule.

The page, the REST API (instance values and the audit trail's field diffs) and anything else
that shows an instance's values ask here and only render the answer, so they cannot disagree
(they did: the page used the start node's access for anyone without a live task, the API that
person's latest node, and the trail showed every field to every participant).

The rule, from the node permissions of the definition (regulations §2.1.2, §3.2): a person
reads an instance's fields as the node they handle sees them: their live task's node, else
the node of their latest task there, else (the initiator, a person asked a question, an
Auditor) the start node. Whether they may see the instance at all is ``visibility``'s rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from form_builder.chain import start_node
from form_builder.compiler import HIDDEN, field_access
from oa_platform.runtime.models import AuditEntry, Instance, Task
from oa_platform.runtime.states import ACTIONABLE_TASK

# Trail events whose detail carries field values or keys, and where.
_VALUE_DETAILS = {"fields_changed": "changes", "ignored_field_post": "fields"}


def access_node(instance: Instance, user: Any, tasks: Iterable[Task] | None = None) -> str:
    """The node whose field access applies to ``user`` reading ``instance``.

    ``tasks`` are the instance's tasks when the caller already loaded them (id order)."""
    mine = [t for t in (instance.tasks if tasks is None else tasks) if t.assignee_id == user.id]
    live = [t for t in mine if t.status in ACTIONABLE_TASK]
    if live or mine:
        return max(live or mine, key=lambda t: t.id).node_id
    return start_node(instance.definition_version.document)


def readable_fields(instance: Instance, user: Any, tasks: Iterable[Task] | None = None) -> dict:
    """Key -> "edit" | "read" | "hidden" of every field as ``user`` sees ``instance``."""
    return field_access(instance.definition_version.document, access_node(instance, user, tasks))


def readable_values(instance: Instance, user: Any) -> dict[str, Any]:
    """The instance's values without the fields hidden from ``user``."""
    access = readable_fields(instance, user)
    return {k: v for k, v in instance.values.items() if access.get(k) != HIDDEN}


def readable_detail(entry: AuditEntry, access: Mapping[str, str]) -> dict[str, Any] | None:
    """An audit entry's detail as a reader with ``access`` may see it: the diffs and keys of
    hidden fields are left out, and ``redacted`` says that something was (its hash covers the
    whole detail, so only a reader who sees everything can check it)."""
    detail = entry.detail
    where = _VALUE_DETAILS.get(entry.event)
    if not detail or where is None or where not in detail:
        return detail
    shown = detail[where]
    if isinstance(shown, Mapping):
        kept: Any = {k: v for k, v in shown.items() if access.get(k.split("-")[0]) != HIDDEN}
    else:
        kept = [k for k in shown if access.get(str(k).split("-")[0]) != HIDDEN]
    if len(kept) == len(shown):
        return detail
    return {**detail, where: kept, "redacted": True}
