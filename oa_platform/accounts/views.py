"""Account pages: log-in, own password change, head's reset, HR's deactivation and import,
the user list and the account audit trail. Each checks its FAB permission; the commands
check the regulations' rules (e.g. who may reset) on the server."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, SimpleFormView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.views import AuthDBView, UserDBModelView
from sqlalchemy import func
from wtforms import ValidationError

from oa_platform.accounts import commands, user_import
from oa_platform.accounts.exceptions import (
    AccountError,
    PasswordRejectedError,
    ResetNotAllowedError,
    UserImportError,
)
from oa_platform.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    DeactivateUserForm,
    UserImportForm,
)
from oa_platform.accounts.models import AccountEvent, OAUser
from oa_platform.extensions import db
from oa_platform.model_views import OAModelView
from oa_platform.org.models import Department


class OAAuthDBView(AuthDBView):
    # One message for every failure: it must not tell which accounts exist or are locked.
    invalid_login_message = (
        "Wrong user name or password, or too many failed attempts. "
        "Check your input, or wait 15 minutes and try again."
    )

    @expose("/logout/", methods=["POST"])
    def logout(self):
        """Sign out on a POST with the CSRF token only (the navbar's form): a GET, which any
        other site can make a browser send, leaves the session alone (issue 17, defect 2)."""
        return super().logout()


def _load_user_or_404(pk: Any) -> OAUser:
    try:
        user = db.session.get(OAUser, int(pk))
    except (TypeError, ValueError):
        user = None
    if user is None:
        abort(404)
    return user


class ChangePasswordView(SimpleFormView):
    """The signed-in user changes their own password (forced at first log-in and on expiry)."""

    route_base = "/changepassword"
    form = ChangePasswordForm
    form_title = "Change your password"
    redirect_url = "/"

    def form_get(self, form) -> None:
        reason = self.appbuilder.sm.password_change_required(g.user)
        if reason:
            flash(reason, "warning")

    def form_post(self, form):
        try:
            commands.change_own_password(g.user, form.current_password.data, form.new_password.data)
        except PasswordRejectedError as exc:
            form.new_password.errors = list(exc.problems)
            return self._render(form)
        except AccountError as exc:
            form.current_password.errors = [str(exc)]
            return self._render(form)
        flash("Your password has been changed.", "success")
        return redirect(self.appbuilder.get_url_for_index)

    def _render(self, form):
        return self.render_template(
            self.form_template,
            title=self.form_title,
            widgets=self._get_edit_widget(form=form),
            appbuilder=self.appbuilder,
        )


class ResetPasswordView(BaseView):
    """§4.1: a department head (or an administrator the head designated) resets a member's
    password; the one-time password is shown once, here, to the person resetting."""

    route_base = "/resetpassword"
    default_view = "this_form_get"

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        target = _load_user_or_404(request.args.get("pk"))
        if not commands.may_reset_password(g.user, target):
            abort(403)
        return self.render_template(
            "accounts/reset_confirm.html", target=target, form=ConfirmForm()
        )

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        target = _load_user_or_404(request.args.get("pk"))
        if not ConfirmForm().validate_on_submit():
            abort(400, "The form expired or lacks its security token; reload the page.")
        try:
            temporary = commands.reset_password(g.user, target)
        except ResetNotAllowedError:
            abort(403)
        return self.render_template("accounts/reset_done.html", target=target, temporary=temporary)


class MyTeamView(BaseView):
    """The members of the departments whose passwords the signed-in user may reset."""

    route_base = "/myteam"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        units = (
            db.session.query(Department)
            .filter(
                (Department.head_id == g.user.id)
                | Department.reset_delegates.any(OAUser.id == g.user.id)
            )
            .all()
        )
        # Sub-departments count too: a head answers for the units below theirs.
        unit_ids: set[int] = set()
        pending = list(units)
        while pending:
            unit = pending.pop()
            if unit.id not in unit_ids:
                unit_ids.add(unit.id)
                pending.extend(unit.children)
        members = (
            db.session.query(OAUser)
            .filter(OAUser.department_id.in_(unit_ids), OAUser.id != g.user.id)
            .order_by(OAUser.username)
            .all()
        )
        return self.render_template(
            "accounts/my_team.html",
            units=units,
            members=members,
        )


class DeactivateUserView(SimpleFormView):
    """HR closes a departing employee's account in one action (§4.2)."""

    route_base = "/deactivateuser"
    form = DeactivateUserForm
    form_title = "Deactivate user"

    def form_get(self, form) -> None:
        target = _load_user_or_404(request.args.get("pk"))
        self.form_title = f"Deactivate {target.get_full_name()} ({target.username})"

    def form_post(self, form):
        target = _load_user_or_404(request.args.get("pk"))
        try:
            commands.deactivate_user(g.user, target, form.successor.data)
        except AccountError as exc:
            flash(str(exc), "danger")
            return redirect(url_for("OAUserModelView.show", pk=target.id))
        flash(f"{target.username} is deactivated; their sessions end now.", "success")
        return redirect(url_for("OAUserModelView.list"))


class UserImportView(BaseView):
    """HR imports new users from CSV: every bad line reported, nothing imported if any."""

    route_base = "/importusers"
    default_view = "form"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def form(self):
        form = UserImportForm()
        problems: list = []
        created: list = []
        if form.validate_on_submit():
            try:
                created = user_import.import_users(form.file.data.read(), actor_id=g.user.id)
            except UserImportError as exc:
                problems = exc.problems
        return self.render_template(
            "accounts/import.html",
            form=form,
            problems=problems,
            created=created,
            columns=user_import.COLUMNS,
        )


def _username_is_free(form, field) -> None:
    """User names are unique ignoring case, since log-in ignores case (AUTH_USERNAME_CI)."""
    query = db.session.query(OAUser.id).filter(
        func.lower(OAUser.username) == (field.data or "").strip().lower()
    )
    own_id = getattr(form, "_id", None)
    if own_id is not None:
        query = query.filter(OAUser.id != int(own_id))
    if query.first() is not None:
        raise ValidationError(f'The user name "{field.data}" is taken (ignoring case).')


_IDENTITY = ["first_name", "last_name", "username", "email", "department", "position"]


class OAUserModelView(UserDBModelView):
    """FAB's user admin with the platform's department, position and account state."""

    list_columns = [*_IDENTITY[:3], "department", "position", "active", "roles"]
    show_fieldsets = [
        ("User", {"fields": [*_IDENTITY, "active", "roles"]}),
        (
            "Account",
            {
                "fields": [
                    "must_change_password",
                    "password_changed_at",
                    "last_login",
                    "login_count",
                    "fail_login_count",
                    "deactivated_at",
                    "successor",
                ],
                "expanded": False,
            },
        ),
    ]
    user_show_fieldsets = [("User info", {"fields": _IDENTITY})]
    add_columns = [*_IDENTITY, "roles", "password", "conf_password"]
    # Activation is not edited here: deactivation is its own audited command.
    edit_columns = [*_IDENTITY, "roles"]
    search_columns = [*_IDENTITY, "active"]

    validators_columns = {
        **UserDBModelView.validators_columns,
        "username": [lambda form, field: _username_is_free(form, field)],
    }

    @action("deactivate", "Deactivate", "", "fa-user-times", multiple=False)
    def deactivate(self, item: OAUser):
        return redirect(url_for("DeactivateUserView.this_form_get", pk=item.id))

    def pre_add(self, item: OAUser) -> None:
        super().pre_add(item)
        item.must_change_password = True  # the creator knows the initial password


class AccountEventView(OAModelView):
    """The account audit trail: read-only for everyone, Admin and Auditor by role."""

    datamodel = SQLAInterface(AccountEvent)
    base_permissions = ["can_list", "can_show"]
    base_order = ("occurred_at", "desc")
    list_columns = ["occurred_at", "kind", "subject_username", "actor", "remote_addr", "detail"]
    show_columns = [*list_columns, "subject"]
    search_columns = ["kind", "subject_username", "actor", "occurred_at", "remote_addr"]
