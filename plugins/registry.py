"""Discovery of node types through the ``oa_platform.node_types`` entry-point group.

Loaded lazily and once per process (Airflow learnt that crawling plugins at import time hurts,
PR #7644). A plugin that fails to import, is not a :class:`~plugins.contract.NodeType`, or
declares an invalid config schema is recorded as a problem and skipped; the platform runs on.
Two entry points claiming one type name are both refused, and the problem names both sources.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

import jsonschema

from plugins.contract import NodeType

GROUP = "oa_platform.node_types"


@dataclass(frozen=True)
class Installed:
    """A node type that loaded, with where it came from."""

    node_type: NodeType
    source: str  # "distribution version: module:Class"
    version: str


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that could not be registered, and why (shown at start-up and to admins)."""

    entry_point: str
    source: str
    message: str
    detail: str = ""


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
        registry = cls()
        claims: dict[str, list[tuple[EntryPoint, Installed]]] = {}
        for point in points:
            loaded = registry._load(point)
            if loaded is not None:
                claims.setdefault(loaded.node_type.name, []).append((point, loaded))
        for name, claimants in claims.items():
            if len(claimants) == 1:
                registry.installed[name] = claimants[0][1]
                continue
            sources = " and ".join(installed.source for _, installed in claimants)
            for point, installed in claimants:
                registry.problems.append(
                    PluginProblem(
                        point.name,
                        installed.source,
                        f"node type {name!r} is claimed twice, by {sources}; neither is loaded",
                    )
                )
        return registry

    def _load(self, point: EntryPoint) -> Installed | None:
        source = _source(point)
        try:
            cls = point.load()
        except Exception as error:  # any import failure of third-party code
            self.problems.append(
                PluginProblem(
                    point.name,
                    source,
                    f"failed to import: {type(error).__name__}: {error}",
                    traceback.format_exc(),
                )
            )
            return None
        problem = _contract_problem(point, cls)
        if problem:
            self.problems.append(PluginProblem(point.name, source, problem))
            return None
        version = point.dist.version if point.dist else ""
        return Installed(cls(), source, version)


def _source(point: EntryPoint) -> str:
    dist = f"{point.dist.name} {point.dist.version}" if point.dist else "unknown distribution"
    return f"{dist}: {point.value}"


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
    return None


@functools.cache
def node_types() -> NodeTypeRegistry:
    """The process-wide registry, loaded on first use."""
    return NodeTypeRegistry.from_entry_points(entry_points(group=GROUP))
