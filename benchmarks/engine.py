"""Engine throughput: the expense chain driven through the runtime's commands, against the
same chain in SpiffWorkflow in the same run.

Each instance is submitted by ``staff``, then every open task is agreed by its handler, one
command (one transaction, as one HTTP request would be) per step: manager (``head``), the
amount branch, director (``mc``, every other instance: total over 5,000.00) and Finance's
countersign (``finance``). Every step persists what the platform keeps: tasks, activations,
the hash-chained audit trail, deadline and reminder timers, notifications, the upload.

The database's own limit is measured beside them (``database_floor``): the least a step
persisted with a trail can cost on the same database and stack, three statements in one
transaction through SQLAlchemy Core (close the task, append the audit entry, open the next
task), no engine, no form, no ORM. Its ratio to SpiffWorkflow bounds any engine's that
writes its trail as rows.

The peers are the harnesses in ``../shared/bench/peers`` (else their copy in
``benchmarks/peers``, or ``OA_BENCH_PEERS``): the same chain in SpiffWorkflow, each step
loading and saving the serialized workflow in SQLite, and in django-viewflow
(``viewflow/bench.py``), which records its task rows per step, on each of our databases.
Their "steps" are ours: the start plus one per user task. Viewflow runs in a virtual
environment of its own, built the first time from the harness's pinned
``viewflow/requirements.txt`` (kept in ``OA_BENCH_VENVS``, ``~/.cache/oa-bench`` by default,
one per set of pins); where it cannot be built the viewflow figures are skipped with a note.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    select,
)
from werkzeug.datastructures import FileStorage, MultiDict

from benchmarks import apps
from benchmarks.report import emit, percentiles_ms, rate, stopwatch
from benchmarks.sizes import Size

NAME = "engine"
# The team's shared folder beside the checkout (../shared), else the copy kept here for
# clones made elsewhere (benchmarks/peers/README.md).
_PEER_PLACES = (
    Path(__file__).resolve().parents[2] / "shared/bench/peers",
    Path(__file__).resolve().parent / "peers",
)


def _peers() -> Path:
    if "OA_BENCH_PEERS" in os.environ:
        return Path(os.environ["OA_BENCH_PEERS"])
    return next((place for place in _PEER_PLACES if place.is_dir()), _PEER_PLACES[0])


PEERS = _peers()
VENVS = Path(os.environ.get("OA_BENCH_VENVS", Path.home() / ".cache" / "oa-bench"))
# Targets of issue 16, steps/s against viewflow's in the same run.
VIEWFLOW_TARGETS = {"sqlite": 3, "postgresql": 2}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def claim_form(amount: str) -> tuple[MultiDict, MultiDict]:
    """A valid expense claim with one item of ``amount`` and one receipt."""
    formdata = MultiDict(
        {
            "purpose": "Customer visit",
            "items-0-date": (date.today() - timedelta(days=3)).isoformat(),
            "items-0-category": "travel",
            "items-0-description": "Train",
            "items-0-amount": amount,
            "payee_name": "Sam Wu",
            "payee_account": "6222020200112233",
        }
    )
    receipt = FileStorage(io.BytesIO(PDF), filename="receipt.pdf", name="receipts-files")
    return formdata, MultiDict([("receipts-files", receipt)])


def drive_chain(instances: int) -> tuple[int, float, int, list[float]]:
    """Run ``instances`` expense claims to the end in the current app; (steps, seconds, SQL
    statements, each command's seconds: what a click on Submit or Agree waits for).

    The statements include the benchmark's own look-ups, as a request would make them: per
    step, the next open task and its handler (two), and per claim the initiator (one)."""
    from oa_platform.accounts.models import OAUser
    from oa_platform.extensions import db
    from oa_platform.runtime.commands import ActionRequest
    from oa_platform.runtime.models import Instance, Task
    from oa_platform.runtime.services import runtime
    from oa_platform.runtime.states import InstanceStatus, TaskStatus

    session = db.session
    ids = dict(session.execute(select(OAUser.username, OAUser.id)).all())
    open_tasks = select(Task.id, Task.assignee_id).where(
        Task.status == TaskStatus.OPEN, Task.blocking.is_(True)
    )
    agree = ActionRequest("agree", opinion="ok")
    commands: list[float] = []
    with stopwatch() as took, apps.counting_statements() as statements:
        for number in range(instances):
            formdata, files = claim_form("6000.00" if number % 2 == 0 else "500.00")
            staff = session.get(OAUser, ids["staff"])
            started = time.perf_counter()
            instance = runtime().submit(staff, "expense_claim", formdata, files)
            commands.append(time.perf_counter() - started)
            instance_id = instance.id
            while pending := session.execute(
                open_tasks.where(Task.instance_id == instance_id)
            ).first():
                task_id, assignee_id = pending
                handler = session.get(OAUser, assignee_id)
                started = time.perf_counter()
                runtime().act(handler, task_id, agree)
                commands.append(time.perf_counter() - started)
            session.expunge_all()  # the next "request" starts with an empty session
        finished = session.get(Instance, instance_id)
        if finished.status is not InstanceStatus.COMPLETED:
            raise RuntimeError(f"the expense chain ended {finished.status}, not completed")
    return len(commands), took[0], statements[0], commands


_FLOOR = MetaData()
_floor_task = Table(
    "bench_floor_task",
    _FLOOR,
    Column("id", Integer, primary_key=True),
    Column("instance_id", Integer, nullable=False),
    Column("status", String(16), nullable=False),
)
_floor_audit = Table(
    "bench_floor_audit",
    _FLOOR,
    Column("id", Integer, primary_key=True),
    Column("instance_id", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    UniqueConstraint("instance_id", "seq"),
)


def database_floor(steps: int) -> tuple[int, float]:
    """(steps, seconds) of the least a persisted step with a trail takes on the current app's
    database: one transaction closing a task, appending its audit entry and opening the next
    task, through SQLAlchemy Core (tables of its own, dropped afterwards)."""
    from oa_platform.extensions import db

    engine = db.engine
    close = (
        _floor_task.update().where(_floor_task.c.id == bindparam("task_id")).values(status="done")
    )
    append = _floor_audit.insert().values(
        instance_id=bindparam("instance_id"), seq=bindparam("seq"), action="agree"
    )
    open_next = _floor_task.insert().returning(_floor_task.c.id)
    _FLOOR.create_all(engine)
    try:
        with engine.connect() as connection:
            opened = {"instance_id": 1, "status": "open"}
            with connection.begin():
                task_id = connection.execute(open_next, opened).scalar_one()
            with stopwatch() as took:
                for seq in range(steps):
                    with connection.begin():
                        connection.execute(close, {"task_id": task_id})
                        connection.execute(append, {"instance_id": 1, "seq": seq})
                        task_id = connection.execute(open_next, opened).scalar_one()
    finally:
        _FLOOR.drop_all(engine)
    return steps, took[0]


def spiff(instances: int) -> dict:
    """The peer harness's JSON line, run now in a child process."""
    harness = PEERS / "spiff_bench.py"
    if not harness.exists():
        raise FileNotFoundError(f"SpiffWorkflow harness not found at {harness} (OA_BENCH_PEERS)")
    out = subprocess.run(
        [sys.executable, str(harness), str(instances)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def peer_python(name: str, requirements: Path) -> Path | None:
    """The Python of a virtual environment holding ``requirements`` (a harness's pins),
    built the first time; None, with a note on stderr, when it cannot be built."""
    pins = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    venv = VENVS / f"{name}-{pins}"
    python = venv / "bin" / "python"
    built = venv / ".installed"
    if built.exists():
        return python
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)],
            check=True,
            capture_output=True,
            text=True,
            timeout=900,
        )
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", None) or error
        print(
            f"{name} peer skipped: its virtual environment could not be built: {detail}",
            file=sys.stderr,
        )
        return None
    built.touch()
    return python


def viewflow(instances: int, database: apps.Database) -> dict | None:
    """The viewflow harness's JSON line on ``database`` (a PostgreSQL one has its public
    schema dropped, as ours is), run now in its own virtual environment; None, with a note
    on stderr, when the harness or its environment is not to be had."""
    harness = PEERS / "viewflow" / "bench.py"
    if not harness.exists():
        print(f"viewflow peer skipped: no harness at {harness}", file=sys.stderr)
        return None
    python = peer_python("viewflow", harness.parent / "requirements.txt")
    if python is None:
        return None
    where = ["--postgres", database.url] if database.kind == "postgresql" else []
    out = subprocess.run(
        [str(python), str(harness), str(instances), *where],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(size: Size) -> None:
    """Emit instances/s and steps/s on each database, the database's floor, viewflow's on
    the same database right after ours, SpiffWorkflow's, and the ratios."""
    ours, floors = {}, {}
    for database in apps.databases("engine"):
        with apps.running(database):
            steps, seconds, statements, commands = drive_chain(size.engine_instances)
            floor_steps, floor_seconds = database_floor(steps)
        peer_figure = viewflow(size.engine_instances, database)
        floors[database.kind] = emit(
            NAME,
            "database_floor",
            database=database.kind,
            steps=floor_steps,
            seconds=round(floor_seconds, 3),
            steps_per_s=rate(floor_steps, floor_seconds),
            statements_per_step=3,
        )
        ours[database.kind] = emit(
            NAME,
            "expense_chain",
            database=database.kind,
            instances=size.engine_instances,
            steps=steps,
            seconds=round(seconds, 3),
            instances_per_s=rate(size.engine_instances, seconds),
            steps_per_s=rate(steps, seconds),
            statements_per_step=round(statements / steps, 1),
            # Each statement is a round trip, and so is each step's commit.
            round_trips_per_step=round(statements / steps + 1, 1),
            step=percentiles_ms(commands),
        )
        if peer_figure is not None:
            emit(NAME, "viewflow", **{k: v for k, v in peer_figure.items() if k != "engine"})
            emit(
                NAME,
                "ratio_ours_to_viewflow",
                database=database.kind,
                steps_per_s_ratio=round(
                    ours[database.kind]["steps_per_s"] / peer_figure["steps_per_s"], 2
                ),
                target=f">= {VIEWFLOW_TARGETS[database.kind]}",
            )
    peer = spiff(size.engine_instances)
    emit(NAME, "spiffworkflow", **{k: v for k, v in peer.items() if k != "engine"})
    for kind, figure in ours.items():
        emit(
            NAME,
            "ratio_ours_to_spiffworkflow",
            database=kind,
            steps_per_s_ratio=round(figure["steps_per_s"] / peer["steps_per_s"], 2),
            floor_ratio=round(floors[kind]["steps_per_s"] / peer["steps_per_s"], 2),
            target=">= 3",
        )
