"""What a handler needs first on their task page (issue 19): why the form came back, and
what changed in it since they last saw it.

Both are read from the audit trail (§6.1), never kept anywhere else:

- **Why it came back**: a task whose node ran before in this instance (an earlier, completed
  activation of the same node: the initiator's start node after a return, a head's node
  after a rollback to it) came back; the reason is the last returning action of the trail
  before the task arrived (回退, 不同意, 审核不通过: who, when, the opinion, from which node).
- **What changed since they last saw it**: the ``fields_changed`` entries after the
  handler's last action on the instance, or their last view of it before this task reached
  them (views during the task do not move the mark: reloading the page keeps the list until
  they act), made by someone else. Several edits of one field fold into one change, first
  old value to last new one; a field edited back to what it was drops out.

Which fields a reader sees is ``policy``'s rule (``readable_fields``, ``readable_detail``):
this module applies it and the page only renders the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from form_builder.compiler import HIDDEN
from oa_platform.runtime import policy
from oa_platform.runtime.models import Activation, AuditEntry, Instance, Task
from oa_platform.runtime.states import ActivationStatus
from plugins.contract import Action
from plugins.fields import field_type

# Actions that send a form back to an earlier node or to the initiator (§3.5).
RETURNING = frozenset({str(Action.ROLLBACK), str(Action.DISAGREE), str(Action.FAILED_REVIEW)})
# Trail events read here.
_EVENTS = ("action", "viewed", "fields_changed")


@dataclass(frozen=True)
class Return:
    """Who sent the form back to this task's node, when, from which node, and why."""

    by: Any | None  # the user who acted; None when the system did (an overdue task)
    on_behalf_of: Any | None  # the principal an agent acted for (§3.4)
    at: datetime
    node_id: str | None  # the node they acted at
    action: str  # rollback, disagree or failed_review
    opinion: str


@dataclass(frozen=True)
class FieldChange:
    """One field as it was when the handler last saw it and as it is now (display text)."""

    key: str
    label: str
    old: str | Markup
    new: str | Markup


@dataclass(frozen=True)
class SinceLastSeen:
    """What the task page shows first: the return (None if the form did not come back) and
    the changes since the handler last saw the instance (``since``: that moment; None if
    they never saw it, when every value is new to them and no change is listed)."""

    returned: Return | None
    since: datetime | None
    changes: Sequence[FieldChange]

    def __bool__(self) -> bool:
        return self.returned is not None or bool(self.changes)


Display = Callable[[Mapping[str, Any], Any], "str | Markup"]


def for_task(
    session: Session,
    instance: Instance,
    user: Any,
    task: Task | None,
    *,
    fields: Iterable[Mapping[str, Any]],
    display: Display,
    tasks: Iterable[Task] | None = None,
) -> SinceLastSeen:
    """What ``user`` opening ``task`` of ``instance`` needs to know first.

    ``fields`` are the specs of the definition's fields (labels, types) and ``display``
    turns a stored value into the text the page shows (``form_builder.rendering.Display``).
    Without a task (a reader, a finished instance) there is nothing to hand over: empty.
    """
    if task is None:
        return SinceLastSeen(None, None, ())
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.instance_id == instance.id, AuditEntry.event.in_(_EVENTS))
        .options(joinedload(AuditEntry.actor), joinedload(AuditEntry.on_behalf_of))
        .order_by(AuditEntry.seq)
    ).all()
    returned = came_back(session, task, entries)
    mark = last_seen(entries, user, task)
    if mark is None:
        return SinceLastSeen(returned, None, ())
    access = policy.readable_fields(instance, user, tasks)
    changed = [
        e
        for e in entries
        if e.event == "fields_changed" and e.seq > mark.seq and e.actor_id != user.id
    ]
    return SinceLastSeen(returned, mark.at, diff(changed, access, fields, display))


def came_back(session: Session, task: Task, entries: Sequence[AuditEntry]) -> Return | None:
    """The return that brought ``task`` into being, or None if its node runs here for the
    first time (or it arrived some other way: a repair, a plain resubmission)."""
    before = session.scalar(
        select(Activation.id).where(
            Activation.instance_id == task.instance_id,
            Activation.node_id == task.node_id,
            Activation.seq < task.activation.seq,
            Activation.status == ActivationStatus.COMPLETED,
        )
    )
    if before is None:
        return None
    # The actions recorded before this task was created, latest first; the task's own
    # node having run before, the one that sent the form back is the last returning one.
    for entry in reversed(entries):
        if entry.event != "action" or entry.at > task.created_at:
            continue
        action = (entry.detail or {}).get("action")
        if action == str(Action.SUBMIT) and entry.node_id != task.node_id:
            return None  # resubmitted since: a later pass, not the return itself
        if action in RETURNING:
            return Return(
                by=entry.actor,
                on_behalf_of=entry.on_behalf_of,
                at=entry.at,
                node_id=entry.node_id,
                action=action,
                opinion=(entry.detail or {}).get("opinion") or "",
            )
    return None


def last_seen(entries: Sequence[AuditEntry], user: Any, task: Task) -> AuditEntry | None:
    """The trail entry marking when ``user`` last saw the instance before ``task``: their
    last action on it, or their last view before the task arrived, whichever is later."""
    mark = None
    for entry in entries:
        if entry.actor_id != user.id:
            continue
        acted = entry.event == "action" and entry.task_id != task.id
        looked = entry.event == "viewed" and entry.at < task.created_at
        if acted or looked:
            mark = entry
    return mark


def diff(
    entries: Iterable[AuditEntry],
    access: Mapping[str, str],
    fields: Iterable[Mapping[str, Any]],
    display: Display,
) -> list[FieldChange]:
    """The net change of every field the reader with ``access`` may read, in the form's
    order, from ``fields_changed`` entries (oldest first); the policy's ``readable_detail``
    leaves out the hidden ones."""
    net: dict[str, list[Any]] = {}
    for entry in entries:
        detail = policy.readable_detail(entry, access) or {}
        for key, (old, new) in (detail.get("changes") or {}).items():
            if key in net:
                net[key][1] = new
            else:
                net[key] = [old, new]
    specs = {spec["key"]: spec for spec in fields}
    changes = []
    for key, spec in specs.items():
        if key not in net or access.get(key, HIDDEN) == HIDDEN:
            continue
        old, new = net[key]
        if old == new:
            continue
        label = spec.get("label") or key
        changes.append(
            FieldChange(key, label, shown(spec, old, display), shown(spec, new, display))
        )
    return changes


def shown(spec: Mapping[str, Any], value: Any, display: Display) -> str | Markup:
    """The text of a value as the page shows it: a table row by row (its cells' texts), an
    upload field by its files' names, any other field as its type displays it."""
    widget = field_type(spec).widget
    if widget == "table" and isinstance(value, list):
        columns = spec.get("columns", [])
        rows = [
            ", ".join(str(display(c, (row or {}).get(c["key"]))) for c in columns) for row in value
        ]
        return " / ".join(rows) if rows else display(spec, None)
    if widget == "attachments" and isinstance(value, list):
        names = [str(item.get("name", "")) for item in value if isinstance(item, Mapping)]
        return "、".join(names) if names else display(spec, None)
    return display(spec, value)
