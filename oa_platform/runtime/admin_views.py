"""Administrators' pages for plugins and timers: the installed node and field types (and the
plugins that failed to load), instances stopped in error at a node (retry, skip; a node that
could not be routed on is skipped to a node the administrator chooses), and timers whose
handler kept failing (retry)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from sqlalchemy import select

from form_builder.forms import ConfirmForm
from oa_platform.extensions import db
from oa_platform.runtime import timer_subjects, timers
from oa_platform.runtime.exceptions import RuntimeCommandError
from oa_platform.runtime.labels import status_label
from oa_platform.runtime.models import Instance, Timer, TimerState
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import InstanceStatus
from plugins.registry import field_types, node_types


class NodeTypesView(BaseView):
    """Installed node types and field types with version and source, and plugins that could
    not load."""

    route_base = "/admin/node-types"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        registry = node_types()
        fields = field_types()
        return self.render_template(
            "admin/node_types.html",
            installed=sorted(registry.installed.values(), key=lambda i: i.node_type.name),
            problems=registry.problems,
            field_types=[fields.installed[name] for name in fields],  # palette order
            field_problems=fields.problems,
        )


class InstanceErrorsView(BaseView):
    """Instances a node type's hook stopped, with the traceback; retry or skip the node. A
    node that completed but whose ``next_edges`` raised or chose no edge offers the nodes to
    skip to (``Runtime.skip_targets``)."""

    route_base = "/admin/instance-errors"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        instances = db.session.scalars(
            select(Instance)
            .where(Instance.status == InstanceStatus.ERROR)
            .order_by(Instance.updated_at.desc())
        ).all()
        # Where a skip may go, for the instances whose node could not be routed on.
        targets = {instance.id: runtime().skip_targets(instance) for instance in instances}
        return self.render_template(
            "admin/instance_errors.html", instances=instances, targets=targets, form=ConfirmForm()
        )

    @expose("/<int:instance_id>/<any(retry, skip):repair>", methods=["POST"])
    @has_access
    @permission_name("repair")
    def repair(self, instance_id: int, repair: str):
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            if repair == "retry":
                instance = runtime().retry_node(g.user, instance_id)
            else:
                instance = runtime().skip_node(g.user, instance_id, request.form.get("to") or None)
        except RuntimeCommandError as error:
            flash(error.message, "danger")
        else:
            if instance.status is InstanceStatus.ERROR:
                flash(
                    gettext(
                        "The node failed again: %(error)s",
                        error=instance.error_detail.splitlines()[-1],
                    ),
                    "danger",
                )
            else:
                flash(
                    gettext(
                        "#%(number)s is %(status)s again.",
                        number=instance.id,
                        status=status_label(instance.status),
                    ),
                    "success",
                )
        return redirect(url_for(".list"))


class FailedTimersView(BaseView):
    """Timers (deadlines, reminders, escalations, node timers) whose handler failed every
    attempt, with the last error; retry once the cause is fixed."""

    route_base = "/admin/failed-timers"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        failed = db.session.scalars(
            select(Timer).where(Timer.state == TimerState.FAILED).order_by(Timer.due_at.desc())
        ).all()
        # Each subject kind names its own (an instance's title, a post's), in one query each.
        subjects = timer_subjects.titles(db.session, failed)
        return self.render_template(
            "admin/failed_timers.html",
            failed=[(timer, *subjects[timer.id]) for timer in failed],
            form=ConfirmForm(),
        )

    @expose("/<int:timer_id>/retry", methods=["POST"])
    @has_access
    @permission_name("repair")
    def retry(self, timer_id: int):
        if not ConfirmForm().validate_on_submit():
            abort(400)
        timer = timers.retry(db.session, timer_id, g.user.id)
        if timer is None:
            abort(404)
        flash(
            gettext("The timer of #%(number)s will fire again shortly.", number=timer.subject_id),
            "success",
        )
        return redirect(url_for(".list"))
