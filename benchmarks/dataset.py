"""Bulk generators for the inbox, timer and HTTP benchmarks: an organisation of ``users``
people and ``tasks`` tasks, with their instances, activations and timers.

Rows go in with the driver's bulk paths (``COPY`` on PostgreSQL, ``executemany`` on SQLite),
never through the ORM one row at a time. The shape follows the expense chain: four tasks per
instance (claimant, manager, director, Finance), the last one open (sometimes held) while
the instance runs; one instance in ten copies someone (a non-blocking task, unread). Tasks
arrived within the last four days and are due 24 hours later, so some are overdue. Seeded:
every run generates the same data.

The forms say something, as people write them (issue 19, the inbox's content search): a
purpose in Chinese or English, one or two items with a description, the title the expense
claim's template makes from them, and an opinion on three handled steps in five. Chosen
words appear in a known share of instances (``SEARCHED``); the text is drawn from a random
generator of its own, so the people, states and times are those of the data before it.
``index_contents`` writes the word index the platform keeps for them (runtime/search.py).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, DateTime, Table, delete, select, text

from form_builder.clock import utcnow

CHUNK = 50_000
NODES = ("start", "manager", "director", "finance")
# One expense claim's form values (the usage benchmark's instances carry these; the inbox's
# are written per instance, see ``Written``).
VALUES = json.dumps(
    {
        "purpose": "Customer visit",
        "items": [{"date": "2026-01-05", "category": "travel", "amount": "320.50"}],
        "total": "320.50",
        "payee_name": "Sam Wu",
        "payee_account": "6222020200112233",
    }
)
# Purposes with their weights, in Chinese and English, as people type them. 出差 (business
# trip) and "customer" each stand in a fifth of the purposes (common words).
# fmt: off
PURPOSES = (
    ("上海出差拜访客户", 8), ("北京出差参加行业年会", 6), ("广州出差验收供应商项目", 6),
    ("Customer visit in Shanghai", 8), ("Dinner with a customer from Hangzhou", 6),
    ("Customer workshop in Suzhou", 6),
    ("部门季度团建聚餐", 8), ("新员工入职培训教材采购", 6), ("办公室打印机耗材", 8),
    ("杭州合作伙伴接待午餐", 6), ("年度审计差旅费用", 6), ("市场推广物料制作", 6),
    ("Quarterly sales meeting in Beijing", 6), ("Office supplies for the finance team", 5),
    ("Training course on contract law", 5),
)
# One instance in RARE_SHARE has one of these purposes instead (rare words: 展会, exhibition).
RARE_SHARE = 10_000
RARE_PURPOSES = ("深圳展会布展材料", "Exhibition booth in Shenzhen")
# (word, language, share of instances): what the content search benchmark looks for; the
# absent words are in no text the generator writes.
SEARCHED = (
    ("出差", "zh", "common"), ("展会", "zh", "rare"), ("火箭", "zh", "absent"),
    ("customer", "en", "common"), ("exhibition", "en", "rare"), ("zeppelin", "en", "absent"),
)
ITEMS = (
    ("travel", "高铁二等座往返"), ("travel", "Flight tickets, economy"),
    ("accommodation", "酒店住宿两晚"), ("accommodation", "Hotel, two nights"),
    ("meals", "工作餐"), ("meals", "Team lunch"), ("local_transport", "机场出租车"),
    ("local_transport", "Taxi to the airport"), ("office_supplies", "打印纸和硒鼓"),
    ("other", "会议室租用"),
)
# Handled steps' opinions (None: agreed without one, as most are).
OPINIONS = (
    None, None, None, None, None, "同意", "同意。", "同意，按标准报销", "已核对发票，同意支付",
    "请下次提前申请", "Agreed.", "OK, within the budget", "Checked the receipts, approved",
)
# fmt: on
# The busiest user (the HTTP benchmark's) handles the last step of one instance in this
# many: about a thousand open tasks at full size, a full inbox.
BUSIEST_SHARE = 200
# Column orders of the generated rows.
# fmt: off
USER_COLUMNS = ("id", "first_name", "last_name", "username", "email", "password", "active",
                "department_id", "position_id", "must_change_password", "password_changed_at",
                "created_on", "changed_on")
INSTANCE_COLUMNS = ("id", "definition_id", "definition_version_id", "title", "initiator_id",
                    "status", "values", "created_at", "submitted_at", "updated_at", "revision")
ACTIVATION_COLUMNS = ("id", "instance_id", "node_id", "seq", "status", "entered_at", "arrivals")
TASK_COLUMNS = ("id", "instance_id", "activation_id", "node_id", "assignee_id", "status",
                "blocking", "created_at", "due_at", "completed_at", "completed_by_id", "action",
                "version", "role", "sequence", "opinion")
TIMER_COLUMNS = ("id", "due_at", "kind", "name", "subject_kind", "subject_id", "instance_id",
                 "task_id", "data", "state", "attempts", "created_at")
# fmt: on


@dataclass(frozen=True)
class Generated:
    """What the benchmarks look up in the generated data."""

    user_ids: list[int]  # the generated people, in id order
    busiest_username: str  # a generated user with many open tasks (the HTTP inbox's user)
    open_task_ids: list[int]  # the busiest user's open tasks
    due_timers: int


@dataclass(frozen=True, slots=True)
class Planned:
    """One generated instance; its activations and tasks have ids ``first + step``."""

    id: int
    first: int  # the id of its first activation and of its first task
    initiator: int
    running: bool
    created: datetime
    assignees: tuple[int, ...]  # one per node
    held: bool  # the open task is on hold
    copies: bool  # the director's step is a copy (CC) instead

    @property
    def open_task(self) -> int:
        return self.first + len(NODES) - 1


@dataclass(frozen=True, slots=True)
class Written:
    """What one generated instance's form and handlers say."""

    purpose: str
    items: tuple[tuple[str, str, str], ...]  # (category, description, amount)
    total: str
    opinions: tuple[str | None, ...]  # one per node; the start's and copies' are not used

    def values(self, p: Planned) -> str:
        """The form's values as stored (JSON)."""
        day = (p.created - timedelta(days=2)).date().isoformat()
        items = [
            {"date": day, "category": category, "description": description, "amount": amount}
            for category, description, amount in self.items
        ]
        return json.dumps(
            {
                "purpose": self.purpose,
                "items": items,
                "total": self.total,
                "payee_name": _who(p.initiator),
                "payee_account": f"62220202{p.initiator:08d}",
            },
            ensure_ascii=False,
        )

    def title(self, p: Planned) -> str:
        """The title the expense claim's template makes, in the default language (zh_CN)."""
        return f"{_who(p.initiator)}的费用报销：{self.purpose}（合计{self.total}）"


def _who(user_id: int) -> str:
    """A generated person's full name, as the title and the payee field write it."""
    return f"Gen User{user_id}"


def _write(plan: list[Planned]) -> list[Written]:
    """Each instance's text, from a generator of its own (see the module)."""
    rng = random.Random(19)
    purposes = [text for text, _weight in PURPOSES]
    weights = [weight for _text, weight in PURPOSES]
    written = []
    for n, _p in enumerate(plan):
        if n % RARE_SHARE in (1, 2):
            purpose = RARE_PURPOSES[n % RARE_SHARE - 1]
        else:
            purpose = rng.choices(purposes, weights)[0]
        items = tuple(
            (*rng.choice(ITEMS), f"{rng.randint(2_000, 400_000) / 100:.2f}")
            for _ in range(rng.randint(1, 2))
        )
        total = f"{sum(float(amount) for _c, _d, amount in items):.2f}"
        opinions = tuple(rng.choice(OPINIONS) for _ in NODES)
        written.append(Written(purpose, items, total, opinions))
    return written


def insert(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple]):
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` in bulk."""
    raw = connection.connection.driver_connection
    names = ", ".join(f'"{name}"' for name in columns)
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # Times are stored as SQLAlchemy stores them on SQLite, so ORM reads and comparisons agree.
    times = [n for n, name in enumerate(columns) if isinstance(table.c[name].type, DateTime)]

    def stored(row: tuple) -> tuple:
        values = list(row)
        for n in times:
            if values[n] is not None:
                values[n] = values[n].isoformat(" ", "microseconds")
        return tuple(values)

    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
    cursor = raw.cursor()
    batch: list[tuple] = []
    for row in rows:
        batch.append(stored(row))
        if len(batch) == CHUNK:
            cursor.executemany(statement, batch)
            batch.clear()
    if batch:
        cursor.executemany(statement, batch)
    cursor.close()


def _next_id(connection: Connection, table: Table) -> int:
    return int(connection.scalar(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}")))


def _fix_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: move each serial past the ids given explicitly, so the ORM's inserts work."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table.name}))"
            )
        )


def _people(connection: Connection, users: int, now: datetime) -> list[int]:
    """``users`` Staff members across the demo departments, with the demo password."""
    from oa_platform.accounts.models import OAUser
    from oa_platform.org.models import Department, Position

    metadata = OAUser.metadata
    departments = list(connection.scalars(select(Department.id)))
    clerk = connection.scalar(select(Position.id).where(Position.name == "Clerk"))
    staff = connection.scalar(text("SELECT id FROM ab_role WHERE name = 'Staff'"))
    password = connection.scalar(select(OAUser.password).where(OAUser.username == "staff"))
    first = _next_id(connection, metadata.tables["ab_user"])
    ids = list(range(first, first + users))
    rows = (
        (uid, "Gen", f"User{uid}", f"gen{uid}", f"gen{uid}@example.com", password, True,
         departments[uid % len(departments)], clerk, False, now, now, now)
        for uid in ids
    )  # fmt: skip
    insert(connection, metadata.tables["ab_user"], USER_COLUMNS, rows)
    link = metadata.tables["ab_user_role"]
    first_link = _next_id(connection, link)
    links = ((first_link + n, uid, staff) for n, uid in enumerate(ids))
    insert(connection, link, ("id", "user_id", "role_id"), links)
    return ids


def _plan(connection: Connection, rng: random.Random, people: list[int], instances: int, now):
    """The instances to generate, with their people and states."""
    from oa_platform.runtime.models import Activation, Instance, Task

    first_instance = _next_id(connection, Instance.__table__)
    # Activations and tasks get the same ids, one per step, so both tables start past both.
    first = max(_next_id(connection, Activation.__table__), _next_id(connection, Task.__table__))
    plan = []
    for n in range(instances):
        assignees = [rng.choice(people) for _ in NODES]
        if n % BUSIEST_SHARE == 0:
            assignees[-1] = people[0]
        plan.append(
            Planned(
                id=first_instance + n,
                first=first + n * len(NODES),
                initiator=rng.choice(people),
                running=rng.random() < 0.85,
                created=now - timedelta(hours=rng.uniform(0, 96)),
                assignees=tuple(assignees),
                held=rng.random() < 0.1,
                copies=n % 10 == 0,
            )
        )
    return plan


def _instance_rows(
    plan: list[Planned], written: list[Written], definition_id: int, version_id: int
) -> Iterator[tuple]:
    for p, w in zip(plan, written, strict=True):
        status = "running" if p.running else "completed"
        yield (p.id, definition_id, version_id, w.title(p), p.initiator, status,
               w.values(p), p.created, p.created, p.created, 1)  # fmt: skip


def _activation_rows(plan: list[Planned]) -> Iterator[tuple]:
    for p in plan:
        for step, node in enumerate(NODES):
            live = p.running and step == len(NODES) - 1
            at = p.created + timedelta(hours=step * 6)
            yield (p.first + step, p.id, node, step + 1, "active" if live else "completed", at, 0)


def _task_rows(plan: list[Planned], written: list[Written]) -> Iterator[tuple]:
    for p, w in zip(plan, written, strict=True):
        for step, node in enumerate(NODES):
            live = p.running and step == len(NODES) - 1
            copy = p.copies and step == 2
            status = ("held" if p.held else "open") if live else "open" if copy else "done"
            at = p.created + timedelta(hours=step * 6)
            done = status == "done"
            handler = p.assignees[step]
            finished = (at + timedelta(hours=1), handler, "agree") if done else (None,) * 3
            opinion = w.opinions[step] if done and step > 0 else None  # the start says none
            yield (p.first + step, p.id, p.first + step, node, handler, status, not copy, at,
                   at + timedelta(hours=24), *finished, 1, "primary", 0, opinion)  # fmt: skip


def _timer_rows(plan, rng: random.Random, pending: int, due: int, now) -> Iterator[tuple]:
    """Reminders on open tasks: ``due`` of them due a minute ago, ``pending`` within 30 days."""
    running = [p for p in plan if p.running]
    for n in range(due + pending):
        p = running[n % len(running)]
        at = now - timedelta(minutes=1) if n < due else now + timedelta(hours=rng.uniform(1, 720))
        yield (n + 1, at, "reminder", "", "process", p.id, p.id, p.open_task, "{}", "pending", 0,
               now)  # fmt: skip


def generate(connection: Connection, users: int, tasks: int, pending_timers: int, due_timers: int):
    """Fill the database behind ``connection`` (demo data already loaded); see the module."""
    from form_builder.models import DefinitionVersion, ProcessDefinition
    from oa_platform.runtime.models import Activation, Instance, Task, Timer

    rng = random.Random(8)
    now = utcnow()
    if connection.dialect.name == "postgresql":
        # The generated rows are consistent by construction: skip the foreign-key triggers
        # that would check every row of the COPY (the usual bulk-load setting, for this
        # transaction only).
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        # Room for the indexes' pages while a million rows go in; set back to SQLite's
        # default afterwards, so the benchmarks read through the cache an app has.
        connection.exec_driver_sql("PRAGMA cache_size = -262144")
    version_id, definition_id = connection.execute(
        select(DefinitionVersion.id, DefinitionVersion.definition_id)
        .join(ProcessDefinition, DefinitionVersion.definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.key == "expense_claim")
    ).one()
    people = _people(connection, users, now)
    plan = _plan(connection, rng, people, max(1, tasks // len(NODES)), now)
    written = _write(plan)
    instance_rows = _instance_rows(plan, written, definition_id, version_id)
    insert(connection, Instance.__table__, INSTANCE_COLUMNS, instance_rows)
    insert(connection, Activation.__table__, ACTIVATION_COLUMNS, _activation_rows(plan))
    insert(connection, Task.__table__, TASK_COLUMNS, _task_rows(plan, written))
    timer_rows = _timer_rows(plan, rng, pending_timers, due_timers, now)
    insert(connection, Timer.__table__, TIMER_COLUMNS, timer_rows)
    metadata = Instance.metadata
    generated = [metadata.tables[name] for name in ("ab_user", "ab_user_role")]
    generated += [model.__table__ for model in (Instance, Activation, Task, Timer)]
    _fix_sequences(connection, generated)
    if connection.dialect.name == "postgresql":
        # Statistics, as autovacuum keeps them. SQLite gets none: the platform never runs
        # ANALYZE there, so its planner works from the schema, as in production.
        connection.execute(text("ANALYZE"))
    else:
        connection.exec_driver_sql("PRAGMA cache_size = -2000")
    busiest = [
        p.open_task for p in plan if p.running and not p.held and p.assignees[-1] == people[0]
    ]
    return Generated(people, f"gen{people[0]}", busiest, due_timers)


def index_contents(connection: Connection, batch: int = 20_000) -> int:
    """Write the word index of every instance (``search_term``) from its title, form and
    opinions, with the platform's own terms (``search.instance_terms``, what ``flask oa
    search reindex`` writes) but in bulk, in place of what it held; how many rows."""
    from types import SimpleNamespace

    from form_builder.models import DefinitionVersion, ProcessDefinition
    from oa_platform.runtime.models import Instance, Task
    from oa_platform.runtime.search import SearchTerm, instance_terms

    definitions = {
        row.id: SimpleNamespace(name=row.name, name_texts=row.name_texts)
        for row in connection.execute(
            select(ProcessDefinition.id, ProcessDefinition.name, ProcessDefinition.name_texts)
        )
    }
    # What the field access is read from (``search.hidden_fields``: hidden fields stay out).
    versions = {
        row.id: SimpleNamespace(id=row.id, document=row.document)
        for row in connection.execute(select(DefinitionVersion.id, DefinitionVersion.document))
    }
    opinions: dict[int, list[str]] = {}
    for instance_id, opinion in connection.execute(
        select(Task.instance_id, Task.opinion).where(Task.opinion.is_not(None))
    ):
        opinions.setdefault(instance_id, []).append(opinion)
    # Written again from nothing: the demo's instances were indexed as they were made.
    connection.execute(delete(SearchTerm))
    if connection.dialect.name == "postgresql":
        # Consistent by construction, as in ``generate``: no foreign-key trigger per row.
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        connection.exec_driver_sql("PRAGMA cache_size = -524288")  # room for the new index
    written, last = 0, 0
    # A batch of instances read, then its terms written (a COPY takes the connection whole).
    while chunk := connection.execute(
        select(
            Instance.id, Instance.definition_id, Instance.definition_version_id, Instance.title,
            Instance.title_texts, Instance.values,
        )
        .where(Instance.id > last)
        .order_by(Instance.id)
        .limit(batch)
    ).all():  # fmt: skip
        rows = []
        for row in chunk:
            instance = SimpleNamespace(
                title=row.title,
                title_texts=row.title_texts,
                definition=definitions[row.definition_id],
                definition_version=versions[row.definition_version_id],
                values=row.values,
            )
            found = instance_terms(instance, opinions.get(row.id, ()))  # type: ignore[arg-type]
            rows.extend((term, row.id) for term in sorted(found))
        insert(connection, SearchTerm.__table__, ("term", "instance_id"), rows)
        written, last = written + len(rows), chunk[-1].id
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE search_term"))
    else:
        connection.exec_driver_sql("PRAGMA cache_size = -2000")
    return written
