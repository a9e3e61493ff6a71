"""The inspection pages: inspections (open one, its sample, a sampled instance's checklist
with its steps, opinions, timing and trail, the report as page, PDF and XLSX), tickets (mine,
my unit's, all) with issue, dismiss, appeal and decide, tallies, and the checklist and rules.

Every page asks ``policy`` (through the commands): what the reader may not see is a 404.
Changes go through ``commands``; a refused one changes nothing and the page says why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from sqlalchemy import select

from form_builder.models import ProcessDefinition
from oa_platform.extensions import db
from oa_platform.inspection import commands, defaults, export, policy, queries, responsibility
from oa_platform.inspection.models import InspectionReport, SampledInstance
from oa_platform.org.models import Company, Department
from oa_platform.reports.periods import quarter_of
from oa_platform.reports.xlsx_export import XLSX_MIMETYPE
from oa_platform.runtime.models import Instance
from oa_platform.runtime.visibility import visible_to


def _run(command: Callable[[], Any], done: Callable[[Any], str], back: str) -> Response:
    """Run a page's command: say what it did or why it was refused; 404 when not the
    reader's to know."""
    try:
        flash(done(command()), "success")
    except policy.InspectionNotFoundError:
        abort(404)
    except commands.InspectionCommandError as error:
        flash(str(error), "danger")
    return redirect(back)


def _date(name: str, default: date) -> date:
    raw = request.form.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise commands.InspectionCommandError(
            gettext("%(field)s: a date such as 2026-07-01.", field=name)
        ) from error


def _number(name: str, kind=int):
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError as error:
        raise commands.InspectionCommandError(
            gettext("%(field)s: a number.", field=name)
        ) from error


class InspectionView(BaseView):
    """Inspections (§8.5) and red and white tickets (§8.7)."""

    route_base = "/inspection"
    default_view = "index"

    def _inspection(self, inspection_id: int):
        try:
            return policy.inspection(db.session, g.user, inspection_id)
        except policy.InspectionNotFoundError:
            abort(404)

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        session = db.session
        if not policy.may_read_inspections(session, g.user):
            abort(404)
        today = date.today()
        quarter = quarter_of(today)
        return self.render_template(
            "inspection/index.html",
            inspections=queries.inspections(session),
            may_inspect=policy.may_inspect(g.user),
            quarter=quarter,
            companies=session.scalars(select(Company).order_by(Company.code)).all(),
            departments=session.scalars(select(Department).order_by(Department.id)).all(),
            definitions=session.scalars(
                select(ProcessDefinition).order_by(ProcessDefinition.key)
            ).all(),
        )

    @expose("/new", methods=["POST"])
    @has_access
    @permission_name("act")
    def new(self):
        quarter = quarter_of(date.today())

        def command():
            departments = []
            for raw in request.form.getlist("departments"):
                if not raw.isdigit():
                    raise commands.InspectionCommandError(
                        gettext("Departments: choose from the list.")
                    )
                departments.append(int(raw))
            rate = _number("sample_rate", float)
            return commands.open_inspection(
                db.session,
                g.user,
                commands.InspectionRequest(
                    title=request.form.get("title", ""),
                    first=_date("first", quarter.first),
                    last=_date("last", quarter.last),
                    companies=tuple(request.form.getlist("companies")),
                    departments=tuple(departments),
                    definitions=tuple(request.form.getlist("definitions")),
                    sample_size=_number("sample_size"),
                    sample_rate=rate / 100 if rate is not None else None,
                ),
            )

        try:
            found = command()
        except policy.InspectionNotFoundError:
            abort(404)
        except commands.InspectionCommandError as error:
            flash(str(error), "danger")
            return redirect(url_for("InspectionView.index"))
        flash(gettext("Inspection opened and its sample drawn."), "success")
        return redirect(url_for("InspectionView.show", inspection_id=found.id))

    @expose("/<int:inspection_id>")
    @has_access
    @permission_name("show")
    def show(self, inspection_id: int):
        found = self._inspection(inspection_id)
        session = db.session
        return self.render_template(
            "inspection/show.html",
            inspection=found,
            sample=queries.sample(session, found.id) if policy.may_read_samples(g.user) else [],
            proposed=queries.proposed(session, found.id),
            may_inspect=policy.may_inspect(g.user, found),
            report=queries.report(session, g.user, found),
            kept=session.scalars(
                select(InspectionReport.format).where(InspectionReport.inspection_id == found.id)
            ).all(),
        )

    @expose("/<int:inspection_id>/sample/<int:sample_id>")
    @has_access
    @permission_name("show")
    def sample(self, inspection_id: int, sample_id: int):
        found = self._inspection(inspection_id)
        sampled = db.session.get(SampledInstance, sample_id)
        if not policy.may_read_samples(g.user) or sampled is None:
            abort(404)
        if sampled.inspection_id != found.id:
            abort(404)
        instance = db.session.get(Instance, sampled.instance_id)
        steps = queries.steps(db.session, instance)
        return self.render_template(
            "inspection/sample.html",
            inspection=found,
            sampled=sampled,
            instance=instance,
            steps=steps,
            hints=queries.hints(db.session, instance, steps),
            # The instance's own page, for whom the runtime lets see it (Auditors, and IT
            # where they took part); everyone here reads its steps and trail below.
            instance_page=db.session.scalar(
                select(Instance.id).where(Instance.id == instance.id, visible_to(g.user))
            )
            is not None,
            rejections=queries.rejections(db.session, steps),
            trail=queries.trail(db.session, instance.id),
            items=queries.items(db.session, active_only=True),
            findings=[
                f
                for f in queries.findings(db.session, g.user, found.id)
                if f.sample_id == sample_id
            ],
            item_names=queries.item_names(db.session),
            kinds=responsibility.KINDS,
            may_inspect=policy.may_inspect(g.user, found),
            event_label=queries.event_label,
            item_label=defaults.item_label,
            action_label=queries.action_label,
        )

    @expose("/<int:inspection_id>/sample/<int:sample_id>/findings", methods=["POST"])
    @has_access
    @permission_name("act")
    def record(self, inspection_id: int, sample_id: int):
        back = url_for("InspectionView.sample", inspection_id=inspection_id, sample_id=sample_id)

        def command():
            task = request.form.get("task_id", "").strip()
            if task and not task.isdigit():
                raise commands.InspectionCommandError(gettext("Node: choose a step."))
            if request.form.get("checked_only"):
                return commands.mark_checked(db.session, g.user, sample_id)
            return commands.record_finding(
                db.session,
                g.user,
                sample_id,
                request.form.get("item", ""),
                request.form.get("note", ""),
                int(task) if task else None,
            )

        return _run(command, lambda _: gettext("Recorded."), back)

    @expose("/<int:inspection_id>/propose", methods=["POST"])
    @has_access
    @permission_name("act")
    def propose(self, inspection_id: int):
        return _run(
            lambda: commands.propose_by_rules(db.session, g.user, inspection_id),
            lambda n: gettext("%(n)s tickets proposed by the rules.", n=n),
            url_for("InspectionView.show", inspection_id=inspection_id),
        )

    def _render(self, found, kind: str) -> bytes:
        report = queries.report(db.session, g.user, found)
        return export.pdf(report) if kind == "pdf" else export.xlsx(report)

    @expose("/<int:inspection_id>/close", methods=["POST"])
    @has_access
    @permission_name("act")
    def close(self, inspection_id: int):
        found = self._inspection(inspection_id)
        return _run(
            lambda: commands.close_inspection(
                db.session, g.user, inspection_id, lambda kind: self._render(found, kind)
            ),
            lambda _: gettext("Inspection closed; its report is kept."),
            url_for("InspectionView.show", inspection_id=inspection_id),
        )

    @expose("/<int:inspection_id>/report.<kind>")
    @has_access
    @permission_name("show")
    def report_file(self, inspection_id: int, kind: str):
        if kind not in ("pdf", "xlsx"):
            abort(404)
        found = self._inspection(inspection_id)
        content = None
        if policy.sees_everything(g.user):  # the kept file is the whole report
            content = db.session.scalar(
                select(InspectionReport.content).where(
                    InspectionReport.inspection_id == found.id, InspectionReport.format == kind
                )
            )
        if content is None:
            content = self._render(found, kind)
        mimetype = "application/pdf" if kind == "pdf" else XLSX_MIMETYPE
        response = Response(content, mimetype=mimetype)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="inspection-{found.id}.{kind}"'
        )
        return response

    # Tickets -------------------------------------------------------------------------

    @expose("/tickets")
    @has_access
    @permission_name("tickets")
    def tickets(self):
        session = db.session
        status = request.args.get("status", "")
        if status not in ("", "proposed", "issued", "dismissed", "cancelled"):
            abort(404)
        return self.render_template(
            "inspection/tickets.html",
            tickets=queries.tickets(session, g.user, status or None),
            status=status,
            by_person=queries.tallies(session, g.user, "person"),
            by_department=queries.tallies(session, g.user, "department"),
            by_quarter=queries.tallies(session, g.user, "quarter"),
            white_meaning=defaults.white_meaning(),
        )

    @expose("/tickets/<int:ticket_id>")
    @has_access
    @permission_name("tickets")
    def ticket(self, ticket_id: int):
        try:
            found = policy.ticket(db.session, g.user, ticket_id)
        except policy.InspectionNotFoundError:
            abort(404)
        return self.render_template(
            "inspection/ticket.html",
            ticket=found,
            may_issue=policy.may_issue(g.user, found),
            may_appeal=policy.may_appeal(g.user, found),
            may_decide=policy.may_decide(g.user, found),
            white_meaning=defaults.white_meaning(),
        )

    @expose(
        "/tickets/<int:ticket_id>/<any(issue, dismiss, appeal, decide):ticket_step>",
        methods=["POST"],
    )
    @has_access
    @permission_name("act")
    def ticket_step(self, ticket_id: int, ticket_step: str):
        session, user, form = db.session, g.user, request.form
        steps = {
            "issue": (
                lambda: commands.issue_ticket(session, user, ticket_id),
                gettext("Ticket issued; the person is told."),
            ),
            "dismiss": (
                lambda: commands.dismiss_ticket(session, user, ticket_id),
                gettext("Ticket dismissed."),
            ),
            "appeal": (
                lambda: commands.appeal(session, user, ticket_id, form.get("text", "")),
                gettext("Appeal sent to your leader in charge."),
            ),
            "decide": (
                lambda: commands.decide_appeal(
                    session,
                    user,
                    ticket_id,
                    form.get("decision") == "granted",
                    form.get("reason", ""),
                ),
                gettext("Appeal decided."),
            ),
        }
        command, said = steps[ticket_step]
        return _run(command, lambda _: said, url_for("InspectionView.ticket", ticket_id=ticket_id))

    # Configuration -------------------------------------------------------------------

    @expose("/checklist", methods=["GET", "POST"])
    @has_access
    @permission_name("act")
    def checklist(self):
        session = db.session
        if not policy.is_inspector(g.user):
            abort(404)
        if request.method == "POST":
            form = request.form

            def command():
                if form.get("rule"):
                    return commands.save_rule(
                        session,
                        g.user,
                        form["rule"],
                        _number("threshold", float) or 0,
                        form.get("colour", ""),
                        _number("points") or 0,
                        bool(form.get("active")),
                    )
                return commands.save_item(
                    session,
                    g.user,
                    form.get("code", ""),
                    form.get("name", ""),
                    form.get("name_zh", ""),
                    form.get("responsibility", ""),
                    form.get("colour", ""),
                    _number("points") or 0,
                    bool(form.get("active")),
                )

            return _run(command, lambda _: gettext("Saved."), url_for("InspectionView.checklist"))
        defaults.ensure(session)
        session.commit()
        return self.render_template(
            "inspection/checklist.html",
            items=queries.items(session),
            rules=queries.rules(session),
            kinds=responsibility.KINDS,
            rule_kinds=defaults.RULE_KINDS,
            item_label=defaults.item_label,
        )
