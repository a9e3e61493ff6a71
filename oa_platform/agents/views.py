"""The "My Agents" page: a person names an agent for a date range and sees who acts for
whom; HR and Admin may name one for anyone. The commands check every rule again."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.fieldwidgets import Select2ManyWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectMultipleField
from wtforms.validators import DataRequired

from form_builder.models import DefinitionVersion, ProcessDefinition, VersionStatus
from oa_platform.agents.commands import (
    DelegationError,
    is_manager,
    may_manage,
    revoke_delegation,
    set_delegation,
)
from oa_platform.agents.models import AgentDelegation
from oa_platform.extensions import db
from oa_platform.org.person_field import PersonField


def _published_categories() -> list[str]:
    """Categories of the forms people can start today: the ones worth delegating."""
    return list(
        db.session.scalars(
            select(ProcessDefinition.category)
            .where(
                ProcessDefinition.withdrawn_at.is_(None),
                ProcessDefinition.versions.any(DefinitionVersion.status == VersionStatus.PUBLISHED),
            )
            .distinct()
            .order_by(ProcessDefinition.category)
        )
    )


class DelegationForm(DynamicForm):
    # Chosen with the people picker (org tree, pinyin search); whom it offers: org/policy.py.
    principal = PersonField(
        lazy_gettext("For (empty: myself)"),
        allow_blank=True,
        blank_text=lazy_gettext("Myself"),
    )
    agent = PersonField(
        lazy_gettext("Agent"),
        # Blank until chosen: a list's first person is nobody's choice.
        allow_blank=True,
        blank_text=lazy_gettext("Choose…"),
        validators=[DataRequired(lazy_gettext("Choose the agent."))],
    )
    starts_on = DateField(
        lazy_gettext("First day"), validators=[DataRequired(lazy_gettext("Enter the first day."))]
    )
    ends_on = DateField(
        lazy_gettext("Last day (included)"),
        validators=[DataRequired(lazy_gettext("Enter the last day."))],
    )
    categories = SelectMultipleField(
        lazy_gettext("Forms (empty: all forms)"), choices=[], widget=Select2ManyWidget()
    )
    include_open = BooleanField(
        lazy_gettext("Also move my open to-dos to the agent when the range starts")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories.choices = [(c, c) for c in _published_categories()]


class RevokeForm(DynamicForm):
    """A button-only form: carries the CSRF token of the revoke button."""


def _status(delegation: AgentDelegation, today: date) -> str:
    if delegation.revoked_at is not None:
        return "revoked"
    if delegation.ends_on < today:
        return "ended"
    return "upcoming" if delegation.starts_on > today else "active"


class AgentsView(BaseView):
    """List, add and revoke agent delegations (regulations: first §3.4, second §4.4)."""

    route_base = "/agents"
    default_view = "list"

    @expose("/")
    @has_access
    @permission_name("list")
    def list(self):
        return self._render(DelegationForm())

    @expose("/add", methods=["POST"])
    @has_access
    @permission_name("add")
    def add(self):
        form = DelegationForm()
        if not form.validate_on_submit():
            return self._render(form), 400
        # A staff member posting someone else is refused by the command, not silently ignored.
        principal = form.principal.data or g.user
        try:
            delegation = set_delegation(
                db.session,
                g.user,
                principal=principal,
                agent=form.agent.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                categories=form.categories.data or [],
                include_open=form.include_open.data,
            )
        except DelegationError as exc:
            flash(str(exc), "danger")
            return self._render(form), 400
        flash(
            gettext(
                "%(agent)s acts for %(principal)s from %(first)s to %(last)s.",
                agent=delegation.agent.username,
                principal=delegation.principal.username,
                first=delegation.starts_on.isoformat(),
                last=delegation.ends_on.isoformat(),
            ),
            "success",
        )
        return redirect(url_for("AgentsView.list"))

    @expose("/<int:pk>/revoke", methods=["POST"])
    @has_access
    @permission_name("revoke")
    def revoke(self, pk: int):
        delegation = db.session.get(AgentDelegation, pk)
        if delegation is None:
            abort(404)
        if not may_manage(g.user, delegation.principal):
            abort(403)
        if not RevokeForm().validate_on_submit():
            abort(400, gettext("The form expired or lacks its security token; reload the page."))
        try:
            revoke_delegation(db.session, g.user, delegation)
        except DelegationError as exc:
            flash(str(exc), "warning")
        else:
            flash(gettext("The delegation is revoked."), "success")
        return redirect(url_for("AgentsView.list"))

    def _render(self, form: DelegationForm):
        manager = is_manager(g.user)
        if not manager:
            del form.principal  # only HR and Admin name agents for others
        today = date.today()
        query = select(AgentDelegation).order_by(
            AgentDelegation.starts_on.desc(), AgentDelegation.id.desc()
        )
        mine = db.session.scalars(query.where(AgentDelegation.principal_id == g.user.id)).all()
        for_me = db.session.scalars(query.where(AgentDelegation.agent_id == g.user.id)).all()
        # Managers see everyone's current and upcoming delegations, to revoke them if needed.
        others = (
            db.session.scalars(
                query.where(
                    AgentDelegation.principal_id != g.user.id,
                    AgentDelegation.revoked_at.is_(None),
                    AgentDelegation.ends_on >= today,
                )
            ).all()
            if manager
            else []
        )
        return self.render_template(
            "agents/list.html",
            form=form,
            revoke_form=RevokeForm(),
            mine=mine,
            for_me=for_me,
            others=others,
            status=lambda d: _status(d, today),
        )
