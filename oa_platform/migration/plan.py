"""Where one instance would stand after migration, what it would lose or take a default
for, or why it is refused: one function of the rows read, so the dry run and the real run
decide alike (the real run asks it again of each instance, in its own transaction).

Refused (the instance is left as it was): an instance not running (finished, in error: an
administrator repairs it first), one standing in, or having passed through, a node the
mapping gives no counterpart (its trail and diagram would name a node the version lacks),
one whose current node would change type or, at a join, the branches it waits for, and
one lacking a value for a field the new version requires that has no default (§3.2: a
form is complete when its required fields are).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext

from form_builder import localized
from form_builder.compiler import default_value
from form_builder.directory import Directory, Viewer
from oa_platform.migration.mapping import NodeMapping
from oa_platform.runtime.models import Activation, Instance
from oa_platform.runtime.states import ActivationStatus, InstanceStatus

# The instances a migration looks at: not finished. Drafts are not running (they take
# the version they are submitted on) and are left alone.
CANDIDATE_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.RETURNED, InstanceStatus.ERROR)
MIGRATABLE_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.RETURNED)


def empty(value: Any) -> bool:
    """Whether a stored value holds nothing a person entered."""
    return value is None or value == "" or value == [] or value == {}


@dataclass
class InstancePlan:
    """One instance's migration, as the preview shows it and the run applies it."""

    instance_id: int
    title: str
    status: str
    now: list[str]  # the names of the nodes it stands at
    after: list[str]  # the same, in the new version
    values: dict[str, Any]  # its form values after migration
    lost: dict[str, Any]  # old field key -> its value, which the new version has no field for
    defaults: dict[str, Any]  # new field key -> the default it takes
    renamed: dict[str, str]  # old field key -> new key, where the key changes
    moved_activations: dict[int, str] = field(default_factory=dict)  # activation id -> new node
    refused: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused

    def lost_data(self) -> dict[str, Any]:
        """The lost values someone entered (empty ones are nothing lost)."""
        return {key: value for key, value in self.lost.items() if not empty(value)}

    def summary(self) -> tuple:
        """What a dry run and the real run must agree on."""
        return (
            self.instance_id,
            self.ok,
            tuple(self.after),
            tuple(sorted(self.lost_data())),
            tuple(sorted(self.defaults)),
            tuple(self.refused),
        )


def node_name(document: Mapping[str, Any], node_id: str) -> str:
    node = next((n for n in document["nodes"] if n["id"] == node_id), None)
    return localized.text(node["name"]) if node else node_id


def plan_instance(
    instance: Instance,
    activations: Iterable[Activation],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    mapping: NodeMapping,
    directory: Directory,
    now: datetime,
    new_types: Mapping[str, bool] | None = None,
) -> InstancePlan:
    """The migration of ``instance`` (with all its ``activations``) from document ``old``
    to ``new`` under ``mapping``. ``new_types``: node type name -> whether it merges
    (a parallel join), for the join check."""
    activations = list(activations)
    active = [a for a in activations if a.status is ActivationStatus.ACTIVE]
    refused: list[str] = []
    if instance.status not in MIGRATABLE_STATUSES:
        refused.append(
            gettext("It is in error: an administrator repairs it first.")
            if instance.status is InstanceStatus.ERROR
            else gettext("It is not running.")
        )
    old_nodes = {n["id"]: n for n in old["nodes"]}
    new_nodes = {n["id"]: n for n in new["nodes"]}
    moved: dict[int, str] = {}
    for activation in activations:
        target = mapping.nodes.get(activation.node_id)
        name = node_name(old, activation.node_id)
        if target is None:
            if activation in active:
                reason = gettext(
                    "It stands at node '%(node)s' (%(name)s), which the new version does not "
                    "have and no node is mapped to.",
                    node=activation.node_id,
                    name=name,
                )
            else:
                reason = gettext(
                    "It passed node '%(node)s' (%(name)s), which the new version does not "
                    "have and no node is mapped to.",
                    node=activation.node_id,
                    name=name,
                )
            if reason not in refused:
                refused.append(reason)
            continue
        if target != activation.node_id:
            moved[activation.id] = target
        if activation in active:
            was, becomes = old_nodes.get(activation.node_id, {}), new_nodes[target]
            if was.get("type") != becomes["type"]:
                refused.append(
                    gettext(
                        "It stands at node '%(node)s' (%(name)s), a %(old)s node, mapped to "
                        "'%(target)s', a %(new)s node.",
                        node=activation.node_id,
                        name=name,
                        old=was.get("type"),
                        new=becomes["type"],
                        target=target,
                    )
                )
            elif (new_types or {}).get(becomes["type"]) and _inputs(old, activation.node_id) != (
                _inputs(new, target)
            ):
                refused.append(
                    gettext(
                        "It waits at join '%(node)s' (%(name)s), whose branches change in the "
                        "new version.",
                        node=activation.node_id,
                        name=name,
                    )
                )
    for member in ("resubmit_to", "error_node"):
        at = getattr(instance, member)
        if at is not None and mapping.nodes.get(at) is None:
            reason = gettext(
                "It goes back to node '%(node)s' (%(name)s) on resubmission, which the new "
                "version does not have and no node is mapped to.",
                node=at,
                name=node_name(old, at),
            )
            if reason not in refused:
                refused.append(reason)
    values, lost, renamed = {}, {}, {}
    old_types = {f["key"]: f["type"] for f in old["fields"]}
    new_types_of = {f["key"]: f["type"] for f in new["fields"]}
    for key, value in (instance.values or {}).items():
        target = mapping.fields.get(key)
        if target is None:
            lost[key] = value
            continue
        values[target] = value
        if target != key:
            renamed[key] = target
        if not empty(value) and old_types.get(key) != new_types_of[target]:
            # A value of one type in a field of another is read wrong, or not at all.
            refused.append(
                gettext(
                    "Field '%(field)s' holds a %(old)s value, and '%(target)s' takes %(new)s "
                    "values: map it to nothing (its value is lost) or to a field of its type.",
                    field=key,
                    old=old_types.get(key),
                    target=target,
                    new=new_types_of[target],
                )
            )
    defaults: dict[str, Any] = {}
    viewer = None
    for spec in new["fields"]:
        key = spec["key"]
        if key in values and not (spec.get("required") and empty(values[key])):
            continue
        if "default" in spec:
            # Only the initiator's defaults ask who they are (read once per instance).
            if spec["default"].get("kind") not in _PERSONAL:
                reader = _NOBODY
            elif viewer is None:
                reader = viewer = _initiator(instance, directory)
            else:
                reader = viewer
            defaults[key] = values[key] = default_value(spec, reader, directory, now)
        elif spec.get("required"):
            refused.append(
                gettext(
                    "The new version requires field '%(field)s' (%(label)s), which has no value "
                    "and no default.",
                    field=key,
                    label=localized.text(spec.get("label") or key),
                )
            )
    return InstancePlan(
        instance_id=instance.id,
        title=instance.title,
        status=str(instance.status),
        now=[node_name(old, a.node_id) for a in active],
        after=[
            node_name(new, mapping.nodes[a.node_id])
            for a in active
            if mapping.nodes.get(a.node_id) is not None
        ],
        values=values,
        lost=lost,
        defaults=defaults,
        renamed=renamed,
        moved_activations=moved,
        refused=refused,
    )


# Defaults that depend on the person: the initiator's, as when they filled in the form.
_PERSONAL = frozenset({"current_user", "current_department"})
_NOBODY = Viewer("")


def _initiator(instance: Instance, directory: Directory) -> Viewer:
    username = instance.initiator.username
    return Viewer(username, directory.department_of(username))


def _inputs(document: Mapping[str, Any], node_id: str) -> int:
    return sum(1 for edge in document["edges"] if edge["to"] == node_id)
