"""Discovery of node types, field types and timer subjects through their entry-point groups,
``oa_platform.node_types``, ``oa_platform.field_types`` and ``oa_platform.timer_subjects``.

Loaded lazily and once per process (Airflow learnt that crawling plugins at import time hurts,
PR #7644). A plugin that fails to import, is not a subclass of its contract
(:class:`~plugins.contract.NodeType`, :class:`~plugins.field_contract.FieldType`,
:class:`~plugins.timer_subject.TimerSubject`), or declares
invalid schemas is recorded as a problem and skipped; the platform runs on. Two entry points
claiming one type name are both refused, and the problem names both sources.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import jsonschema

from plugins.contract import NodeType
from plugins.field_contract import (
    COMMON_MEMBERS,
    DEFAULT_KINDS,
    REFUSABLE_MEMBERS,
    WIDGETS,
    Container,
    FieldType,
)
from plugins.timer_subject import TimerSubject

GROUP = "oa_platform.node_types"
FIELD_GROUP = "oa_platform.field_types"
TIMER_SUBJECT_GROUP = "oa_platform.timer_subjects"
FIELD_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Built-in field types come first when member schemas are compared, so a plugin that
# redefines a built-in member ("options") is the one refused.
BUILT_IN_FIELD_TYPES = "plugins.field_types."


@dataclass(frozen=True)
class Installed:
    """A node type that loaded, with where it came from."""

    node_type: NodeType
    source: str  # "distribution version: module:Class"
    version: str


@dataclass(frozen=True)
class InstalledFieldType:
    """A field type that loaded, with where it came from."""

    field_type: FieldType
    source: str  # "distribution version: module:Class"
    version: str


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that could not be registered, and why (shown at start-up and to admins)."""

    entry_point: str
    source: str
    message: str
    detail: str = ""


@dataclass(frozen=True)
class _Loaded:
    point: EntryPoint
    plugin: Any  # an instance of the loaded class
    source: str
    version: str


def _discover(
    points: Iterable[EntryPoint],
    contract_problem: Callable[[EntryPoint, object], str | None],
    noun: str,
) -> tuple[dict[str, _Loaded], list[PluginProblem]]:
    """Load every entry point; the plugins by name, and the problems of those refused."""
    problems: list[PluginProblem] = []
    claims: dict[str, list[_Loaded]] = {}
    for point in points:
        source = _source(point)
        try:
            cls = point.load()
        except Exception as error:  # any import failure of third-party code
            message = f"failed to import: {type(error).__name__}: {error}"
            problems.append(PluginProblem(point.name, source, message, traceback.format_exc()))
            continue
        problem = contract_problem(point, cls)
        if problem:
            problems.append(PluginProblem(point.name, source, problem))
            continue
        version = point.dist.version if point.dist else ""
        claims.setdefault(cls.name, []).append(_Loaded(point, cls(), source, version))
    loaded: dict[str, _Loaded] = {}
    for name, claimants in claims.items():
        if len(claimants) == 1:
            loaded[name] = claimants[0]
            continue
        sources = " and ".join(claimant.source for claimant in claimants)
        for claimant in claimants:
            problems.append(
                PluginProblem(
                    claimant.point.name,
                    claimant.source,
                    f"{noun} {name!r} is claimed twice, by {sources}; neither is loaded",
                )
            )
    return loaded, problems


def _source(point: EntryPoint) -> str:
    dist = f"{point.dist.name} {point.dist.version}" if point.dist else "unknown distribution"
    return f"{dist}: {point.value}"


# --- Node types ------------------------------------------------------------------------------


@dataclass
class NodeTypeRegistry(Mapping[str, NodeType]):
    """The installed node types by name, plus the problems met while loading them."""

    installed: dict[str, Installed] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)

    def __getitem__(self, name: str) -> NodeType:
        return self.installed[name].node_type

    def __iter__(self) -> Iterator[str]:
        return iter(self.installed)

    def __len__(self) -> int:
        return len(self.installed)

    @classmethod
    def from_entry_points(cls, points: Iterable[EntryPoint]) -> NodeTypeRegistry:
        loaded, problems = _discover(points, _contract_problem, "node type")
        installed = {
            name: Installed(item.plugin, item.source, item.version) for name, item in loaded.items()
        }
        return cls(installed, problems)


def _contract_problem(point: EntryPoint, cls: object) -> str | None:
    if not (isinstance(cls, type) and issubclass(cls, NodeType)):
        return f"{point.value} is not a NodeType subclass"
    for attribute in ("name", "label"):
        if not getattr(cls, attribute, None):
            return f"{point.value} does not declare {attribute!r}"
    if cls.name != point.name:
        return f"entry point {point.name!r} must have the type's name {cls.name!r}"
    try:
        jsonschema.Draft202012Validator.check_schema(dict(cls.config_schema))
    except jsonschema.SchemaError as error:
        return f"config_schema of {cls.name!r} is not a valid JSON Schema: {error.message}"
    unknown = [a for a in cls.default_actions or () if a not in cls.actions]
    if unknown:
        return f"default_actions of {cls.name!r} are not among its actions: {unknown}"
    unknown = [a for a in getattr(cls, "designer_actions", None) or () if a not in cls.actions]
    if unknown:
        return f"designer_actions of {cls.name!r} are not among its actions: {unknown}"
    return None


@functools.cache
def node_types() -> NodeTypeRegistry:
    """The process-wide node-type registry, loaded on first use."""
    return NodeTypeRegistry.from_entry_points(entry_points(group=GROUP))


# --- Field types -----------------------------------------------------------------------------


@dataclass
class FieldTypeRegistry(Mapping[str, FieldType]):
    """The installed field types by name (palette order: ``rank``, then name), plus the
    problems met while loading them."""

    installed: dict[str, InstalledFieldType] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)

    def __getitem__(self, name: str) -> FieldType:
        return self.installed[name].field_type

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.installed, key=lambda name: (self[name].rank, name)))

    def __len__(self) -> int:
        return len(self.installed)

    @classmethod
    def from_entry_points(cls, points: Iterable[EntryPoint]) -> FieldTypeRegistry:
        loaded, problems = _discover(points, _field_contract_problem, "field type")
        registry = cls(problems=problems)
        # Built-ins first, so their member schemas are the ones a plugin must agree with.
        ordered = sorted(
            loaded.values(),
            key=lambda item: (not item.point.value.startswith(BUILT_IN_FIELD_TYPES), item.source),
        )
        members: dict[str, tuple[str, Mapping[str, object]]] = {}
        for item in ordered:
            field_type: FieldType = item.plugin
            clash = _member_clash(field_type, members)
            if clash:
                problems.append(PluginProblem(item.point.name, item.source, clash))
                continue
            for member, schema in field_type.members.items():
                members.setdefault(member, (field_type.name, schema))
            registry.installed[field_type.name] = InstalledFieldType(
                field_type, item.source, item.version
            )
        return registry


def _member_clash(
    field_type: FieldType, members: Mapping[str, tuple[str, Mapping[str, object]]]
) -> str | None:
    for member, schema in field_type.members.items():
        if member in members and members[member][1] != schema:
            owner = members[member][0]
            return (
                f"field type {field_type.name!r} declares member {member!r} unlike field type "
                f"{owner!r}; a member name means one thing, so it is not loaded"
            )
    return None


def _field_contract_problem(point: EntryPoint, cls: object) -> str | None:
    if not (isinstance(cls, type) and issubclass(cls, FieldType)):
        return f"{point.value} is not a FieldType subclass"
    for attribute in ("name", "label"):
        if not getattr(cls, attribute, None):
            return f"{point.value} does not declare {attribute!r}"
    if cls.name != point.name:
        return f"entry point {point.name!r} must have the type's name {cls.name!r}"
    if not FIELD_TYPE_NAME.match(cls.name):
        return f"field type name {cls.name!r} must be lower case letters, digits and _"
    members = dict(cls.members)
    try:
        jsonschema.Draft202012Validator.check_schema({"properties": members})
    except jsonschema.SchemaError as error:
        return f"members of {cls.name!r} are not valid JSON Schemas: {error.message}"
    problems = [
        (sorted(COMMON_MEMBERS & members.keys()), "redefines common members"),
        (sorted(set(cls.required_members) - members.keys()), "requires undeclared members"),
        (sorted(set(cls.refused_members) - REFUSABLE_MEMBERS), "cannot refuse members"),
        (sorted(cls.default_kinds - DEFAULT_KINDS), "names unknown default kinds"),
        ([cls.widget] if cls.widget not in WIDGETS else [], "names an unknown widget"),
    ]
    for names, what in problems:
        if names:
            return f"field type {cls.name!r} {what}: {', '.join(map(repr, names))}"
    if cls.container is not None and not isinstance(cls.container, Container):
        return f"field type {cls.name!r}: container must be a Container"
    # The "attachments" widget draws the only upload control, whose post the submission reads.
    if cls.uploads != (cls.widget == "attachments"):
        return f"field type {cls.name!r}: uploads and the 'attachments' widget go together"
    if cls.fixed_places is not None and cls.expression_type != "number":
        return f"field type {cls.name!r}: fixed_places is for number types"
    return None


@functools.cache
def field_types() -> FieldTypeRegistry:
    """The process-wide field-type registry, loaded on first use."""
    return FieldTypeRegistry.from_entry_points(entry_points(group=FIELD_GROUP))


# --- Timer subjects --------------------------------------------------------------------------


@dataclass(frozen=True)
class InstalledTimerSubject:
    """A timer subject that loaded, with where it came from."""

    subject: TimerSubject
    source: str  # "distribution version: module:Class"
    version: str


@dataclass
class TimerSubjectRegistry(Mapping[str, TimerSubject]):
    """The installed timer subjects by the ``subject_kind`` their timers carry, plus the
    problems met while loading them."""

    installed: dict[str, InstalledTimerSubject] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)

    def __getitem__(self, name: str) -> TimerSubject:
        return self.installed[name].subject

    def __iter__(self) -> Iterator[str]:
        return iter(self.installed)

    def __len__(self) -> int:
        return len(self.installed)

    @classmethod
    def from_entry_points(cls, points: Iterable[EntryPoint]) -> TimerSubjectRegistry:
        loaded, problems = _discover(points, _timer_subject_problem, "timer subject")
        installed = {
            name: InstalledTimerSubject(item.plugin, item.source, item.version)
            for name, item in loaded.items()
        }
        return cls(installed, problems)


def _timer_subject_problem(point: EntryPoint, cls: object) -> str | None:
    if not (isinstance(cls, type) and issubclass(cls, TimerSubject)):
        return f"{point.value} is not a TimerSubject subclass"
    for attribute in ("name", "label"):
        if not getattr(cls, attribute, None):
            return f"{point.value} does not declare {attribute!r}"
    if cls.name != point.name:
        return f"entry point {point.name!r} must have the subject's name {cls.name!r}"
    # Stored in process_timer.subject_kind, String(32).
    if not FIELD_TYPE_NAME.match(cls.name) or len(cls.name) > 32:
        return f"timer subject name {cls.name!r} must be up to 32 lower case letters, digits and _"
    return None


@functools.cache
def timer_subjects() -> TimerSubjectRegistry:
    """The process-wide timer-subject registry, loaded on first use."""
    return TimerSubjectRegistry.from_entry_points(entry_points(group=TIMER_SUBJECT_GROUP))
