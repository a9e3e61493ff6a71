"""The platform's Flask-AppBuilder security manager (named in config as FAB asks).

It adds the regulations' account rules to FAB's database authentication: lock-out and
auditing of log-ins, the forced password change before anything else is reachable, and the
platform's own user, password and reset views in place of FAB's.
"""

from __future__ import annotations

from functools import cache

from flask import current_app, g, jsonify, redirect, request, url_for
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import (
    Group,
    Role,
    assoc_group_role,
    assoc_user_group,
    assoc_user_role,
)
from flask_appbuilder.security.utils import is_null_password
from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    RegisterUserModelView,
    RoleModelView,
    UserGroupModelView,
    ViewMenuModelView,
)
from flask_login import current_user
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased, contains_eager
from werkzeug.security import check_password_hash

from form_builder.clock import utcnow
from oa_platform.accounts import access_cache, lockout
from oa_platform.accounts.audit import record_account_event
from oa_platform.accounts.models import OAUser
from oa_platform.accounts.password_policy import PasswordPolicy
from oa_platform.accounts.views import (
    ChangePasswordView,
    OAAuthDBView,
    OAUserModelView,
    ResetPasswordView,
)
from oa_platform.model_views import guarded


@cache
def _user_with_roles() -> Select:
    """A user (``pk``) with their roles, groups and the groups' roles, built once.

    Flat outer joins through the association tables' indexes, not ``joinedload``: its nested
    joins, ``LEFT JOIN (ab_user_role JOIN ab_role)``, make SQLite read the whole association
    table on every request (0.23 ms at 1,000 users, ten times that at 10,000).
    """
    group_role = aliased(Role)
    return (
        select(OAUser)
        .outerjoin(assoc_user_role, assoc_user_role.c.user_id == OAUser.id)
        .outerjoin(Role, Role.id == assoc_user_role.c.role_id)
        .outerjoin(assoc_user_group, assoc_user_group.c.user_id == OAUser.id)
        .outerjoin(Group, Group.id == assoc_user_group.c.group_id)
        .outerjoin(assoc_group_role, assoc_group_role.c.group_id == Group.id)
        .outerjoin(group_role, group_role.id == assoc_group_role.c.role_id)
        .where(OAUser.id == bindparam("pk"))
        .options(
            contains_eager(OAUser.roles),
            contains_eager(OAUser.groups).contains_eager(Group.roles, alias=group_role),
        )
    )


# Endpoints a user who must change their password may still reach.
_OPEN_BLUEPRINTS = {"ChangePasswordView", "OAAuthDBView", "appbuilder", "static"}


class OASecurityManager(SecurityManager):
    user_model = OAUser
    # Deletes and actions of every model view take a POST with the CSRF token only
    # (oa_platform/model_views.py; issue 17, defect 2).
    userdbmodelview = guarded(OAUserModelView)
    rolemodelview = guarded(RoleModelView)
    groupmodelview = guarded(UserGroupModelView)
    permissionmodelview = guarded(PermissionModelView)
    viewmenumodelview = guarded(ViewMenuModelView)
    permissionviewmodelview = guarded(PermissionViewModelView)
    registerusermodelview = guarded(RegisterUserModelView)
    authdbview = OAAuthDBView
    resetmypasswordview = ChangePasswordView
    resetpasswordview = ResetPasswordView

    def __init__(self, appbuilder) -> None:
        super().__init__(appbuilder)
        # (role, permission, view) -> answer for built-in roles: they are configuration,
        # fixed for the life of the process, so their answers never change.
        self._builtin_answers: dict[tuple[str, str, str], bool] = {}

    def _has_access_builtin_roles(self, role, permission_name: str, view_name: str) -> bool:
        """FAB's regular-expression match, worked out once per (role, permission, view)."""
        key = (role.name, permission_name, view_name)
        if key not in self._builtin_answers:
            self._builtin_answers[key] = super()._has_access_builtin_roles(
                role, permission_name, view_name
            )
        return self._builtin_answers[key]

    def exist_permission_on_roles(
        self, view_name: str, permission_name: str, role_ids: list[int]
    ) -> bool:
        """FAB's check for database roles from the roles' permission set, loaded in one query
        per request (FAB runs one query per check: about 16 per page)."""
        return (permission_name, view_name) in access_cache.permissions(self.session, role_ids)

    def register_views(self) -> None:
        super().register_views()
        # FAB limits only the log-in page; the JWT log-in of the REST API gets the same limit.
        if self.is_auth_limited:
            for view in self.appbuilder.baseviews:
                if isinstance(view, self.security_api) and view.blueprint is not None:
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)

    def sync_roles(self) -> None:
        """Create the built-in roles (and Admin, Public) in the database.

        FAB would do this, and create every table, whenever an app starts; here Alembic owns
        the schema (FAB_CREATE_DB is off) and `flask oa init` calls this after migrating.
        """
        # Built-in roles need no permission rows: FAB matches them by expression in memory.
        for name in [*self.builtin_roles, self.auth_role_admin, self.auth_role_public]:
            self.add_role(name)

    def auth_user_db(self, username: str, password: str):
        """FAB's database log-in plus lock-out and audit.

        Unknown, inactive, locked and wrong-password attempts all hash once and give the
        same answer, so neither message nor timing tells which accounts exist.
        """
        if not username:
            return None
        session = self.session
        now = utcnow()
        rule = lockout.LockoutRule.from_config(current_app.config)
        locked = lockout.locked_until(session, username, now) is not None
        # Both look-ups every time: known and unknown names cost the same queries.
        by_name, by_email = self.find_user(username=username), self.find_user(email=username)
        user = by_name or by_email
        stored_hash = user.password if user is not None and user.password else None
        password_ok = check_password_hash(
            stored_hash or current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"],
            password or "",
        )
        if (
            password_ok
            and stored_hash
            and user.is_active
            and not locked
            and not is_null_password(password)
        ):
            lockout.clear(session, username)
            user.login_count = (user.login_count or 0) + 1
            user.fail_login_count = 0
            user.last_login = now
            record_account_event(session, "login_success", subject=user, actor_id=user.id)
            session.commit()
            return user
        if locked:
            reason = "locked"
        elif user is None:
            reason = "unknown user"
        elif not user.is_active:
            reason = "inactive"
        else:
            reason = "wrong password"
        if user is not None:
            user.fail_login_count = (user.fail_login_count or 0) + 1
        started_lock = not locked and lockout.register_failure(session, username, now, rule)
        record_account_event(
            session,
            "login_failure",
            subject=user,
            subject_username=username[:128],
            detail={"reason": reason},
        )
        if started_lock:
            record_account_event(
                session,
                "lockout",
                subject=user,
                subject_username=username[:128],
                detail={"minutes": rule.minutes, "failures": rule.threshold},
            )
        session.commit()
        return None

    def on_user_logout(self, user) -> None:
        record_account_event(self.session, "logout", subject=user, actor_id=user.id)
        self.session.commit()

    def password_change_required(self, user: OAUser) -> str | None:
        """Why ``user`` must change their password before anything else, or None."""
        if user.must_change_password:
            return "Change your initial password before you continue."
        policy = PasswordPolicy.from_config(current_app.config)
        if policy.is_expired(user.password_changed_at, utcnow()):
            return (
                f"Your password is older than {policy.max_age_days} days; "
                "choose a new one to continue."
            )
        return None

    def load_user(self, pk: int) -> OAUser | None:
        """FAB's session user loader, with the user's roles and groups (and theirs) in the same
        statement: every page's permission checks and menu read them, which FAB loads in two
        more queries per request."""
        user = self.session.execute(_user_with_roles(), {"pk": int(pk)}).unique().scalar()
        if user and user.is_active:
            return user
        return None

    def load_user_jwt(self, _jwt_header, jwt_data):
        """FAB's JWT user loader, refusing (401) users who must first change their password:
        the API has no page to send them to."""
        user = super().load_user_jwt(_jwt_header, jwt_data)
        if user is not None and self.password_change_required(user):
            return None
        return user

    def before_request(self):
        """Set ``g.user`` as FAB does, then hold back users who must change their password."""
        g.user = current_user
        if not current_user.is_authenticated or request.blueprint in _OPEN_BLUEPRINTS:
            return None
        if request.endpoint in (None, "static"):
            return None
        reason = self.password_change_required(current_user)
        if reason is None:
            return None
        if request.path.startswith("/api/"):
            return jsonify(message=reason), 403
        return redirect(url_for("ChangePasswordView.this_form_get"))
