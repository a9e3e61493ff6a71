"""The inbox's lists and badge counts: one indexed query per list, paged in the database.

Each list is two SELECTs: the page's keys with the total row count as a window function
over the same filter, then those rows with everything the page shows eagerly loaded (see
``_keyed_page`` for why not one); lists of tasks read plain columns instead of objects, from
statements built once per filter shape, and the node names of a version are read once and
then kept (see ``_task_page``). The badge counts are one more SELECT of conditional
aggregates.

Indexes used: ``ix_task_inbox`` (assignee, status, blocking, due, instance, opened: covering
what to-dos and the badge counts test) for to-dos, done and CC'd tasks,
``ix_instance_initiator_status`` for "initiated by me", ``ix_question_asked_to_open`` for
questions awaiting an answer; ``ix_document_recipient_user`` (user, acknowledged) for the
Documents tab and its badge (the statements are the documents package's own,
``documents/queries.py``, so the tab and the documents pages list the same copies).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Integer, Select, Subquery, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from form_builder import localized
from form_builder.clock import utcnow
from form_builder.models import ProcessDefinition
from form_builder.services import published_node_names
from oa_platform.accounts.models import OAUser
from oa_platform.accounts.names import full_name
from oa_platform.documents import policy as document_policy
from oa_platform.documents import queries as document_queries
from oa_platform.documents.distribution import today
from oa_platform.org.models import shown_name
from oa_platform.runtime import search
from oa_platform.runtime.models import Instance, Question, Task, shown_title
from oa_platform.runtime.states import InstanceStatus, TaskStatus
from oa_platform.runtime.visibility import visible_to

PAGE_SIZE = 20
# "all" is the Auditor's extra tab.
TABS = ("todo", "done", "initiated", "cc", "questions", "documents")
# The instance states in which a to-do can be acted on.
WORKING = (InstanceStatus.RUNNING, InstanceStatus.RETURNED)

T = TypeVar("T")


@dataclass(frozen=True)
class Filters:
    """What the user narrowed a list to; empty strings mean "any"."""

    definition: str = ""  # a definition key
    status: str = ""  # a task status (to-dos), instance status (initiated) or "overdue"
    text: str = ""  # part of the title, or a word of the form or its opinions
    initiator: str = ""  # the initiator's user name
    since: datetime | None = None  # submitted at or after (UTC; a company day's start)
    until: datetime | None = None  # submitted before (UTC; the day after's start)

    @property
    def active(self) -> bool:
        return bool(self.definition or self.status or self.text or self.initiator) or bool(
            self.since or self.until
        )

    @property
    def shape(self) -> tuple[bool, bool, bool, bool, bool]:
        """(by definition, by text, by initiator, since, until): what a list's statement
        depends on; the values are bound at execution."""
        return (
            bool(self.definition),
            bool(self.text),
            bool(self.initiator),
            self.since is not None,
            self.until is not None,
        )


def period(start: str, end: str) -> tuple[datetime | None, datetime | None, list[str]]:
    """(since, until, problems) of a date range typed as YYYY-MM-DD, in the company's days:
    since is the first day's start, until the last day's end, both as stored (naive UTC);
    a date that does not parse is left out and named in a problem."""
    from datetime import UTC, date, time, timedelta

    from flask_babel import gettext

    from oa_platform.i18n import company_zone

    def day_start(day: date) -> datetime:
        local = datetime.combine(day, time(), tzinfo=company_zone())
        return local.astimezone(UTC).replace(tzinfo=None)

    found: list[datetime | None] = []
    problems = []
    for text, label, shift in ((start, gettext("From"), 0), (end, gettext("To"), 1)):
        try:
            found.append(
                day_start(date.fromisoformat(text) + timedelta(days=shift)) if text else None
            )
        except ValueError:
            found.append(None)
            problems.append(
                gettext("%(field)s: enter a date as YYYY-MM-DD, e.g. 2027-03-01.", field=label)
            )
    return found[0], found[1], problems


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and where it stands in the whole."""

    items: list[T]
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class Counts:
    """The inbox badges."""

    todo: int
    overdue: int
    held: int
    cc_unread: int
    questions: int
    documents: int  # received documents awaiting acknowledgement (§4.4), agency included


def counts(session: Session, user_id: int) -> Counts:
    """The badge counts of ``user_id``'s inbox, in one query."""
    params = {
        "user_id": user_id,
        "now": utcnow(),
        "people": document_policy.receiving(session, user_id, today()),
    }
    row = session.execute(_counts_query(), params).one()
    return Counts(*(int(value or 0) for value in row))


@cache
def _counts_query() -> Select:
    """The badge counts' statement, built once: every page shows the badges, and building
    the statement cost as much as running it (pyinstrument, docs/performance.md)."""
    user_id = bindparam("user_id", type_=Integer)
    actionable = and_(
        Task.blocking.is_(True),
        Task.status.in_((TaskStatus.OPEN, TaskStatus.HELD)),
        Instance.status.in_(WORKING),
    )
    questions = (
        select(func.count(Question.id))
        .where(Question.asked_to_id == user_id, Question.answered_at.is_(None))
        .scalar_subquery()
    )
    return (
        select(
            func.count().filter(actionable),
            func.count().filter(actionable, Task.due_at < bindparam("now")),
            func.count().filter(actionable, Task.status == TaskStatus.HELD),
            func.count().filter(
                Task.blocking.is_(False), Task.status == TaskStatus.OPEN, Task.opened_at.is_(None)
            ),
            questions,
            # Documents: the same statement as the documents page's badge (the bound
            # ``people`` are documents.policy.receiving: the person and their principals).
            document_queries.unread_count_query().scalar_subquery(),
        )
        .select_from(Task)
        .join(Instance, Task.instance_id == Instance.id)
        .where(
            Task.assignee_id == user_id,
            Task.status.in_((TaskStatus.OPEN, TaskStatus.HELD)),
        )
    )


def todo(session: Session, user_id: int, filters: Filters, page: int) -> Page[TaskRow]:
    """Open and held tasks the chain waits for, the soonest due first."""
    return _task_page(session, "todo", user_id, filters, page)


def done(session: Session, user_id: int, filters: Filters, page: int) -> Page[TaskRow]:
    """Tasks the user handled (completed, or transferred on), the latest first."""
    return _task_page(session, "done", user_id, filters, page)


def cc(session: Session, user_id: int, filters: Filters, page: int) -> Page[TaskRow]:
    """Copies the user was sent (non-blocking tasks), unread first, the latest first."""
    return _task_page(session, "cc", user_id, filters, page)


def _todo_query(status: str) -> Select:
    query = (
        select(Task)
        .join(Task.instance)
        .where(
            Task.assignee_id == bindparam("user_id"),
            Task.status.in_((TaskStatus.OPEN, TaskStatus.HELD)),
            Task.blocking.is_(True),
            Instance.status.in_(WORKING),
        )
    )
    if status == "overdue":
        query = query.where(Task.due_at < bindparam("now"))
    elif status:
        query = query.where(Task.status == TaskStatus(status))
    return query.order_by(Task.due_at.is_(None), Task.due_at, Task.id)


def _done_query(_status: str) -> Select:
    return (
        select(Task)
        .join(Task.instance)
        .where(
            Task.assignee_id == bindparam("user_id"),
            Task.status.in_((TaskStatus.DONE, TaskStatus.CANCELLED)),
            Task.completed_by_id == bindparam("user_id"),
            Task.blocking.is_(True),
        )
        .order_by(Task.completed_at.desc(), Task.id.desc())
    )


def _cc_query(status: str) -> Select:
    query = (
        select(Task)
        .join(Task.instance)
        .where(Task.assignee_id == bindparam("user_id"), Task.blocking.is_(False))
    )
    if status:
        query = query.where(Task.status == TaskStatus(status))
    return query.order_by(
        (Task.status == TaskStatus.OPEN).desc(), Task.created_at.desc(), Task.id.desc()
    )


# Each list of tasks: its query for a status filter, and the statuses it filters by.
_TASK_LISTS: dict[str, tuple[Callable[[str], Select], frozenset[str]]] = {
    "todo": (_todo_query, frozenset({"open", "held", "overdue"})),
    "done": (_done_query, frozenset()),
    "cc": (_cc_query, frozenset({"open", "done"})),
}


def initiated(session: Session, user_id: int, filters: Filters, page: int) -> Page[Instance]:
    """The user's own instances, drafts included, the most recently changed first."""
    query = select(Instance).where(Instance.initiator_id == user_id)
    if filters.status in {status.value for status in InstanceStatus}:
        query = query.where(Instance.status == InstanceStatus(filters.status))
    query = _narrow(query, *filters.shape).order_by(Instance.updated_at.desc(), Instance.id.desc())
    eager = [joinedload(Instance.definition)]
    return _keyed_page(session, query, filters, page, Instance.id, eager)


def all_visible(session: Session, user: Any, filters: Filters, page: int) -> Page[Instance]:
    """Every instance ``user`` may see (for Auditors: all of them), latest change first."""
    query = select(Instance).where(visible_to(user))
    if filters.status in {status.value for status in InstanceStatus}:
        query = query.where(Instance.status == InstanceStatus(filters.status))
    query = _narrow(query, *filters.shape, everyone=True).order_by(
        Instance.updated_at.desc(), Instance.id.desc()
    )
    eager = [joinedload(Instance.definition), joinedload(Instance.initiator)]
    return _keyed_page(session, query, filters, page, Instance.id, eager)


def questions(
    session: Session, user_id: int, filters: Filters, page: int
) -> Page[tuple[Question, str]]:
    """Questions asked of the user with their instance's title, unanswered first
    (regulations §3.3: answered within 24 hours)."""
    query = (
        select(Question, Instance.title, Instance.title_texts)
        .join(Instance, Question.instance_id == Instance.id)
        .where(Question.asked_to_id == user_id)
    )
    if filters.status == "open":
        query = query.where(Question.answered_at.is_(None))
    elif filters.status == "answered":
        query = query.where(Question.answered_at.is_not(None))
    query = _narrow(query, *filters.shape).order_by(
        Question.answered_at.is_not(None), Question.asked_at.desc(), Question.id.desc()
    )
    eager = [joinedload(Question.asked_by)]
    found = _keyed_page(session, query, filters, page, Question.id, eager, width=3)
    items = [(question, shown_title(title, texts)) for question, title, texts in found.items]
    return replace(found, items=items)


def documents(
    session: Session, user_id: int, filters: Filters, page: int
) -> Page[document_queries.ReceivedRow]:
    """Official documents sent to the user or to whom they act for (seed 2 §4.4, the same
    rule as the documents pages: ``documents.policy.receiving``): unread first, urgent
    first, newest first; ``filters.status`` narrows to "unread" or "acknowledged"."""
    number = max(1, page)
    items, total = document_queries.received_page(
        session,
        user_id,
        today(),
        state=filters.status,
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    return Page(items=items, total=total, number=number)


def definitions(session: Session) -> list[tuple[str, str]]:
    """(key, name) of every definition, for the filter's drop-down, in the request's
    language."""
    rows = session.execute(_definitions_query())
    return [(key, localized.text(texts or name)) for key, name, texts in rows]


@cache
def _definitions_query() -> Select:
    return select(
        ProcessDefinition.key, ProcessDefinition.name, ProcessDefinition.name_texts
    ).order_by(ProcessDefinition.name)


def _narrow(
    query: Select,
    by_definition: bool,
    by_text: bool,
    by_initiator: bool = False,
    since: bool = False,
    until: bool = False,
    *,
    everyone: bool = False,
) -> Select:
    """The definition and title filters, shared by every list (Instance is in the query).

    Their values are bound at execution (:func:`_params`), so a statement built for one
    filter shape serves every value. ``everyone``: the list may hold every instance (the
    Auditor's), not one person's rows.
    """
    if by_definition:
        query = query.join(ProcessDefinition, Instance.definition_id == ProcessDefinition.id).where(
            ProcessDefinition.key == bindparam("definition")
        )
    if by_text:
        # The title as typed, or a word of the form or its opinions (runtime/search.py):
        # a person's own rows are probed one by one, a list of every instance reads the
        # word's instances as one set (benchmarks/search.py, docs/performance.md).
        words = (
            Instance.id.in_(search.instances_with_terms()) if everyone else search.has_every_term()
        )
        query = query.where(
            or_(Instance.title.ilike(bindparam("title_pattern"), escape="\\"), words)
        )
    if by_initiator:
        initiator = aliased(OAUser)
        query = query.join(initiator, Instance.initiator_id == initiator.id).where(
            initiator.username == bindparam("initiator")
        )
    if since:
        query = query.where(Instance.created_at >= bindparam("since"))
    if until:
        query = query.where(Instance.created_at < bindparam("until"))
    return query


def _params(filters: Filters, number: int) -> dict[str, Any]:
    """The bind parameters of a list's page ``number`` narrowed by ``filters``."""
    # Escape LIKE's wildcards: the user searches for the text as typed.
    text = filters.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {
        **search.term_params(filters.text),
        "initiator": filters.initiator,
        "since": filters.since,
        "until": filters.until,
        "definition": filters.definition,
        "title_pattern": f"%{text}%",
        "offset": (number - 1) * PAGE_SIZE,
        "now": utcnow(),
    }


@dataclass(frozen=True, slots=True)
class TaskRow:
    """One line of a list of tasks (to do, done, CC'd): exactly what the list shows."""

    id: int
    node: str  # the node's name in the instance's version
    status: TaskStatus
    opened_at: datetime | None
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    action: str | None
    principal: str | None  # full name of whom the task is handled for, if anyone
    instance_id: int
    instance_title: str
    instance_status: InstanceStatus
    definition_name: str
    initiator: str  # full name


def _task_page(
    session: Session, list_name: str, user_id: int, filters: Filters, page: int
) -> Page[TaskRow]:
    """One page of a list of tasks as plain rows, and the node names of the page's versions
    (usually one, kept in memory: published versions never change).

    Not ORM objects: building the tasks with their instance, definition, version and two users
    was most of the page's time (3 ms for 20 rows, against 0.4 ms in SQLite; the template then
    went through each relationship again). See docs/performance.md.
    """
    number = max(1, page)
    status = filters.status if filters.status in _TASK_LISTS[list_name][1] else ""
    query, statement = _task_statements(list_name, status, *filters.shape)
    params = {**_params(filters, number), "user_id": user_id}
    rows = session.execute(statement, params).all()
    if not rows:
        return Page(items=[], total=_total_beyond(session, query, params, number), number=number)
    names = published_node_names(session, {row.definition_version_id for row in rows})
    items = [
        TaskRow(
            id=row.id,
            node=names[row.definition_version_id].get(row.node_id, ""),
            status=row.status,
            opened_at=row.opened_at,
            created_at=row.created_at,
            due_at=row.due_at,
            completed_at=row.completed_at,
            action=row.action,
            principal=(
                None
                if row.principal_first_name is None
                else _full_name(
                    row.principal_first_name, row.principal_last_name, row.principal_name_zh
                )
            ),
            instance_id=row.instance_id,
            instance_title=shown_title(row.title, row.title_texts),
            instance_status=row.instance_status,
            definition_name=localized.text(row.definition_texts or row.definition_name),
            initiator=_full_name(
                row.initiator_first_name, row.initiator_last_name, row.initiator_name_zh
            ),
        )
        for row in rows
    ]
    return Page(items=items, total=rows[0].total, number=number)


@cache
def _task_statements(list_name: str, status: str, *shape: bool) -> tuple[Select, Select]:
    """(the list's query, the statement reading one page of it), built once per filter shape
    (a few dozen in all; values are bound at execution): building them cost more than running
    them (docs/performance.md)."""
    query = _narrow(_TASK_LISTS[list_name][0](status), *shape)
    picked = _picked(query, Task.id)
    definition, initiator, principal = aliased(ProcessDefinition), aliased(OAUser), aliased(OAUser)
    statement = (
        query.join(picked, Task.id == picked.c.key)
        .join(definition, definition.id == Instance.definition_id)
        .join(initiator, initiator.id == Instance.initiator_id)
        .outerjoin(principal, principal.id == Task.principal_id)
        .with_only_columns(
            Task.id,
            Task.node_id,
            Task.status,
            Task.opened_at,
            Task.created_at,
            Task.due_at,
            Task.completed_at,
            Task.action,
            principal.first_name.label("principal_first_name"),
            principal.last_name.label("principal_last_name"),
            principal.name_zh.label("principal_name_zh"),
            Instance.id.label("instance_id"),
            Instance.title,
            Instance.title_texts,
            Instance.status.label("instance_status"),
            Instance.definition_version_id,
            definition.name.label("definition_name"),
            definition.name_texts.label("definition_texts"),
            initiator.first_name.label("initiator_first_name"),
            initiator.last_name.label("initiator_last_name"),
            initiator.name_zh.label("initiator_name_zh"),
            picked.c.total,
        )
    )
    return query, statement


def _full_name(first_name: str, last_name: str, name_zh: str | None) -> str:
    """A person's name as ``OAUser.get_full_name`` writes it (张伟, Sam Wu; the Chinese
    name for a Chinese reader where one is kept)."""
    return shown_name(full_name(first_name, last_name), name_zh)


def _keyed_page(
    session: Session,
    query: Select,
    filters: Filters,
    page: int,
    key: Any,
    eager: Sequence[Any],
    width: int = 1,
) -> Page[Any]:
    """One page of ``query``: its ``key`` values and the total (a window count) picked by a
    narrow subquery, joined back to the rows with the ``eager`` loads the page shows.

    Picking only the keys matters for someone with thousands of open tasks: with the eager
    loads around the sort every matching row dragged its instance, initiator and version
    document (kilobytes of JSON) through it, to keep twenty (benchmarks/inbox: half a second
    per page for a user with 8,000 open tasks, on SQLite).
    """
    number = max(1, page)
    params = _params(filters, number)
    picked = _picked(query, key)
    rows = session.execute(
        query.join(picked, key == picked.c.key).add_columns(picked.c.total).options(*eager),
        params,
    ).all()
    if not rows:
        return Page(items=[], total=_total_beyond(session, query, params, number), number=number)
    items = [row[0] if width == 1 else tuple(row[:width]) for row in rows]
    return Page(items=items, total=rows[0].total, number=number)


def _picked(query: Select, key: Any) -> Subquery:
    """The ``key`` values of one page of ``query`` (from the ``offset`` parameter), with the
    total as a window count."""
    return (
        query.with_only_columns(key.label("key"), func.count().over().label("total"))
        .limit(PAGE_SIZE)
        .offset(bindparam("offset", type_=Integer))
        .subquery("picked")
    )


def _paged(session: Session, query: Select, page: int, width: int = 1) -> Page[Any]:
    """One page of ``query`` with the total from a window count in the same statement;
    items are the first entity of each row, or tuples of the first ``width`` columns."""
    number = max(1, page)
    rows = session.execute(
        query.add_columns(func.count().over().label("total"))
        .limit(PAGE_SIZE)
        .offset((number - 1) * PAGE_SIZE)
    ).all()
    items = [row[0] if width == 1 else tuple(row[:width]) for row in rows]
    total = rows[0].total if rows else _total_beyond(session, query, {}, number)
    return Page(items=items, total=total, number=number)


def _total_beyond(session: Session, query: Select, params: dict[str, Any], number: int) -> int:
    """The total when the page asked for is empty: zero on the first page, else counted."""
    if number == 1:
        return 0
    return int(session.scalar(select(func.count()).select_from(query.subquery()), params) or 0)
