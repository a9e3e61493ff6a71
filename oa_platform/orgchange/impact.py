"""Impact analysis of an organisation change (regulations §2.1.2, §8.4; issue 23).

Shown before a change is applied and available any time:

- **definitions**: the published definitions whose assignee rules, conditions or field
  defaults name the changed units, positions or people;
- **tasks** and **questions**: open ones held by the people who move or leave (or lose a
  head's or leader's part), with those whose handler is now inactive or no longer the one the
  node's rule names;
- **agents**: delegations in force or to come that point at those people;
- **stranded instances**: running instances whose future nodes would resolve to nobody in the
  organisation as it will be (the change is made inside a savepoint, read, and undone).

Each item carries the address where it is fixed (the designer, the bulk reassignment page,
the instance, the agents page).

What a published version names never changes, so each version's facts (its rules, the names
it uses, its graph) are read from its document once per process (:data:`_FACTS`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from form_builder import localized
from form_builder.models import DefinitionVersion, ProcessDefinition, VersionStatus
from oa_platform.accounts.models import OAUser
from oa_platform.agents.models import AgentDelegation
from oa_platform.orgchange.apply import carry_out, department_code
from oa_platform.orgchange.changes import Change
from oa_platform.orgchange.resolution import INITIATOR_RULES, OrgSnapshot, default_problem
from oa_platform.runtime.models import Instance, Question, Task
from oa_platform.runtime.states import LIVE_TASK, InstanceStatus
from oa_platform.unit_of_work import unit_of_work

_WORD = re.compile(r"[\w/.\-]+", re.UNICODE)


# What a change touches ---------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """The people (user names), departments (``COMPANY/CODE``) and positions a change names,
    and the people whose open work it moves (``holders``)."""

    people: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    positions: frozenset[str] = frozenset()
    holders: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.people or self.departments or self.positions or self.holders)


def subject_of(session: Session, change: Change) -> Subject:
    """What ``change`` touches, read from the organisation before it is made."""
    from oa_platform.orgchange.apply import find_department

    people: set[str] = set()
    departments: set[str] = set()
    positions: set[str] = set()
    holders: set[str] = set()
    kind = change.kind.code
    person = (
        session.scalar(
            select(OAUser).where(func.lower(OAUser.username) == (change.person or "").lower())
        )
        if change.person
        else None
    )
    if person is not None:
        people.add(person.username)
        if person.department is not None:
            departments.add(department_code(person.department))
        if person.position is not None and kind == "position_change":
            positions.add(person.position.name)
        if kind in ("person_move", "person_leave", "position_change"):
            holders.add(person.username)
    for code in (change.department, change.target_department):
        if code and kind != "department_create":
            departments.add(code)
    if change.position:
        positions.add(change.position)
    if change.successor:
        people.add(change.successor)
    if kind in ("head_change", "leader_change") and change.department:
        try:
            unit = find_department(session, change.department, "")
        except ValueError:
            unit = None
        old = None
        if unit is not None:
            old = unit.head if kind == "head_change" else unit.leader_in_charge
        if old is not None:
            people.add(old.username)
            holders.add(old.username)
    return Subject(
        frozenset(people), frozenset(departments), frozenset(positions), frozenset(holders)
    )


# What each published version names -------------------------------------------------------


@dataclass(frozen=True)
class VersionFacts:
    """What one published version's document names, and its graph."""

    rules: dict[str, dict[str, Any]]  # node id -> assignee rule
    node_names: dict[str, Any]
    references: dict[str, list[str]]  # a lower-cased name -> where (node, field, edge)
    successors: dict[str, tuple[str, ...]]
    default_problems: dict[str, str]  # node id -> a field rule whose default names nobody


# (database, version id) -> facts: a process may serve several databases (the tests do).
_FACTS: dict[tuple[str, int, str], VersionFacts] = {}
_DOCUMENTS: dict[tuple[str, int, str], Mapping[str, Any]] = {}


def _refer(references: dict[str, list[str]], name: Any, where: str) -> None:
    if isinstance(name, str) and name:
        references.setdefault(name.lower(), []).append(where)
        if "/" in name:  # "SLS/SALES" is also named by its bare code
            references.setdefault(name.rpartition("/")[2].lower(), []).append(where)


def facts_of(document: Mapping[str, Any]) -> VersionFacts:
    """Read a version's document once: its rules, names and graph."""
    rules: dict[str, dict[str, Any]] = {}
    names: dict[str, Any] = {}
    references: dict[str, list[str]] = {}
    for node in document.get("nodes", []):
        names[node["id"]] = node.get("name", node["id"])
        rule = node.get("assignee")
        if not rule:
            continue
        rules[node["id"]] = rule
        where = f"node:{node['id']}"
        for name in rule.get("users", []):
            _refer(references, name, where)
        for member in ("role", "position", "department", "company"):
            _refer(references, rule.get(member), where)
    for item in document.get("fields", []):
        default = item.get("default") or {}
        if default.get("kind") == "literal":
            _refer(references, default.get("value"), f"field:{item.get('key')}")
    successors: dict[str, list[str]] = {}
    for edge in document.get("edges", []):
        successors.setdefault(edge["from"], []).append(edge["to"])
        condition = edge.get("condition")
        if isinstance(condition, str):
            for word in set(_WORD.findall(condition)):
                _refer(references, word.strip("'\""), f"edge:{edge['from']}->{edge['to']}")
    for item in document.get("fields", []):  # visible_if conditions read fields too
        condition = item.get("visible_if")
        if isinstance(condition, str):
            for word in set(_WORD.findall(condition)):
                _refer(references, word, f"field:{item.get('key')}")
    return VersionFacts(
        rules,
        names,
        references,
        {node: tuple(targets) for node, targets in successors.items()},
        {},
    )


def _facts(session: Session, version_ids: Iterable[int]) -> dict[int, VersionFacts]:
    """The facts of each version, documents read only for those not yet known. A version is
    known by its database, id and publication time: a test's fresh database reuses ids."""
    database = _database(session)
    wanted = list(set(version_ids))
    stamps: dict[int, Any] = {}
    for start in range(0, len(wanted), 500):
        stamps.update(
            session.execute(
                select(DefinitionVersion.id, DefinitionVersion.published_at).where(
                    DefinitionVersion.id.in_(wanted[start : start + 500])
                )
            ).all()
        )
    keys = {v: (database, v, str(stamp)) for v, stamp in stamps.items()}
    missing = [v for v, key in keys.items() if key not in _FACTS]
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        rows = session.execute(
            select(DefinitionVersion.id, DefinitionVersion.document).where(
                DefinitionVersion.id.in_(chunk)
            )
        )
        for version_id, document in rows:
            _FACTS[keys[version_id]] = facts_of(document)
            _DOCUMENTS[keys[version_id]] = document
    session.info["oa_orgchange_keys"] = keys
    return {v: _FACTS[key] for v, key in keys.items() if key in _FACTS}


def _database(session: Session) -> str:
    return str(session.get_bind().url)


def reachable(facts: VersionFacts, node_id: str) -> frozenset[str]:
    """The nodes after ``node_id`` (not itself, unless a loop comes back to it)."""
    seen: set[str] = set()
    stack = list(facts.successors.get(node_id, ()))
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(facts.successors.get(node, ()))
    return frozenset(seen)


# The report --------------------------------------------------------------------------------


@dataclass
class DefinitionHit:
    key: str
    name: str
    version: int
    reasons: list[str]
    unresolvable: dict[str, str] = field(default_factory=dict)  # node id -> why


@dataclass
class TaskHit:
    task_id: int
    instance_id: int
    title: str
    definition_key: str
    node_id: str
    assignee: str
    problem: str | None  # "inactive", "wrong_handler" or None (held by a changed person)


@dataclass
class QuestionHit:
    question_id: int
    instance_id: int
    asked_to: str


@dataclass
class AgentHit:
    delegation_id: int
    principal: str
    agent: str
    ends_on: date


@dataclass
class StrandedHit:
    instance_id: int
    title: str
    definition_key: str
    node_id: str
    reason: str


@dataclass
class Impact:
    subject: Subject
    definitions: list[DefinitionHit] = field(default_factory=list)
    tasks: list[TaskHit] = field(default_factory=list)
    questions: list[QuestionHit] = field(default_factory=list)
    agents: list[AgentHit] = field(default_factory=list)
    stranded: list[StrandedHit] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (
            len(self.definitions)
            + len(self.tasks)
            + len(self.questions)
            + len(self.agents)
            + len(self.stranded)
        )


def _published(session: Session) -> dict[int, tuple[str, str, int]]:
    """The latest published version of each definition not withdrawn: id -> (key, name,
    number)."""
    latest = (
        select(
            DefinitionVersion.definition_id,
            func.max(DefinitionVersion.number).label("number"),
        )
        .where(DefinitionVersion.status == VersionStatus.PUBLISHED)
        .group_by(DefinitionVersion.definition_id)
        .subquery()
    )
    rows = session.execute(
        select(
            DefinitionVersion.id,
            ProcessDefinition.key,
            ProcessDefinition.default_name,
            ProcessDefinition.name_texts,
            DefinitionVersion.number,
        )
        .join(ProcessDefinition, ProcessDefinition.id == DefinitionVersion.definition_id)
        .join(
            latest,
            (latest.c.definition_id == DefinitionVersion.definition_id)
            & (latest.c.number == DefinitionVersion.number),
        )
        .where(ProcessDefinition.withdrawn_at.is_(None))
    )
    return {
        version_id: (key, localized.text(texts or name), number)
        for version_id, key, name, texts, number in rows
    }


def _definitions(
    session: Session, subject: Subject, published: dict[int, tuple[str, str, int]]
) -> list[DefinitionHit]:
    names = {n.lower() for n in subject.people | subject.positions}
    for code in subject.departments:
        names.add(code.lower())
        names.add(code.rpartition("/")[2].lower())
    facts = _facts(session, published)
    hits: list[DefinitionHit] = []
    for version_id, (key, name, number) in published.items():
        references = facts[version_id].references
        reasons = sorted({where for n in names for where in references.get(n, ())})
        if reasons:
            hits.append(DefinitionHit(key, name, number, reasons))
    return sorted(hits, key=lambda hit: hit.key)


def _tasks(session: Session, subject: Subject, snapshot: OrgSnapshot) -> list[TaskHit]:
    holders = [n.lower() for n in subject.holders]
    assignee = aliased(OAUser)
    initiator = aliased(OAUser)
    query = (
        select(
            Task.id,
            Task.instance_id,
            Instance.title,
            ProcessDefinition.key,
            Task.node_id,
            assignee.username,
            assignee.id,
            Instance.definition_version_id,
            initiator.department_id,
            Task.principal_id,
            Task.transferred_from_id,
        )
        .join(Instance, Instance.id == Task.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id)
        .join(assignee, assignee.id == Task.assignee_id)
        .join(initiator, initiator.id == Instance.initiator_id)
        .where(Task.status.in_(LIVE_TASK))
    )
    inactive = assignee.active.is_(False) | assignee.deactivated_at.is_not(None)
    if holders:
        query = query.where(func.lower(assignee.username).in_(holders) | inactive)
    else:
        query = query.where(inactive)
    rows = session.execute(query.order_by(Task.id)).all()
    facts = _facts(session, {row[7] for row in rows})
    hits = []
    for (
        task_id,
        instance_id,
        title,
        key,
        node_id,
        username,
        user_id,
        version_id,
        department_id,
        principal_id,
        transferred_from_id,
    ) in rows:
        problem = None
        if username.lower() not in snapshot.active:
            problem = "inactive"
        else:
            rule = facts[version_id].rules.get(node_id) if version_id in facts else None
            if (
                rule
                and rule.get("rule") in INITIATOR_RULES
                and principal_id is None
                and transferred_from_id is None
            ):
                expected = _expected(snapshot, rule, department_id)
                if expected is not None and expected != user_id:
                    problem = "wrong_handler"
        hits.append(TaskHit(task_id, instance_id, title, key, node_id, username, problem))
    return hits


def _expected(snapshot: OrgSnapshot, rule: Mapping[str, Any], department_id: int | None):
    """Whom a head or leader rule names today for an initiator of ``department_id``."""
    if rule.get("rule") == "department_head":
        heads = snapshot.heads_above(department_id)
        levels = int(rule.get("levels", 1))
        return heads[levels - 1] if len(heads) >= levels else None
    unit = snapshot.departments.get(department_id) if department_id else None
    return unit[4] if unit else None


def _questions(session: Session, subject: Subject) -> list[QuestionHit]:
    if not subject.holders:
        return []
    rows = session.execute(
        select(Question.id, Question.instance_id, OAUser.username)
        .join(OAUser, OAUser.id == Question.asked_to_id)
        .where(
            func.lower(OAUser.username).in_([n.lower() for n in subject.holders]),
            Question.answered_at.is_(None),
        )
        .order_by(Question.id)
    )
    return [QuestionHit(*row) for row in rows]


def _agents(session: Session, subject: Subject) -> list[AgentHit]:
    if not subject.holders:
        return []
    principal = aliased(OAUser)
    agent = aliased(OAUser)
    holders = [n.lower() for n in subject.holders]
    rows = session.execute(
        select(AgentDelegation.id, principal.username, agent.username, AgentDelegation.ends_on)
        .join(principal, principal.id == AgentDelegation.principal_id)
        .join(agent, agent.id == AgentDelegation.agent_id)
        .where(
            AgentDelegation.revoked_at.is_(None),
            AgentDelegation.ends_on >= date.today(),
            func.lower(principal.username).in_(holders) | func.lower(agent.username).in_(holders),
        )
        .order_by(AgentDelegation.id)
    )
    return [AgentHit(*row) for row in rows]


def _stranded(session: Session, snapshot: OrgSnapshot, limit: int) -> list[StrandedHit]:
    """Running instances with a future node whose rule finds nobody today."""
    # Versions of running instances are published ones; a node is a candidate when its rule
    # finds nobody for some initiator (and only then are the instances read).
    versions = dict(
        session.execute(
            select(DefinitionVersion.id, DefinitionVersion.definition_id).where(
                DefinitionVersion.status == VersionStatus.PUBLISHED
            )
        ).all()
    )
    facts = _facts(session, versions)
    candidates: dict[int, dict[str, tuple[str | None, set[int] | None]]] = {}
    for version_id, version in facts.items():
        nodes: dict[str, tuple[str | None, set[int] | None]] = {}
        for node_id, rule in version.rules.items():
            problem = snapshot.problem(rule) or default_problem(
                snapshot, _DOCUMENTS[session.info["oa_orgchange_keys"][version_id]], rule
            )
            if problem:
                nodes[node_id] = (problem, None)  # nobody, whoever the initiator
            elif rule.get("rule") in INITIATOR_RULES:
                without = snapshot.departments_without(rule)
                if without:
                    nodes[node_id] = (None, without)
        if nodes:
            candidates[version_id] = nodes
    if not candidates:
        return []
    initiator = aliased(OAUser)
    rows = session.execute(
        select(
            Instance.id,
            Instance.title,
            ProcessDefinition.key,
            Instance.definition_version_id,
            Task.node_id,
            initiator.department_id,
        )
        .join(Task, Task.instance_id == Instance.id)
        .join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id)
        .join(initiator, initiator.id == Instance.initiator_id)
        .where(
            Instance.definition_id.in_({versions[v] for v in candidates}),
            Instance.definition_version_id.in_(list(candidates)),
            Instance.status == InstanceStatus.RUNNING,
            Task.status.in_(LIVE_TASK),
        )
        .order_by(Instance.id)
    )
    hits: list[StrandedHit] = []
    seen: set[int] = set()
    ahead: dict[tuple[int, str], frozenset[str]] = {}
    for instance_id, title, key, version_id, node_id, department_id in rows:
        if instance_id in seen:
            continue
        future = ahead.get((version_id, node_id))
        if future is None:
            future = ahead[(version_id, node_id)] = reachable(facts[version_id], node_id)
        for candidate, (problem, departments) in candidates[version_id].items():
            if candidate not in future:
                continue
            if problem is None:
                if department_id not in departments:
                    continue
                rule = facts[version_id].rules[candidate]
                problem = snapshot.problem_for(rule, department_id)
            hits.append(StrandedHit(instance_id, title, key, candidate, problem or ""))
            seen.add(instance_id)
            break
        if len(hits) >= limit:
            break
    return hits


def analyse(
    session: Session, subject: Subject, change: Change | None = None, *, limit: int = 1000
) -> Impact:
    """The impact of ``change`` (or of the organisation as it is, with ``change`` None) on
    what names ``subject``. Changes nothing: a change is made in a savepoint and undone."""
    impact = Impact(subject)
    published = _published(session)
    snapshot = OrgSnapshot.read(session)
    impact.definitions = _definitions(session, subject, published)
    impact.tasks = _tasks(session, subject, snapshot)
    impact.questions = _questions(session, subject)
    impact.agents = _agents(session, subject)
    if change is None:
        impact.stranded = _stranded(session, snapshot, limit)
    else:
        impact.stranded = _after(session, change, impact, published, limit)
    return impact


class _Undo(Exception):
    """Raised to roll the preview's savepoint back."""


def _after(
    session: Session,
    change: Change,
    impact: Impact,
    published: dict[int, tuple[str, str, int]],
    limit: int,
) -> list[StrandedHit]:
    """Make the change in a savepoint, read what would resolve to nobody, undo it."""
    unit = unit_of_work(session)
    # Inside a unit of work, so the commands the change runs (a leaver's deactivation) join
    # it instead of committing: the savepoint's rollback then undoes all of it.
    found = unit.run(
        lambda: _preview(session, unit, change, impact, published, limit), conflicts=()
    )
    session.expire_all()
    return found


def _preview(session, unit, change, impact, published, limit) -> list[StrandedHit]:
    found: list[StrandedHit] = []
    try:
        with unit.savepoint():
            try:
                carry_out(session, change)
            except ValueError:
                raise _Undo from None  # the apply names why; the preview shows today's state
            snapshot = OrgSnapshot.read(session)
            found = _stranded(session, snapshot, limit)
            facts = _facts(session, published)
            for hit in impact.definitions:
                version_id = next(v for v, p in published.items() if p[0] == hit.key)
                for node_id, rule in facts[version_id].rules.items():
                    problem = snapshot.problem(rule)
                    if problem:
                        hit.unresolvable[node_id] = problem
            raise _Undo
    except _Undo:
        pass
    return found
