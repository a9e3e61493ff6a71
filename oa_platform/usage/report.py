"""The whole usage view for one period and unit, and its tables as the exports write them:
the page, the CSV files and the XLSX workbook read the same :class:`Report`, so they show the
same numbers (§2.1.1)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy.orm import Session

from oa_platform.i18n import format_day, format_when, time_zone
from oa_platform.runtime.opinions import LABELS
from oa_platform.usage import queries
from oa_platform.usage.periods import UsagePeriod
from oa_platform.usage.policy import Unit

DEFAULT_IDLE_DAYS = 30
TABLES = ("summary", "definitions", "nodes", "actions", "agents", "idle")


@dataclass(frozen=True)
class Report:
    period: UsagePeriod
    unit: Unit
    idle_days: int
    summary: queries.Summary
    definitions: list[queries.DefinitionLine]
    nodes: list[queries.NodeLine]
    actions: list[queries.ActionLine]
    agents: list[queries.AgentLine]
    idle: list[queries.IdleLine]
    bars: list[queries.Bar]


def build(
    session: Session,
    period: UsagePeriod,
    unit: Unit,
    now: datetime,
    idle_days: int,
    *,
    rollup: bool = True,
) -> Report:
    """Every figure of the view (a fixed number of statements, whatever the data's size):
    the period's rolled-up days from the daily rollup, the others from the tasks (with
    ``rollup=False`` every day from the tasks: what the rollup must add up to)."""
    scope = queries.Scope(period.period, unit.department_ids)
    if rollup:
        scope = queries.with_rollup(session, scope)
    nodes = queries.by_node(session, scope)
    instances = queries.throughput(session, scope)
    return Report(
        period=period,
        unit=unit,
        idle_days=idle_days,
        summary=queries.summary(session, scope, now, idle_days, nodes, instances),
        definitions=instances.lines,
        nodes=nodes,
        actions=queries.actions(session, scope),
        agents=queries.agents(session, scope),
        idle=queries.idle_accounts(session, scope, now, idle_days),
        bars=queries.bars(session, scope, period.parts()),
    )


def percent(rate: float | None) -> float | None:
    """A share as a percentage with one decimal, as the page, CSV and XLSX show it."""
    return None if rate is None else round(rate * 100, 1)


def action_label(action: str) -> str:
    label = LABELS.get(action)
    return str(label) if label is not None else action


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    header: Sequence[str]
    rows: list[Sequence[object]]


def _summary_rows(report: Report) -> list[Sequence[object]]:
    s = report.summary
    return [
        (gettext("Active users"), s.active_users),
        (gettext("Instances started"), s.started),
        (gettext("Instances finished"), s.finished),
        (gettext("Instances terminated or cancelled"), s.ended_otherwise),
        (gettext("Tasks handled"), s.handled),
        (gettext("Tasks handled with a deadline"), s.with_deadline),
        (gettext("Tasks handled late"), s.late),
        (gettext("Overtime rate (%)"), percent(s.overtime_rate)),
        (gettext("Actions other than agree"), s.not_agree),
        (gettext("Agents in use"), s.agents),
        (gettext("Tasks handled by agents"), s.on_behalf),
        (
            gettext("Accounts not signed in for %(days)s days", days=report.idle_days),
            s.idle,
        ),
    ]


def tables(report: Report) -> list[Table]:
    """The view's tables in page order, with headings in the request's language; minutes
    are whole minutes and shares percentages, as numbers (a spreadsheet sums them)."""
    zone = time_zone()
    return [
        Table(
            "summary",
            gettext("Summary"),
            (gettext("Figure"), gettext("Value")),
            _summary_rows(report),
        ),
        Table(
            "definitions",
            gettext("By process"),
            (
                gettext("Process key"),
                gettext("Process"),
                gettext("Instances started"),
                gettext("Instances finished"),
                gettext("Median time to finish (minutes)"),
                gettext("90th percentile time to finish (minutes)"),
            ),
            [
                (d.key, d.name, d.started, d.finished, d.median_minutes, d.p90_minutes)
                for d in report.definitions
            ],
        ),
        Table(
            "nodes",
            gettext("By node"),
            (
                gettext("Process"),
                gettext("Node"),
                gettext("Tasks handled"),
                gettext("Median handling time (minutes)"),
                gettext("90th percentile handling time (minutes)"),
                gettext("With a deadline"),
                gettext("Late"),
                gettext("Overtime rate (%)"),
                gettext("Actions other than agree"),
            ),
            [
                (
                    n.definition,
                    n.node,
                    n.handled,
                    n.median_minutes,
                    n.p90_minutes,
                    n.with_deadline,
                    n.late,
                    percent(n.overtime_rate),
                    n.not_agree,
                )
                for n in report.nodes
            ],
        ),
        Table(
            "actions",
            gettext("Actions other than agree"),
            (gettext("Action"), gettext("Code"), gettext("Tasks")),
            [(action_label(a.action), a.action, a.tasks) for a in report.actions],
        ),
        Table(
            "agents",
            gettext("Agents in use"),
            (
                gettext("Principal"),
                gettext("Principal user name"),
                gettext("Agent"),
                gettext("Agent user name"),
                gettext("From"),
                gettext("To (included)"),
                gettext("Revoked (%(zone)s)", zone=zone),
                gettext("Tasks handled for the principal"),
            ),
            [
                (
                    a.principal,
                    a.principal_username,
                    a.agent,
                    a.agent_username,
                    format_day(a.starts_on, empty=""),
                    format_day(a.ends_on, empty=""),
                    format_when(a.revoked_at, empty=""),
                    a.on_behalf,
                )
                for a in report.agents
            ],
        ),
        Table(
            "idle",
            gettext("Accounts not signed in for %(days)s days", days=report.idle_days),
            (
                gettext("User name"),
                gettext("Name"),
                gettext("Department"),
                gettext("Last sign-in (%(zone)s)", zone=zone),
            ),
            [
                (i.username, i.name, i.department, format_when(i.last_login, empty=""))
                for i in report.idle
            ],
        ),
    ]


def table(report: Report, key: str) -> Table | None:
    return next((t for t in tables(report) if t.key == key), None)
