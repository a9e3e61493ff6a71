"""``/usage/``: IT's view of how the OA system is used (regulations §2.1.1), with each table as
CSV (``/usage/export/<table>.csv``) and XLSX (``/usage/export/<table>.xlsx``; ``all.xlsx``
holds every table, one sheet each).

Every signed-in person holds the page's FAB permission; :mod:`oa_platform.usage.policy`
decides, on the server, who sees which units: anyone else, and anyone asking for a unit
they may not see, gets 404. The filters are a GET form (it changes nothing): a bad one gets
400 with a message naming the field.
"""

from __future__ import annotations

from flask import Response, abort, g, request
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext

from form_builder.clock import utcnow
from oa_platform import charts
from oa_platform.extensions import db
from oa_platform.i18n import company_zone, local_time, time_zone
from oa_platform.reports.csv_export import to_csv
from oa_platform.reports.views import duration
from oa_platform.reports.xlsx_export import XLSX_MIMETYPE, Sheet, to_xlsx
from oa_platform.usage import periods
from oa_platform.usage.policy import UsageNotFoundError, unit_for
from oa_platform.usage.report import DEFAULT_IDLE_DAYS, TABLES, Report, build, percent, tables

MAX_IDLE_DAYS = 3650
TOP_NODES_CHARTED = 12
# Accounts listed on the page (the exports list them all): a whole group's idle accounts
# would make the page long without helping anyone read it.
IDLE_SHOWN = 200


class FilterError(ValueError):
    """A filter cannot be read; the message names the field."""


def _idle_days(text: str | None) -> int:
    if not text:
        return DEFAULT_IDLE_DAYS
    try:
        days = int(text)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_IDLE_DAYS:
        raise FilterError(
            gettext(
                "Days without signing in: enter a whole number from 1 to %(most)s.",
                most=MAX_IDLE_DAYS,
            )
        )
    return days


def _attachment(body: str | bytes, mimetype: str, name: str) -> Response:
    return Response(
        body,
        content_type=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


class UsageView(BaseView):
    """The usage page and its exports."""

    route_base = "/usage"
    default_view = "usage"

    def _report(self) -> tuple[Report | None, dict, list[str]]:
        """The report the query string asks for, the template's context, and the filter
        errors (then no report). 404 if the viewer may not see the view or the unit."""
        now = utcnow()
        today = local_time(now).date()
        zone = company_zone()
        try:
            unit, units = unit_for(db.session, g.user, request.args.get("unit"))
        except UsageNotFoundError:
            abort(404)
        context = {
            "units": units,
            "unit": unit,
            "period_choices": periods.choices(today, zone),
            "zone": time_zone(),
            "args": {k: v for k, v in request.args.items() if k in {"period", "unit", "days"}},
        }
        errors = []
        try:
            period = periods.parse(request.args.get("period"), today, zone)
        except periods.PeriodError as error:
            errors.append(str(error))
            period = None
        try:
            days = _idle_days(request.args.get("days"))
        except FilterError as error:
            errors.append(str(error))
            days = DEFAULT_IDLE_DAYS
        context["days"] = days
        if errors:
            return None, context, errors
        return build(db.session, period, unit, now, days), context, []

    @expose("/")
    @has_access
    @permission_name("list")
    def usage(self):
        report, context, errors = self._report()
        if report is None:
            return self.render_template("usage/usage.html", errors=errors, **context), 400
        before, after = report.period.neighbours()
        return self.render_template(
            "usage/usage.html",
            errors=[],
            report=report,
            tables=tables(report),
            before=before,
            after=after,
            charts=_charts(report),
            duration=duration,
            percent=percent,
            idle_shown=IDLE_SHOWN,
            **context,
        )

    @expose("/export/<string:table>.csv")
    @has_access
    @permission_name("list")
    def export_csv(self, table: str):
        """One table as a CSV file."""
        return self._export(table, "csv")

    @expose("/export/<string:table>.xlsx")
    @has_access
    @permission_name("list")
    def export_xlsx(self, table: str):
        """One table, or every table (``all``), as an XLSX workbook."""
        return self._export(table, "xlsx")

    def _export(self, name: str, kind: str):
        if name not in TABLES and (name, kind) != ("all", "xlsx"):
            abort(404)
        report, context, errors = self._report()
        if report is None:
            return self.render_template("usage/usage.html", errors=errors, **context), 400
        chosen = [t for t in tables(report) if name in {"all", t.key}]
        stem = f"usage-{report.period.key}-{name}"
        if kind == "csv":
            (only,) = chosen
            text = to_csv(only.header, only.rows)
            if request.args.get("encoding") == "gbk":
                # Older Excel versions on Chinese Windows read a CSV file as GBK whatever its
                # byte-order mark says; GB18030 is GBK's superset, so no name is lost.
                body = text.removeprefix("\ufeff").encode("gb18030")
                return _attachment(body, "text/csv; charset=gb18030", f"{stem}-gbk.csv")
            return _attachment(text, "text/csv", f"{stem}.csv")
        book = to_xlsx([Sheet(t.title, t.header, t.rows) for t in chosen])
        return _attachment(book, XLSX_MIMETYPE, f"{stem}.xlsx")


def _charts(report: Report) -> dict[str, object]:
    """The page's charts: instances started and finished per day or month, and the handling
    times of the busiest nodes."""
    started, finished = gettext("Instances started"), gettext("Instances finished")
    busiest = [line for line in report.nodes if line.handled][:TOP_NODES_CHARTED]
    return {
        "throughput": charts.columns(
            gettext("Instances started and finished, %(period)s", period=report.period.label),
            [bar.label for bar in report.bars],
            [
                charts.Series(started, [bar.started for bar in report.bars]),
                charts.Series(finished, [bar.finished for bar in report.bars]),
            ],
            "chart-throughput",
        ),
        "handling": charts.rows(
            gettext("Handling time by node (minutes), %(period)s", period=report.period.label),
            [f"{line.definition} / {line.node}" for line in busiest],
            [
                charts.Series(gettext("Median"), [line.median_minutes or 0 for line in busiest]),
                charts.Series(
                    gettext("90th percentile"), [line.p90_minutes or 0 for line in busiest]
                ),
            ],
            "chart-handling",
            fmt=duration,
        )
        if busiest
        else None,
    }
