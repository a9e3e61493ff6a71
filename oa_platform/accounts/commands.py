"""The write path for accounts: every view, API and CLI change to an account goes through here.

Each command validates first, then makes its change and its audit entries in one unit of
work (``oa_platform/unit_of_work.py``), which commits; on any error it rolls back, so a failed
command changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from werkzeug.security import check_password_hash

from form_builder.clock import utcnow
from oa_platform.accounts import authority
from oa_platform.accounts.audit import record_account_event
from oa_platform.accounts.exceptions import (
    CurrentPasswordInvalidError,
    DeactivationError,
    MoveConfirmationError,
    PasswordRejectedError,
    ResetNotAllowedError,
)
from oa_platform.accounts.models import OAUser
from oa_platform.accounts.password_policy import PasswordPolicy
from oa_platform.accounts.passwords import (
    one_time_password,
    recent_hashes,
    store_password,
)
from oa_platform.accounts.signals import user_deactivated
from oa_platform.extensions import db
from oa_platform.unit_of_work import unit_of_work


def current_policy() -> PasswordPolicy:
    return PasswordPolicy.from_config(current_app.config)


def password_problems(user: OAUser, new_password: str) -> list[str]:
    """Every rule ``new_password`` breaks for ``user``, history included."""
    problems = current_policy().problems(new_password, user.username)
    history = int(current_app.config["OA_PASSWORD_HISTORY"])
    if history > 0:
        hashes = recent_hashes(db.session, user, history)
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)
        if any(check_password_hash(h, new_password) for h in hashes):
            problems.append(
                gettext("Do not reuse any of your last %(count)s passwords.", count=history)
            )
    return problems


def change_own_password(user: OAUser, current_password: str, new_password: str) -> None:
    """The user changes their own password (first log-in, expiry, or at will)."""

    def work() -> None:
        if not user.password or not check_password_hash(user.password, current_password):
            raise CurrentPasswordInvalidError()
        problems = password_problems(user, new_password)
        if problems:
            raise PasswordRejectedError(problems)
        was_forced = bool(user.must_change_password)
        store_password(db.session, user, new_password, must_change=False)
        record_account_event(
            db.session,
            "password_change",
            subject=user,
            actor_id=user.id,
            detail={"forced": was_forced},
        )

    unit_of_work(db.session).run(work, conflicts=())


# §4.1's reset rule; ``authority`` owns it (pages, My Team and this command ask the same).
may_reset_password = authority.may_reset_password


def reset_password(actor: OAUser, target: OAUser) -> str:
    """Give ``target`` a one-time password, returned once to ``actor`` and never stored in
    clear; the target must change it at the next log-in. A refusal is recorded, then raised."""
    unit = unit_of_work(db.session)
    if not may_reset_password(actor, target):
        unit.run(
            lambda: record_account_event(
                db.session, "password_reset_refused", subject=target, actor_id=actor.id
            ),
            conflicts=(),
        )
        raise ResetNotAllowedError(target.username)

    def work() -> str:
        temporary = one_time_password(current_policy(), target.username)
        store_password(db.session, target, temporary, must_change=True)
        record_account_event(db.session, "password_reset", subject=target, actor_id=actor.id)
        return temporary

    return unit.run(work, conflicts=())


def confirm_department_move(actor: OAUser, target: OAUser) -> None:
    """Admin confirms ``target``'s move to their current department: from now on its heads
    may reset ``target``'s password (§4.1; issue 17, defect 1)."""

    def work() -> None:
        if not authority.is_admin(actor):
            raise MoveConfirmationError(gettext("Only an administrator confirms department moves."))
        if not target.move_pending:
            raise MoveConfirmationError(
                gettext("%(username)s has no move to confirm.", username=target.username)
            )
        previous = target.confirmed_department
        target.confirmed_department = target.department
        record_account_event(
            db.session,
            "department_move_confirmed",
            subject=target,
            actor_id=actor.id,
            detail={
                "from": str(previous) if previous else None,
                "to": str(target.department) if target.department else None,
            },
        )

    unit_of_work(db.session).run(work, conflicts=())


@dataclass(frozen=True)
class Deactivation:
    user: OAUser
    successor: OAUser | None


def deactivate_user(
    actor: OAUser | None, target: OAUser, successor: OAUser | None = None
) -> Deactivation:
    """Close a departing employee's account at once (§4.2).

    Open sessions, JWTs and API keys fail on their next request because every request
    reloads the user and refuses inactive ones. Receivers of ``user_deactivated`` (the
    runtime's task hand-over) run inside this unit of work, which retries the whole on a
    conflict with an action on one of the handed-over instances.
    """

    def work() -> Deactivation:
        if not target.active:
            raise DeactivationError(
                gettext("%(username)s is already deactivated.", username=target.username)
            )
        if successor is not None:
            if successor.id == target.id:
                raise DeactivationError(gettext("A user cannot be their own successor."))
            if not successor.active:
                raise DeactivationError(
                    gettext(
                        "The successor %(username)s is deactivated; name an active user.",
                        username=successor.username,
                    )
                )
        target.active = False
        target.deactivated_at = utcnow()
        # Inactive accounts are refused anyway; this keeps a later reactivation from
        # bringing the old sessions and tokens back.
        target.credentials_version = (target.credentials_version or 0) + 1
        target.successor = successor
        _revoke_api_keys(target)
        record_account_event(
            db.session,
            "deactivation",
            subject=target,
            actor_id=actor.id if actor is not None else None,
            detail={"successor": successor.username if successor else None},
        )
        user_deactivated.send(
            current_app._get_current_object(), user=target, successor=successor, session=db.session
        )
        return Deactivation(user=target, successor=successor)

    return unit_of_work(db.session).run(work)


def _revoke_api_keys(user: OAUser) -> None:
    sm = current_app.appbuilder.sm
    for key in sm.find_api_keys_for_user(user.id):
        if key.revoked_on is None:
            key.revoked_on = utcnow()
