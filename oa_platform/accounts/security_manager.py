"""The platform's Flask-AppBuilder security manager (named in config as FAB asks).

It adds the regulations' account rules to FAB's database authentication: lock-out and
auditing of log-ins, the forced password change before anything else is reachable, and the
platform's own user, password and reset views in place of FAB's.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from flask import Flask, current_app, g, jsonify, redirect, request, session, url_for
from flask_appbuilder.security.api import SecurityApi as FabSecurityApi
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
from flask_babel import gettext
from flask_jwt_extended import JWTManager
from flask_login import LoginManager, current_user, user_logged_in
from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import aliased, contains_eager
from werkzeug.security import check_password_hash

from form_builder.clock import utcnow
from oa_platform.accounts import access_cache, lockout, sessions
from oa_platform.accounts.audit import record_account_event
from oa_platform.accounts.models import OAUser, RevokedToken
from oa_platform.accounts.password_policy import PasswordPolicy
from oa_platform.accounts.views import (
    ChangePasswordView,
    OAAuthDBView,
    OAUserModelView,
    ResetPasswordView,
)
from oa_platform.model_views import guarded
from oa_platform.outages import UnavailableApi
from oa_platform.unit_of_work import unit_of_work


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


@cache
def _user_with_revocation() -> Select:
    """The same user with whether the session or token ``jti`` was revoked (a log-out), in
    the one statement every signed-in request already runs."""
    revoked = exists().where(RevokedToken.jti == bindparam("jti")).label("revoked")
    return _user_with_roles().add_columns(revoked)


# Endpoints a user who must change their password may still reach.
_OPEN_BLUEPRINTS = {"ChangePasswordView", "OAAuthDBView", "appbuilder", "static"}


class SecurityApi(UnavailableApi, FabSecurityApi):
    """FAB's JWT log-in and refresh (same name, so the same endpoints), answering 503 with
    Retry-After instead of 500 while the database is away (oa_platform/outages.py)."""


class OASecurityManager(SecurityManager):
    user_model = OAUser
    security_api = SecurityApi
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
    # FAB's chart of log-in counts answers 500 to a column that is not a number (issue 17,
    # defect 13) and tells an OA administrator nothing the account audit does not.
    userstatschartview = None

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

    def create_login_manager(self, app: Flask) -> LoginManager:
        """FAB's Flask-Login set-up, with the session checks of ``accounts/sessions.py``:
        every session starts with its id, credentials version and times at log-in, and every
        request's user loader checks them."""
        manager = super().create_login_manager(app)
        manager.user_loader(self.load_session_user)
        # FAB passes ``current_app``, a proxy; Flask-Login sends the app object itself.
        real_app = getattr(app, "_get_current_object", lambda: app)()
        user_logged_in.connect(self._session_started, sender=real_app)
        return manager

    def _session_started(self, _app: Flask, user: OAUser, **_extra: Any) -> None:
        sessions.start(session, user)

    def create_jwt_manager(self, app: Flask) -> JWTManager:
        """FAB's flask-jwt-extended set-up, plus: tokens carry the account's credentials
        version (``cv``), and a token whose version is behind, whose id was revoked by a
        log-out, or whose account is gone or inactive counts as revoked (401). Lifetimes
        come from OA_JWT_ACCESS_MINUTES and OA_JWT_REFRESH_HOURS."""
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(
            minutes=int(app.config["OA_JWT_ACCESS_MINUTES"])
        )
        app.config["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(
            hours=int(app.config["OA_JWT_REFRESH_HOURS"])
        )
        manager = super().create_jwt_manager(app)
        manager.additional_claims_loader(self._jwt_claims)
        manager.token_in_blocklist_loader(self._jwt_revoked)
        return manager

    def _jwt_claims(self, identity: Any) -> dict[str, Any]:
        user = self.session.get(OAUser, int(identity))
        return {"cv": user.credentials_version if user is not None else None}

    def _jwt_revoked(self, _jwt_header: dict, jwt_data: dict) -> bool:
        """flask-jwt-extended's blocklist check, run for every access and refresh token.

        Loads the token's user with its roles in the same statement (kept on ``g`` for the
        user loader that follows), so a token costs what a session does.
        """
        user, revoked = self._load_with_revocation(jwt_data.get("sub"), jwt_data.get("jti"))
        g._oa_jwt_user = user
        return (
            user is None
            or revoked
            or not user.is_active
            or jwt_data.get("cv") != user.credentials_version
        )

    def _load_with_revocation(self, pk: Any, jti: str | None) -> tuple[OAUser | None, bool]:
        try:
            key = int(pk)
        except (TypeError, ValueError):
            return None, False
        row = self.session.execute(_user_with_revocation(), {"pk": key, "jti": jti or ""})
        found = row.unique().first()
        if found is None:
            return None, False
        return found[0], bool(found[1])

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
        # One unit of work: the attempt's counters and audit commit whatever its answer.
        return unit_of_work(self.session).run(
            lambda: self._authenticate(username, password), conflicts=()
        )

    def _authenticate(self, username: str, password: str) -> OAUser | None:
        session = self.session
        now = utcnow()
        rule = lockout.LockoutRule.from_config(current_app.config)
        # Both look-ups every time: known and unknown names cost the same queries.
        by_name, by_email = self.find_user(username=username), self.find_user(email=username)
        user = by_name or by_email
        # The typed name and the account it resolves to: failures as "leader" lock
        # "leader@example.com" too, and the other way round (issue 17, defect 7).
        names = lockout.names_to_count(username, user.username if user is not None else None)
        locked = any(lockout.locked_until(session, name, now) is not None for name in names)
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
            for name in names:
                lockout.clear(session, name)
            user.login_count = (user.login_count or 0) + 1
            user.fail_login_count = 0
            user.last_login = now
            record_account_event(session, "login_success", subject=user, actor_id=user.id)
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
        started_lock = not locked and any(
            [lockout.register_failure(session, name, now, rule) for name in names]
        )
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
        return None

    def on_user_logout(self, user) -> None:
        """FAB calls this after Flask-Login forgot the user: the session's id is revoked, so
        a copy of the cookie taken before the log-out is refused."""
        rule = sessions.SessionRule.from_config(current_app.config)

        def work() -> None:
            sessions.revoke_session(self.session, session, user, rule)
            record_account_event(self.session, "logout", subject=user, actor_id=user.id)

        unit_of_work(self.session).run(work, conflicts=())

    def password_change_required(self, user: OAUser) -> str | None:
        """Why ``user`` must change their password before anything else, or None."""
        if user.must_change_password:
            return gettext("Change your initial password before you continue.")
        policy = PasswordPolicy.from_config(current_app.config)
        if policy.is_expired(user.password_changed_at, utcnow()):
            return gettext(
                "Your password is older than %(days)s days; choose a new one to continue.",
                days=policy.max_age_days,
            )
        return None

    def load_user(self, pk: int) -> OAUser | None:
        """An active user with their roles and groups (and theirs) in one statement: every
        page's permission checks and menu read them, which FAB loads in two more queries per
        request."""
        user = self.session.execute(_user_with_roles(), {"pk": int(pk)}).unique().scalar()
        if user and user.is_active:
            return user
        return None

    def load_session_user(self, pk: Any) -> OAUser | None:
        """Flask-Login's user loader: the session's user while the session still counts
        (``accounts/sessions.py``: log-out, credentials version, idle and absolute time-out);
        otherwise the session forgets them and the request is anonymous."""
        user, revoked = self._load_with_revocation(pk, session.get(sessions.SESSION_ID))
        if user is None or not user.is_active:
            return None
        rule = sessions.SessionRule.from_config(current_app.config)
        if sessions.refusal(session, user, revoked, rule, utcnow()) is not None:
            sessions.end(session)
            return None
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        """FAB's JWT user loader on the user the blocklist check loaded, refusing (401) users
        who must first change their password: the API has no page to send them to."""
        user = g.pop("_oa_jwt_user", None)
        if user is None or str(user.id) != str(jwt_data.get("sub")):
            user, _revoked = self._load_with_revocation(jwt_data.get("sub"), None)
        if user is None or not user.is_active or self.password_change_required(user):
            return None
        g.user = user
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
