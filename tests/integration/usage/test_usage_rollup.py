"""The usage view's daily rollup (regulations §2.1.1): the closed days rolled up by beat (or
backfilled with ``flask oa usage rollup``) give the figures the tasks themselves give, today
is always counted from the tasks, and work counts for the unit it was done in even after
people move. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import pytest
from sqlalchemy import func, select

from oa_platform.extensions import db
from oa_platform.i18n import company_zone
from oa_platform.inspection.models import PersonHistory
from oa_platform.org.models import Department
from oa_platform.usage import periods
from oa_platform.usage.buckets import bucket_of
from oa_platform.usage.models import RolledDay, TaskDay
from oa_platform.usage.policy import units_for
from oa_platform.usage.report import build
from oa_platform.usage.tasks import roll_up_closed_days
from tests.conftest import user
from tests.runtime_helpers import act_at, start
from tests.usage_helpers import INSPECTION, at, known_handling_times

BOTH_DATABASES = True
GROUP, SALES = "", "department:SLS/SALES"


@pytest.fixture
def quarter(demo):
    """The known quarter, three more claims at Henry (30, 300 and 600 minutes), and one Fiona
    agrees at 00:30 on 1 October in Shanghai, which is still 30 September in UTC."""
    found = known_handling_times()
    for day, minutes in ((20, 30), (21, 300), (22, 600)):
        with at(datetime(2026, 7, day, 1, 0)):
            claim = start("staff", "expense_claim")
        with at(datetime(2026, 7, day, 1 + minutes // 60, minutes % 60)):
            act_at(claim, "head", "agree", "manager")
    with at(datetime(2026, 9, 30, 9, 0)):
        late_night = start("staff", "expense_claim")
        act_at(late_night, "head", "agree", "manager")
    with at(datetime(2026, 9, 30, 16, 30)):
        act_at(late_night, "finance", "agree", "finance")
    return found


def figures(period_key: str, unit_key: str, *, rollup: bool) -> dict:
    """Every figure of the view for the period and unit, as the inspection sees it."""
    from flask import current_app

    with at(INSPECTION), current_app.test_request_context("/usage/"):
        zone = company_zone()
        period = periods.parse(period_key, INSPECTION.date(), zone)
        unit = {u.key: u for u in units_for(db.session, user("auditor"))}[unit_key]
        report = build(db.session, period, unit, INSPECTION, 30, rollup=rollup)
        return {
            "summary": report.summary,
            "definitions": [asdict(line) for line in report.definitions],
            "nodes": [asdict(line) for line in report.nodes],
            "actions": report.actions,
            "agents": report.agents,
            "bars": report.bars,
        }


def same_bucket(rolled: dict, live: dict) -> dict:
    """``rolled`` with each median and 90th percentile replaced by ``live``'s when both are
    in the same bucket (the rollup's resolution), so the rest must be equal."""

    def line(rolled_line: dict, live_line: dict) -> dict:
        out = dict(rolled_line)
        for name in ("median_minutes", "p90_minutes"):
            mine, theirs = rolled_line[name], live_line[name]
            if mine is not None and theirs is not None and bucket_of(mine) == bucket_of(theirs):
                out[name] = theirs
        return out

    return {
        **rolled,
        **{
            table: [line(a, b) for a, b in zip(rolled[table], live[table], strict=True)]
            for table in ("definitions", "nodes")
        },
    }


def rolled_days() -> int:
    return db.session.scalar(select(func.count()).select_from(RolledDay))


def test_the_rolled_up_days_give_the_figures_the_tasks_give(quarter, demo):
    asked = [("2026-Q3", GROUP), ("2026-Q3", SALES), ("2026-07", GROUP), ("2026", GROUP)]
    asked += [("2026-Q4", GROUP), ("2026-Q4", SALES)]
    live = {key: figures(*key, rollup=False) for key in asked}
    assert live[("2026-Q3", GROUP)]["summary"].handled == 9  # the quarter's 5, 3 more, 1
    # 00:30 on 1 October in Shanghai is the fourth quarter's, whatever UTC says.
    assert live[("2026-Q4", GROUP)]["summary"].handled == 1

    # Beat's hourly run at the inspection: every closed day since the first activity
    # (6 July) up to yesterday, 4 October; a second run finds nothing to do.
    with at(INSPECTION):
        assert roll_up_closed_days() == 91
        assert roll_up_closed_days() == 0
    assert rolled_days() == 91 and db.session.scalar(select(func.count(TaskDay.id))) > 0

    for key in asked:
        rolled = figures(*key, rollup=True)
        assert same_bucket(rolled, live[key]) == live[key], key
    # Times under 16 minutes are exact, longer ones shown at their bucket's midpoint: Fiona's
    # 180 and 10,080 minutes read as 184 and 9,728 once their days are rolled up.
    nodes = figures("2026-Q3", GROUP, rollup=True)["nodes"]
    finance = next(line for line in nodes if line["node_id"] == "finance")
    assert (finance["handled"], finance["median_minutes"], finance["p90_minutes"]) == (2, 184, 9728)

    # Today is counted from the tasks: a claim Henry agrees at the inspection shows at once.
    with at(INSPECTION):
        today = start("staff", "expense_claim")
        act_at(today, "head", "agree", "manager")
    after = figures("2026-Q4", GROUP, rollup=True)
    assert (after["summary"].handled, after["summary"].started) == (2, 1)
    assert same_bucket(after, figures("2026-Q4", GROUP, rollup=False)) == figures(
        "2026-Q4", GROUP, rollup=False
    )


def test_the_backfill_command_rolls_up_a_range_again_and_refuses_open_days(quarter, demo):
    from oa_platform.cli import oa_cli

    runner = demo.test_cli_runner()
    with at(INSPECTION):
        july = ["usage", "rollup", "--from", "2026-07-01", "--to", "2026-07-31"]
        first = runner.invoke(oa_cli, july)
        assert first.exit_code == 0, first.output
        assert "Rolled up 31 days from 2026-07-01 to 2026-07-31" in first.output
        rows = db.session.scalar(select(func.count(TaskDay.id)))
        again = runner.invoke(oa_cli, july)
        assert again.exit_code == 0 and db.session.scalar(select(func.count(TaskDay.id))) == rows
        assert rolled_days() == 31
        live = figures("2026-07", GROUP, rollup=False)
        assert same_bucket(figures("2026-07", GROUP, rollup=True), live) == live

        refused = runner.invoke(
            oa_cli, ["usage", "rollup", "--from", "2026-10-01", "--to", "2026-10-05"]
        )
        assert refused.exit_code != 0
        assert "2026-10-05 is not over yet (today is 2026-10-05)" in refused.output
        assert rolled_days() == 31  # refused before anything was written
        bad = runner.invoke(oa_cli, ["usage", "rollup", "--from", "1 July"])
        assert bad.exit_code != 0 and "write a day as 2026-07-31" in bad.output

        # Without a range: what beat would do next, from 1 August (after the newest) on.
        rest = runner.invoke(oa_cli, ["usage", "rollup"])
        assert "from 2026-08-01 to 2026-10-04" in rest.output, rest.output
    assert rolled_days() == 31 + 65


def test_work_counts_for_the_unit_it_was_done_in_after_people_move(quarter, demo):
    """Sam started the quarter's instances in Sales, then moves to the Group Office: Sales
    keeps his instances (live and rolled up alike); its active users are its people now."""
    sales = db.session.scalar(select(Department).where(Department.code == "SALES"))
    office = db.session.scalar(select(Department).where(Department.code == "OFFICE"))
    sam = user("staff")
    # As the history's migration recorded everyone who was there before it (valid since).
    db.session.add(
        PersonHistory(user_id=sam.id, department_id=sales.id, valid_from=datetime(2026, 1, 1))
    )
    db.session.commit()
    before = figures("2026-Q3", SALES, rollup=False)
    with at(INSPECTION):
        sam.department_id = office.id
        db.session.commit()
    moved = figures("2026-Q3", SALES, rollup=False)
    assert moved["summary"].started == before["summary"].started == 7
    assert moved["definitions"] == before["definitions"]
    assert (before["summary"].active_users, moved["summary"].active_users) == (2, 1)
    with at(INSPECTION):
        roll_up_closed_days()
    rolled = figures("2026-Q3", SALES, rollup=True)
    assert same_bucket(rolled, moved) == moved
    office_unit = figures("2026-Q3", "department:GRP/OFFICE", rollup=True)["summary"]
    assert (office_unit.started, office_unit.active_users) == (0, 2)  # Sam, and Laura acted
