"""The "Overtime inspection" page and its CSV and XLSX exports (regulations §8.5: IT inspects node
processing at least once a quarter; overtime found is penalised).

Who may open it is a FAB permission (``roles.py``: Admin, Process Designer, Management
Center, Auditor); everyone else gets 403 like the other administration pages. An instance's
title is shown, and linked, only to a viewer who may see that instance (``visibility.py``);
others get its number.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, g, request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext, lazy_gettext

from form_builder.clock import utcnow
from oa_platform import charts
from oa_platform.extensions import db
from oa_platform.i18n import company_zone, format_when, local_time, time_zone
from oa_platform.reports import overtime
from oa_platform.reports.csv_export import to_csv
from oa_platform.reports.forms import OvertimeFilterForm
from oa_platform.reports.periods import previous_quarter, quarter_of, quarters_up_to
from oa_platform.reports.xlsx_export import XLSX_MIMETYPE, Sheet, to_xlsx
from oa_platform.request_limits import requested_page

# The trend shows this many quarters, ending with the one the chosen period ends in.
TREND_QUARTERS = 4
# The handler chart shows the first lines of the table (the most late tasks); the table has all.
CHART_HANDLERS = 12

# A record's state in the export, in the request's language.
STATES = {
    "open": lazy_gettext("open"),
    "handled": lazy_gettext("handled"),
    "closed": lazy_gettext("closed"),
}


def csv_header() -> tuple[str, ...]:
    """The export's column headings in the request's language; times are the company's."""
    zone = time_zone()
    return (
        gettext("Instance"),
        gettext("Title"),
        gettext("Process"),
        gettext("Node"),
        gettext("Handler"),
        gettext("Handler name"),
        gettext("Department"),
        gettext("Due (%(zone)s)", zone=zone),
        gettext("Handled or closed (%(zone)s)", zone=zone),
        gettext("State"),
        gettext("Minutes late"),
    )


def summary_header(first: str, second: str) -> tuple[str, ...]:
    """The summary sheets' headings (the page's, lateness counted in minutes)."""
    return (
        first,
        second,
        gettext("Late tasks"),
        gettext("Still open"),
        gettext("Lateness in all (minutes)"),
        gettext("Longest (minutes)"),
    )


def _detail_cells(row: overtime.OvertimeRow) -> tuple[object, ...]:
    return (
        row.instance_id,
        row.title,
        row.definition,
        row.node,
        row.handler_username,
        row.handler,
        row.department,
        _when(row.due_at),
        _when(row.ended_at),
        str(STATES.get(row.state, row.state)),
        row.minutes_late,
    )


def _attachment(body: str | bytes, mimetype: str, name: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def duration(minutes: int) -> str:
    """Minutes as "1 d 2 h 5 min" (「1天 2小时 5分钟」), leaving out the larger units that
    are zero."""
    days, rest = divmod(max(minutes, 0), 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [gettext("%(days)s d", days=days)] if days else []
    if hours:
        parts.append(gettext("%(hours)s h", hours=hours))
    if mins or not parts:
        parts.append(gettext("%(minutes)s min", minutes=mins))
    return " ".join(parts)


def overtime_charts(
    departments: list[overtime.DepartmentSummary],
    handlers: list[overtime.HandlerSummary],
    trend: list[overtime.QuarterSummary],
) -> dict[str, object]:
    """The page's three charts, drawn from the same lines as its tables (so they always agree):
    lateness by department and by handler (in minutes, labelled as durations), and the late
    tasks of each quarter."""
    lateness = gettext("Lateness in all")
    shown = handlers[:CHART_HANDLERS]
    handler_title = gettext("Lateness by handler")
    if len(handlers) > len(shown):
        handler_title = gettext(
            "Lateness by handler (the first %(count)s of %(total)s)",
            count=len(shown),
            total=len(handlers),
        )
    return {
        "departments": charts.rows(
            gettext("Lateness by department"),
            [line.department or gettext("No department") for line in departments],
            [charts.Series(lateness, [line.minutes for line in departments])],
            "overtime-chart-departments",
            fmt=duration,
        ),
        "handlers": charts.rows(
            handler_title,
            [f"{line.name} ({line.username})" for line in shown],
            [charts.Series(lateness, [line.minutes for line in shown])],
            "overtime-chart-handlers",
            fmt=duration,
        ),
        "trend": charts.columns(
            gettext("Late tasks per quarter"),
            [line.quarter.label for line in trend],
            [
                charts.Series(gettext("Late tasks"), [line.records for line in trend]),
                charts.Series(gettext("Still open"), [line.still_open for line in trend]),
            ],
            "overtime-chart-trend",
        ),
    }


def _when(value: datetime | None) -> str:
    return format_when(value, empty="")


def _company_today(now: datetime):
    return local_time(now).date()


class OvertimeReportView(BaseView):
    """``/reports/overtime/``: the inspection page; ``/reports/overtime/export.csv``: its
    detailed records as a spreadsheet."""

    route_base = "/reports/overtime"
    default_view = "report"

    @expose("/")
    @has_access
    @permission_name("list")
    def report(self):
        now = utcnow()
        form = OvertimeFilterForm(db.session, request.args, _company_today(now), company_zone())
        if not form.validate():
            return self._render(form, now), 400
        filters = form.filters()
        number = requested_page()
        handlers = overtime.by_handler(db.session, filters, now)
        departments = overtime.by_department(db.session, filters, now)
        trend = overtime.by_quarter(
            db.session,
            filters,
            now,
            quarters_up_to(filters.period.last, TREND_QUARTERS, company_zone()),
        )
        return self._render(
            form,
            now,
            totals=overtime.totals(db.session, filters, now),
            handlers=handlers,
            departments=departments,
            trend=trend,
            nodes=overtime.by_node(db.session, filters, now),
            page=overtime.details(db.session, filters, now, g.user, number),
            charts=overtime_charts(departments, handlers, trend),
        )

    @expose("/export.csv")
    @has_access
    @permission_name("list")
    def export(self):
        now = utcnow()
        form = OvertimeFilterForm(db.session, request.args, _company_today(now), company_zone())
        if not form.validate():
            return self._render(form, now), 400
        rows = (
            _detail_cells(row)
            for row in overtime.all_details(db.session, form.filters(), now, g.user)
        )
        return _attachment(to_csv(csv_header(), rows), "text/csv", f"{_file_stem(form)}.csv")

    @expose("/export.xlsx")
    @has_access
    @permission_name("list")
    def export_xlsx(self):
        """The page's three tables as one workbook, one sheet each, headed as on the page in
        the request's language; lateness in minutes (numbers a spreadsheet can sum)."""
        now = utcnow()
        form = OvertimeFilterForm(db.session, request.args, _company_today(now), company_zone())
        if not form.validate():
            return self._render(form, now), 400
        filters = form.filters()
        sheets = [
            Sheet(
                gettext("By handler"),
                (
                    gettext("Handler"),
                    *summary_header(gettext("Handler name"), gettext("Department")),
                ),
                (
                    (
                        s.username,
                        s.name,
                        s.department,
                        s.records,
                        s.still_open,
                        s.minutes,
                        s.max_minutes,
                    )
                    for s in overtime.by_handler(db.session, filters, now)
                ),
            ),
            Sheet(
                gettext("By process and node"),
                summary_header(gettext("Process"), gettext("Node")),
                (
                    (s.definition, s.node, s.records, s.still_open, s.minutes, s.max_minutes)
                    for s in overtime.by_node(db.session, filters, now)
                ),
            ),
            Sheet(
                gettext("Late tasks"),
                csv_header(),
                (
                    _detail_cells(row)
                    for row in overtime.all_details(db.session, filters, now, g.user)
                ),
            ),
        ]
        return _attachment(to_xlsx(sheets), XLSX_MIMETYPE, f"{_file_stem(form)}.xlsx")

    def _render(self, form: OvertimeFilterForm, now: datetime, **report):
        today = _company_today(now)
        return self.render_template(
            "reports/overtime.html",
            form=form,
            quarters=[
                (gettext("This quarter"), quarter_of(today)),
                (gettext("Last quarter"), previous_quarter(today)),
            ],
            duration=duration,
            **report,
        )


def _file_stem(form: OvertimeFilterForm) -> str:
    period = form.period
    return f"overtime-{period.first.isoformat()}-{period.last.isoformat()}"
