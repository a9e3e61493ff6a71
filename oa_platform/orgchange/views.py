"""The organisation-change pages (Administration > Organisation Changes): the change
requests with their §8.4 deadlines, one request with its impact and the Apply button, the
impact analysis any time, and the bulk reassignment of open tasks.

Every page asks ``policy``: readers are IT, the process designers and Auditors; only IT
applies and reassigns; everyone else gets 404. Changes go through ``commands``; a refused one
changes nothing and the page says why.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext

from oa_platform.extensions import db
from oa_platform.orgchange import commands, impact, policy, queries
from oa_platform.orgchange.changes import KINDS, ChangeUnreadableError, read_change
from oa_platform.orgchange.models import AppliedChange
from oa_platform.orgchange.policy import OrgChangeNotFoundError


def _reader() -> None:
    if not policy.may_read(g.user):
        abort(404)


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.strip().isdigit()]


class OrgChangeView(BaseView):
    """IT's organisation changes: requests, impact, apply, bulk reassignment."""

    route_base = "/orgchange"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        _reader()
        return self.render_template(
            "orgchange/index.html",
            rows=queries.change_requests(db.session),
            may_apply=policy.may_apply(g.user),
        )

    @expose("/<int:instance_id>")
    @has_access
    @permission_name("show")
    def show(self, instance_id: int):
        _reader()
        session = db.session
        try:
            instance = commands.change_request(session, instance_id)
        except OrgChangeNotFoundError:
            abort(404)
        applied = session.query(AppliedChange).filter_by(instance_id=instance.id).one_or_none()
        change, problem, report = None, None, None
        try:
            change = read_change(instance.values)
        except ChangeUnreadableError as error:
            problem = str(error)
        if change is not None:
            subject = impact.subject_of(session, change)
            # Before: what the change would do; after: what is left to fix.
            report = impact.analyse(session, subject, None if applied else change)
        rows = queries.change_requests(session, instance_id=instance.id)
        return self.render_template(
            "orgchange/show.html",
            instance=instance,
            change=change,
            problem=problem,
            report=report,
            applied=applied,
            row=rows[0] if rows else None,
            waiting=commands.apply_task(session, instance) is not None,
            may_apply=policy.may_apply(g.user),
        )

    @expose("/<int:instance_id>/apply", methods=["POST"])
    @has_access
    @permission_name("apply")
    def apply(self, instance_id: int):
        try:
            record = commands.apply_change(db.session, g.user, instance_id)
        except OrgChangeNotFoundError:
            abort(404)
        except commands.OrgChangeCommandError as error:
            flash(str(error), "danger")
        else:
            flash(
                gettext(
                    "Request #%(id)s carried out: %(count)s change(s) recorded.",
                    id=instance_id,
                    count=len(record.changes),
                ),
                "success",
            )
        return redirect(url_for("OrgChangeView.show", instance_id=instance_id))

    @expose("/impact")
    @has_access
    @permission_name("show")
    def analysis(self):
        """The impact analysis any time: of people, departments and positions named."""
        _reader()
        people = _words(request.args.get("people", ""))
        subject = impact.Subject(
            people=frozenset(people),
            departments=frozenset(_words(request.args.get("departments", ""))),
            positions=frozenset(_words(request.args.get("positions", ""), comma_only=True)),
            holders=frozenset(people),
        )
        report = impact.analyse(db.session, subject)
        return self.render_template(
            "orgchange/impact.html", report=report, args=request.args, kinds=KINDS
        )

    @expose("/reassign", methods=["GET", "POST"])
    @has_access
    @permission_name("reassign")
    def reassign(self):
        if not policy.may_apply(g.user):
            abort(404)
        if request.method == "POST":
            try:
                batch = commands.bulk_reassign(
                    db.session,
                    g.user,
                    _ids(request.form.getlist("task")),
                    request.form.get("to", ""),
                    request.form.get("reason", ""),
                )
            except commands.OrgChangeCommandError as error:
                flash(str(error), "danger")
            else:
                flash(
                    gettext(
                        "%(count)s task(s) moved to %(name)s.",
                        count=len(batch.moved),
                        name=batch.to_user.username,
                    ),
                    "success",
                )
            return redirect(url_for("OrgChangeView.reassign", **request.args))
        found = queries.open_tasks(
            db.session,
            person=request.args.get("person", "").strip()[:64],
            node=request.args.get("node", "").strip()[:64],
            definition=request.args.get("definition", "").strip()[:64],
        )
        chosen = set(_ids(request.args.getlist("task")))
        return self.render_template(
            "orgchange/reassign.html", tasks=found, args=request.args, chosen=chosen
        )


def _words(text: str, comma_only: bool = False) -> list[str]:
    """Names typed into a filter, separated by commas (and spaces, but for positions)."""
    parts = text[:1000].replace("，", ",").split(",")
    if not comma_only:
        parts = [word for part in parts for word in part.split()]
    return [part.strip() for part in parts if part.strip()][:50]
