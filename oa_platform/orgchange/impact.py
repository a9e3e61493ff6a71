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
        moves = kind in ("person_join", "person_move", "person_leave", "position_change")
        if person.department is not None and moves:
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
    references: dict[tuple[str, str], list[str]]  # (kind, lower-cased name) -> where
    successors: dict[str, tuple[str, ...]]
    default_problems: dict[str, str]  # node id -> a field rule whose default names nobody


# (database, version id) -> facts: a process may serve several databases (the tests do).
_FACTS: dict[tuple[str, int, str], VersionFacts] = {}
_DOCUMENTS: dict[tuple[str, int, str], Mapping[str, Any]] = {}


def _refer(references: dict[tuple[str, str], list[str]], kind: str, name: Any, where: str):
    """Record that ``where`` names ``name`` as a ``kind`` (user, role, position, department,
    company, or a word of a condition); a department is also named by its bare code."""
    if isinstance(name, str) and name:
        references.setdefault((kind, name.lower()), []).append(where)
        if kind == "department" and "/" in name:
            references.setdefault((kind, name.rpartition("/")[2].lower()), []).append(where)


def facts_of(document: Mapping[str, Any]) -> VersionFacts:
    """Read a version's document once: its rules, names and graph."""
    rules: dict[str, dict[str, Any]] = {}
    names: dict[str, Any] = {}
    references: dict[tuple[str, str], list[str]] = {}
    for node in document.get("nodes", []):
        names[node["id"]] = node.get("name", node["id"])
        rule = node.get("assignee")
        if not rule:
            continue
        rules[node["id"]] = rule
        where = f"node:{node['id']}"
        for name in rule.get("users", []):
            _refer(references, "user", name, where)
        for member in ("role", "position", "department", "company"):
            _refer(references, member, rule.get(member), where)
    for item in document.get("fields", []):
        default = item.get("default") or {}
        if default.get("kind") == "literal" and item.get("type") in ("user", "department"):
            _refer(references, item["type"], default.get("value"), f"field:{item.get('key')}")
    successors: dict[str, list[str]] = {}
    for edge in document.get("edges", []):
        successors.setdefault(edge["from"], []).append(edge["to"])
        condition = edge.get("condition")
        if isinstance(condition, str):
            for word in set(_WORD.findall(condition)):
                _refer(references, "word", word, f"edge:{edge['from']}->{edge['to']}")
    for item in document.get("fields", []):  # visible_if conditions read fields too
        condition = item.get("visible_if")
        if isinstance(condition, str):
            for word in set(_WORD.findall(condition)):
                _refer(references, "word", word, f"field:{item.get('key')}")
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
    return {v: _FACTS[key] for v, key in keys.items() if key in _FACTS}


def _documents(session: Session, version_ids: Iterable[int]) -> dict[int, Mapping[str, Any]]:
    """The documents :func:`_facts` read, by version id (call it first)."""
    database = _database(session)
    return {
        version_id: document
        for (db_url, version_id, _stamp), document in _DOCUMENTS.items()
        if db_url == database and version_id in set(version_ids)
    }


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


def _published(session: Session) -> tuple[dict[int, tuple[str, str, int]], dict[int, int]]:
    """The latest published version of each definition not withdrawn: id -> (key, name,
    number); and every published version (running instances may be on older ones): id ->
    definition id."""
    rows = session.execute(
        select(
            DefinitionVersion.id,
            DefinitionVersion.definition_id,
            DefinitionVersion.number,
            ProcessDefinition.key,
            ProcessDefinition.default_name,
            ProcessDefinition.name_texts,
            ProcessDefinition.withdrawn_at,
        )
        .join(ProcessDefinition, ProcessDefinition.id == DefinitionVersion.definition_id)
        .where(DefinitionVersion.status == VersionStatus.PUBLISHED)
        .order_by(DefinitionVersion.definition_id, DefinitionVersion.number)
    ).all()
    every = {row[0]: row[1] for row in rows}
    latest: dict[int, tuple[int, str, str, int]] = {}
    for version_id, definition_id, number, key, name, texts, withdrawn in rows:
        if withdrawn is None:
            latest[definition_id] = (version_id, key, localized.text(texts or name), number)
    return {v: (key, name, number) for v, key, name, number in latest.values()}, every


def _definitions(
    subject: Subject, published: dict[int, tuple[str, str, int]], facts: dict[int, VersionFacts]
) -> list[DefinitionHit]:
    names: set[tuple[str, str]] = set()
    for person in subject.people:
        names |= {("user", person.lower()), ("word", person.lower())}
    for position in subject.positions:
        names |= {("position", position.lower()), ("word", position.lower())}
    for code in subject.departments:
        for form in (code.lower(), code.rpartition("/")[2].lower()):
            names |= {("department", form), ("word", form)}
    hits: list[DefinitionHit] = []
    for version_id, (key, name, number) in published.items():
        references = facts[version_id].references
        reasons = sorted({where for n in names for where in references.get(n, ())})
        if reasons:
            hits.append(DefinitionHit(key, name, number, reasons))
    return sorted(hits, key=lambda hit: hit.key)


def _user_ids(session: Session, usernames: Iterable[str]) -> list[int]:
    names = [n.lower() for n in usernames]
    if not names:
        return []
    return list(session.scalars(select(OAUser.id).where(func.lower(OAUser.username).in_(names))))


def _tasks(
    session: Session, subject: Subject, snapshot: OrgSnapshot, facts: dict[int, VersionFacts]
) -> list[TaskHit]:
    """Open tasks of the holders and of anyone inactive, each with what is wrong with it."""
    inactive = select(OAUser.id).where(
        OAUser.active.is_(False) | OAUser.deactivated_at.is_not(None)
    )
    # By handler: the inbox's index finds each one's open tasks without reading the others.
    handlers = set(_user_ids(session, subject.holders)) | set(session.scalars(inactive))
    if not handlers:
        return []
    assignee = aliased(OAUser)
    initiator = aliased(OAUser)
    rows = session.execute(
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
            assignee.active.is_(True) & assignee.deactivated_at.is_(None),
        )
        .join(Instance, Instance.id == Task.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id)
        .join(assignee, assignee.id == Task.assignee_id)
        .join(initiator, initiator.id == Instance.initiator_id)
        .where(Task.assignee_id.in_(sorted(handlers)), Task.status.in_(LIVE_TASK))
        .order_by(Task.id)
    ).all()
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
        active,
    ) in rows:
        problem = None
        if not active:
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
    holders = _user_ids(session, subject.holders)
    if not holders:
        return []
    rows = session.execute(
        select(Question.id, Question.instance_id, OAUser.username)
        .join(OAUser, OAUser.id == Question.asked_to_id)
        .where(Question.asked_to_id.in_(holders), Question.answered_at.is_(None))
        .order_by(Question.id)
    )
    return [QuestionHit(*row) for row in rows]


def _agents(session: Session, subject: Subject) -> list[AgentHit]:
    holders = _user_ids(session, subject.holders)
    if not holders:
        return []
    principal = aliased(OAUser)
    agent = aliased(OAUser)
    rows = session.execute(
        select(AgentDelegation.id, principal.username, agent.username, AgentDelegation.ends_on)
        .join(principal, principal.id == AgentDelegation.principal_id)
        .join(agent, agent.id == AgentDelegation.agent_id)
        .where(
            AgentDelegation.revoked_at.is_(None),
            AgentDelegation.ends_on >= date.today(),
            AgentDelegation.principal_id.in_(holders) | AgentDelegation.agent_id.in_(holders),
        )
        .order_by(AgentDelegation.id)
    )
    return [AgentHit(*row) for row in rows]


def _before(facts: VersionFacts, targets: Iterable[str]) -> set[str]:
    """The nodes from which one of ``targets`` lies ahead (a live task there has them in
    its future)."""
    return {node for node in facts.node_names if reachable(facts, node) & set(targets)}


def _stranded(
    session: Session,
    snapshot: OrgSnapshot,
    every: dict[int, int],
    facts: dict[int, VersionFacts],
    documents: dict[int, Mapping[str, Any]],
    limit: int,
) -> list[StrandedHit]:
    """Running instances with a future node whose rule finds nobody (for their initiator)."""
    # A node is a candidate when its rule finds nobody whoever the initiator is, or for the
    # initiators of some departments; only the live tasks standing before a candidate are
    # read, and only until ``limit`` instances are found.
    reasons: dict[tuple[int, str], str] = {}
    versions: set[int] = set()  # versions with a candidate node
    anyone: set[int] = set()  # ... of which one finds nobody whoever the initiator is
    nodes: set[str] = set()  # nodes standing before a candidate
    departments: set[int] = set()  # initiators' departments some rule finds nobody for
    for version_id, version in facts.items():
        candidates: list[str] = []
        for node_id, rule in version.rules.items():
            problem = snapshot.problem(rule) or default_problem(
                snapshot, documents.get(version_id, {}), rule
            )
            if problem:
                candidates.append(node_id)
                reasons[(version_id, node_id)] = problem
                anyone.add(version_id)
            elif rule.get("rule") in INITIATOR_RULES:
                without = snapshot.departments_without(rule)
                if without:
                    candidates.append(node_id)
                    departments |= without
        if candidates:
            versions.add(version_id)
            nodes |= _before(version, candidates)
    if not versions:
        return []
    # One plain statement (a few IN lists, no OR per version, no sort): it may return rows
    # that are not hits, which the loop below skips; it stops reading at the limit.
    initiator = aliased(OAUser)
    who = Instance.definition_version_id.in_(sorted(anyone))
    if departments:
        who = who | initiator.department_id.in_(sorted(departments))
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
            Instance.definition_id.in_(sorted({every[v] for v in versions if v in every})),
            Instance.definition_version_id.in_(sorted(versions)),
            Instance.status == InstanceStatus.RUNNING,
            Task.status.in_(LIVE_TASK),
            Task.node_id.in_(sorted(nodes)),
            who,
        )
        .execution_options(yield_per=2000)
    )
    hits: list[StrandedHit] = []
    seen: set[int] = set()
    for instance_id, title, key, version_id, node_id, department_id in rows:
        if instance_id in seen:
            continue
        version = facts[version_id]
        for candidate in sorted(reachable(version, node_id)):
            rule = version.rules.get(candidate)
            why = reasons.get((version_id, candidate))
            if why is None and rule and rule.get("rule") in INITIATOR_RULES:
                why = snapshot.problem_for(rule, department_id)
            if why:
                hits.append(StrandedHit(instance_id, title, key, candidate, why))
                seen.add(instance_id)
                break
        if len(hits) >= limit:
            break
    rows.close()
    return sorted(hits, key=lambda hit: hit.instance_id)


def analyse(
    session: Session, subject: Subject, change: Change | None = None, *, limit: int = 1000
) -> Impact:
    """The impact of ``change`` (or of the organisation as it is, with ``change`` None) on
    what names ``subject``. Changes nothing: a change is made in a savepoint and undone."""
    impact = Impact(subject)
    published, every = _published(session)
    facts = _facts(session, every)
    documents = _documents(session, every)
    names = _named_users(facts, subject)
    snapshot = OrgSnapshot.read(session, names)
    impact.definitions = _definitions(subject, published, facts)
    impact.tasks = _tasks(session, subject, snapshot, facts)
    impact.questions = _questions(session, subject)
    impact.agents = _agents(session, subject)
    if change is None:
        impact.stranded = _stranded(session, snapshot, every, facts, documents, limit)
        _mark_unresolvable(impact, snapshot, published, facts)
        return impact
    unit = unit_of_work(session)

    def preview() -> None:
        # Inside a unit of work, so whatever the change runs joins it instead of
        # committing; the savepoint's rollback then undoes all of it.
        try:
            with unit.savepoint():
                try:
                    carry_out(session, change, preview=True)
                except ValueError:
                    raise _Undo from None  # the apply names why; the page shows it then
                after = OrgSnapshot.read(session, names)
                impact.stranded = _stranded(session, after, every, facts, documents, limit)
                _mark_unresolvable(impact, after, published, facts)
                raise _Undo
        except _Undo:
            pass

    unit.run(preview, conflicts=())
    session.expire_all()
    return impact


def _named_users(facts: dict[int, VersionFacts], subject: Subject) -> set[str]:
    """Every user name a rule or a default names, and the subject's people."""
    names = {
        name for version in facts.values() for kind, name in version.references if kind == "user"
    }
    return names | {n.lower() for n in subject.people | subject.holders}


def _mark_unresolvable(
    impact: Impact,
    snapshot: OrgSnapshot,
    published: dict[int, tuple[str, str, int]],
    facts: dict[int, VersionFacts],
) -> None:
    """Mark, on each definition found, its nodes that would resolve to nobody."""
    version_of = {key: version_id for version_id, (key, _n, _v) in published.items()}
    for hit in impact.definitions:
        version = facts[version_of[hit.key]]
        for node_id, rule in version.rules.items():
            problem = snapshot.problem(rule)
            if problem:
                hit.unresolvable[node_id] = problem


class _Undo(Exception):
    """Raised to roll the preview's savepoint back."""
