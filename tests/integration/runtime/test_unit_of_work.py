"""One unit of work per command: a change and what announces it (jobs, events, mails) happen
together or not at all; a conflict runs the command again; a plugin's savepoint undoes only
itself; a command run by another joins it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.unit_of_work import transaction_cache, unit_of_work
from tests.conftest import user

BOTH_DATABASES = True


def notice(key: str) -> Notification:
    row = Notification(user_id=user("staff").id, kind="task", key=key, subject=key, link="/")
    db.session.add(row)
    return row


def stored() -> list[str]:
    db.session.rollback()  # read what is committed, not what this session holds
    return list(db.session.scalars(select(Notification.key).order_by(Notification.id)))


def test_a_refused_command_changes_nothing_and_announces_nothing(demo):
    sent: list[str] = []

    def work() -> None:
        notice("refused")
        unit_of_work(db.session).after_commit(sent.append, "refused")
        raise ValueError("the policy says no")

    with pytest.raises(ValueError, match="the policy says no"):
        unit_of_work(db.session).run(work)
    assert stored() == [] and sent == []


def test_a_conflict_runs_the_command_again_and_announces_only_what_committed(demo):
    sent: list[str] = []
    attempts: list[int] = []

    def work() -> None:
        attempts.append(len(attempts) + 1)
        notice(f"attempt {len(attempts)}")
        unit_of_work(db.session).after_commit(sent.append, f"attempt {len(attempts)}")
        if len(attempts) == 1:
            raise StaleDataError("another transaction changed the instance first")

    unit_of_work(db.session).run(work)
    assert attempts == [1, 2]
    assert stored() == ["attempt 2"] and sent == ["attempt 2"]


def test_a_conflict_that_keeps_coming_is_raised_after_the_retries(demo):
    attempts: list[int] = []

    def work() -> None:
        attempts.append(1)
        raise StaleDataError("always changed by someone else")

    with pytest.raises(StaleDataError):
        unit_of_work(db.session).run(work, retries=3)
    assert len(attempts) == 3


def test_a_failed_savepoint_undoes_only_itself(demo):
    sent: list[str] = []
    unit = unit_of_work(db.session)

    def work() -> None:
        notice("before the hook")
        unit.after_commit(sent.append, "before the hook")
        transaction_cache(db.session, "heads")[1] = "read before the hook"
        with pytest.raises(RuntimeError), unit.savepoint():
            notice("inside the hook")
            unit.after_commit(sent.append, "inside the hook")
            raise RuntimeError("a plugin's hook raised")
        # What the savepoint may have changed is read again, not trusted.
        assert transaction_cache(db.session, "heads") == {}
        notice("after the hook")

    unit.run(work)
    assert stored() == ["before the hook", "after the hook"]
    assert sent == ["before the hook"]


def test_a_command_run_by_another_joins_its_unit_of_work(demo):
    sent: list[str] = []
    unit = unit_of_work(db.session)

    def inner() -> None:
        notice("inner")
        unit.after_commit(sent.append, "inner")

    def outer() -> None:
        unit.run(inner)  # does not commit on its own
        raise ValueError("the outer command is refused after the inner one ran")

    with pytest.raises(ValueError):
        unit.run(outer)
    assert stored() == [] and sent == []

    unit.run(lambda: (unit.run(inner), notice("outer")))
    assert stored() == ["inner", "outer"] and sent == ["inner"]


def test_transaction_caches_are_forgotten_when_the_transaction_ends(demo):
    unit = unit_of_work(db.session)

    def remember() -> None:
        transaction_cache(db.session, "heads")[7] = "seen"

    unit.run(remember)
    assert transaction_cache(db.session, "heads") == {}
    remember()
    db.session.rollback()
    assert transaction_cache(db.session, "heads") == {}
    assert db.session.scalar(select(func.count(Notification.id))) == 0
