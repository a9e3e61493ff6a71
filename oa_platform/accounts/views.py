"""Account pages: log-in, own password change, head's reset, HR's deactivation and import,
the user list and the account audit trail. Each checks its FAB permission; the commands
check the regulations' rules (e.g. who may reset) on the server."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, SimpleFormView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.sqla.models import Role
from flask_appbuilder.security.views import AuthDBView, UserDBModelView
from flask_babel import gettext, lazy_gettext
from sqlalchemy import func
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from oa_platform.accounts import authority, commands, deletion, sessions, user_import
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


class OAAuthDBView(AuthDBView):
    # One message for every failure: it must not tell which accounts exist or are locked.
    invalid_login_message = lazy_gettext(
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
    form_title = lazy_gettext("Change your password")
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
        # The new password ended every other session and token; this one goes on.
        sessions.follow_credentials(session, g.user)
        flash(gettext("Your password has been changed."), "success")
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
            abort(400, gettext("The form expired or lacks its security token; reload the page."))
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
        # authority owns the §4.1 rule: the page lists exactly whom the reset allows.
        return self.render_template(
            "accounts/my_team.html",
            units=authority.heads_units(db.session, g.user),
            members=authority.resettable_users(db.session, g.user),
        )


class ConfirmMoveView(BaseView):
    """Admin confirms a department move, after which the new department's heads may reset
    the account's password (§4.1; issue 17, defect 1). Admin only (by role)."""

    route_base = "/confirmmove"
    default_view = "this_form_get"

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        target = _load_user_or_404(request.args.get("pk"))
        return self.render_template("accounts/confirm_move.html", target=target, form=ConfirmForm())

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        target = _load_user_or_404(request.args.get("pk"))
        if not ConfirmForm().validate_on_submit():
            abort(400, gettext("The form expired or lacks its security token; reload the page."))
        try:
            commands.confirm_department_move(g.user, target)
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            flash(
                gettext(
                    "The move of %(username)s to %(department)s is confirmed.",
                    username=target.username,
                    department=target.department,
                ),
                "success",
            )
        return redirect(url_for("OAUserModelView.show", pk=target.id))


class DeactivateUserView(SimpleFormView):
    """HR closes a departing employee's account in one action (§4.2)."""

    route_base = "/deactivateuser"
    form = DeactivateUserForm
    form_template = "accounts/deactivate.html"  # FAB's form page, with the people picker
    form_title = lazy_gettext("Deactivate user")

    def form_get(self, form) -> None:
        target = _load_user_or_404(request.args.get("pk"))
        self.form_title = gettext(
            "Deactivate %(name)s (%(username)s)",
            name=target.get_full_name(),
            username=target.username,
        )

    def form_post(self, form):
        target = _load_user_or_404(request.args.get("pk"))
        try:
            commands.deactivate_user(g.user, target, form.successor.data)
        except AccountError as exc:
            flash(str(exc), "danger")
            return redirect(url_for("OAUserModelView.show", pk=target.id))
        flash(
            gettext(
                "%(username)s is deactivated; their sessions end now.", username=target.username
            ),
            "success",
        )
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


_IDENTITY = ["last_name", "first_name", "username", "email", "department", "position"]


def _one_name(form, field) -> None:
    """A name in one field is enough (张伟 as a whole), none is not (issue 19, defect 4)."""
    if not (field.data or "").strip() and not (form.first_name.data or "").strip():
        raise StopValidation(
            gettext("Give the person's name: the family name, the given name, or both.")
        )


def _name_fields(form_class) -> None:
    """Family name first, as Chinese names are written; either may be left empty as long as
    the other holds the name (FAB requires both, its columns being NOT NULL)."""
    form_class.last_name = StringField(
        lazy_gettext("Family name"),
        validators=[_one_name, Optional(), Length(max=64)],
        widget=BS3TextFieldWidget(),
        description=lazy_gettext("A Chinese name may be kept whole in one of the two fields."),
    )
    form_class.first_name = StringField(
        lazy_gettext("Given name"),
        validators=[Optional(), Length(max=64)],
        widget=BS3TextFieldWidget(),
    )


def _role_choices_by_actor(form) -> None:
    """Shape a user form's ``roles`` for the person acting (``authority`` decides): only
    the roles they may grant are offered, and no roles at all on their own account or on an
    account holding a role they may not grant (they could not leave it as it is)."""
    if "roles" not in form:
        return
    actor = g.user
    pk = (request.view_args or {}).get("pk")
    target = db.session.get(OAUser, int(pk)) if pk is not None else None
    all_names = [role.name for role in db.session.query(Role).all()]
    grantable = authority.grantable_roles(actor, all_names)
    held = authority.role_names(target) if target is not None else frozenset()
    if not grantable or (target is not None and target.id == actor.id) or held - grantable:
        del form["roles"]
        return
    form["roles"].query_func = lambda: (
        db.session.query(Role).filter(Role.name.in_(grantable)).order_by(Role.name)
    )


def _roles_by_actor(form_class):
    """``form_class`` whose forms offer roles as ``_role_choices_by_actor`` says."""

    class RolesByActorForm(form_class):
        @classmethod
        def refresh(cls, obj=None):
            form = super().refresh(obj)
            _role_choices_by_actor(form)
            return form

    return RolesByActorForm


class OAUserModelView(UserDBModelView):
    """FAB's user admin with the platform's department, position and account state."""

    # The Chinese name kept beside the Latin one (issue 18) is listed and edited beside it.
    list_columns = [*_IDENTITY[:3], "name_zh", "department", "position", "active", "roles"]
    show_fieldsets = [
        (
            "User",
            {"fields": [*_IDENTITY, "name_zh", "confirmed_department", "active", "roles"]},
        ),
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
    add_columns = [*_IDENTITY, "name_zh", "roles", "password", "conf_password"]
    # Activation is not edited here: deactivation is its own audited command.
    edit_columns = [*_IDENTITY, "name_zh", "roles"]
    search_columns = [*_IDENTITY, "name_zh", "active"]

    validators_columns = {
        **UserDBModelView.validators_columns,
        "username": [lambda form, field: _username_is_free(form, field)],
        # FAB's "roles or groups" check reads a groups field these forms do not have.
        "roles": [DataRequired(message=lazy_gettext("Choose at least one role you may grant."))],
    }

    # FAB's own labels (translated by its catalog) with ours beside them.
    label_columns = {
        **UserDBModelView.label_columns,
        "department": lazy_gettext("Department"),
        "position": lazy_gettext("Position"),
        "name_zh": lazy_gettext("Chinese name"),
        "confirmed_department": lazy_gettext("Department for resets (confirmed by Admin)"),
    }
    # A list shows yes or no, and role names, as people read them (not True or [Staff]).
    formatters_columns = {
        "active": lambda active: gettext("Yes") if active else gettext("No"),
        "roles": lambda roles: ", ".join(gettext(role.name) for role in roles),
    }

    def _init_forms(self) -> None:
        super()._init_forms()
        _name_fields(self.add_form)
        _name_fields(self.edit_form)
        self.add_form = _roles_by_actor(self.add_form)
        self.edit_form = _roles_by_actor(self.edit_form)

    # FAB's form widgets list the view's columns; a form without ``roles`` lists the rest.
    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        return self._form_widget("add", form, exclude_cols, widgets)

    def _get_edit_widget(self, form, exclude_cols=None, widgets=None):
        return self._form_widget("edit", form, exclude_cols, widgets)

    def _form_widget(self, kind: str, form, exclude_cols, widgets) -> dict:
        widgets = widgets or {}
        widgets[kind] = getattr(self, f"{kind}_widget")(
            form=form,
            include_cols=[c for c in getattr(self, f"{kind}_columns") if c in form],
            exclude_cols=exclude_cols or [],
            fieldsets=getattr(self, f"{kind}_fieldsets"),
        )
        return widgets

    @action("deactivate", lazy_gettext("Deactivate"), "", "fa-user-times", multiple=False)
    def deactivate(self, item: OAUser):
        return redirect(url_for("DeactivateUserView.this_form_get", pk=item.id))

    @action("confirm_move", lazy_gettext("Confirm department move"), "", "fa-check", multiple=False)
    def confirm_move(self, item: OAUser):
        return redirect(url_for("ConfirmMoveView.this_form_get", pk=item.id))

    def pre_add(self, item: OAUser) -> None:
        super().pre_add(item)
        item.must_change_password = True  # the creator knows the initial password
        _names_not_null(item)

    def pre_update(self, item: OAUser) -> None:
        super().pre_update(item)
        _names_not_null(item)

    def _delete(self, pk: Any) -> None:
        """Delete through the account command: refused with its reason (the records that name
        the person), recorded in the account audit when done (issue 19, defect 6)."""
        target = _load_user_or_404(pk)
        try:
            deletion.delete_user(db.session, g.user, target)
        except AccountError as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("The account %(name)s was deleted.", name=target.username), "success")
        self.update_redirect()


def _names_not_null(item: OAUser) -> None:
    # An empty field posts None; the columns are NOT NULL and keep "" for "no such part".
    item.first_name = item.first_name or ""
    item.last_name = item.last_name or ""


class AccountEventView(OAModelView):
    """The account audit trail: read-only for everyone, Admin and Auditor by role."""

    datamodel = SQLAInterface(AccountEvent)
    base_permissions = ["can_list", "can_show"]
    base_order = ("occurred_at", "desc")
    list_columns = ["occurred_at", "kind", "subject_username", "actor", "remote_addr", "detail"]
    show_columns = [*list_columns, "subject"]
    search_columns = ["kind", "subject_username", "actor", "occurred_at", "remote_addr"]
