"""Bulk approval at size (issue 19): one handler agrees to 100 open to-dos in one bulk action,
on the 1,000,000-task data (:mod:`benchmarks.dataset`). Target: under 3 s on SQLite.

Staff submits the expense claims through the runtime's command (the manager's step, ``head``'s
to-do, asks no opinion); then the whole batch goes through ``bulk_approval.agree_to_all``, what
the inbox's "Agree to the chosen" button posts to: each to-do agreed by ``Runtime.act`` in its
own transaction, with the trail, the next step's task, its timers and notices, and the word
index kept. The figure is the bulk action's wall time, as the handler waits for the results
page (less the page's rendering), and per to-do.
"""

from __future__ import annotations

from benchmarks import apps
from benchmarks.engine import claim_form
from benchmarks.report import emit, stopwatch
from benchmarks.sizes import Size

NAME = "bulk_approval"
# To-dos in the batch: the 100 (the most one batch takes), fewer for the smoke test.
SIZES = {"tiny": 10}
TARGET = 100


def _open_to_dos(handler: str, count: int) -> list[int]:
    """Submit ``count`` expense claims as staff; the ids of ``handler``'s to-dos they made."""
    from sqlalchemy import select

    from oa_platform.accounts.models import OAUser
    from oa_platform.extensions import db
    from oa_platform.runtime.models import Task
    from oa_platform.runtime.services import runtime
    from oa_platform.runtime.states import TaskStatus

    session = db.session
    staff = session.scalar(select(OAUser).where(OAUser.username == "staff"))
    handler_id = session.scalar(select(OAUser.id).where(OAUser.username == handler))
    instance_ids = []
    for number in range(count):
        formdata, files = claim_form(f"{100 + number}.00")
        instance_ids.append(runtime().submit(staff, "expense_claim", formdata, files).id)
    task_ids = list(
        session.scalars(
            select(Task.id)
            .where(
                Task.instance_id.in_(instance_ids),
                Task.assignee_id == handler_id,
                Task.status == TaskStatus.OPEN,
                Task.blocking.is_(True),
            )
            .order_by(Task.id)
        )
    )
    if len(task_ids) != count:
        raise RuntimeError(f"{count} claims made {len(task_ids)} to-dos for {handler}")
    return task_ids


def measure(size: Size, database: apps.Database) -> None:
    """Emit the seconds of one bulk agree of the handler's to-dos, and per to-do."""
    from sqlalchemy import select

    from oa_platform.accounts.models import OAUser
    from oa_platform.extensions import db
    from oa_platform.runtime import bulk_approval

    count = SIZES.get(size.name, TARGET)
    task_ids = _open_to_dos("head", count)
    session = db.session
    session.expunge_all()  # the bulk action's request starts with an empty session
    head = session.scalar(select(OAUser).where(OAUser.username == "head"))
    with stopwatch() as took, apps.counting_statements() as statements:
        results = bulk_approval.agree_to_all(session, head, task_ids, "")
    agreed = sum(result.agreed for result in results)
    if agreed != count:
        refused = {result.reason for result in results if not result.agreed}
        raise RuntimeError(f"bulk approval agreed to {agreed} of {count}: {refused}")
    emit(
        NAME, "bulk_approve", database=database.kind, users=size.users, tasks=size.tasks,
        to_dos=count, agreed=agreed, seconds=round(took[0], 2),
        ms_per_to_do=round(took[0] * 1000 / count, 1),
        statements_per_to_do=round(statements[0] / count, 1),
        target="under 3 s for 100 on SQLite",
    )  # fmt: skip
