"""Telling the administrators (seed 2 §6.2: the administrator responsible for maintenance)
that a backup failed, is missing, or did not reach an off-site target: an in-app notice
(mailed too when mail is set up), each written in its reader's language, linking to the
Backups page. One notice per problem and day: a failing nightly run does not pile up."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import gettext
from sqlalchemy import select

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.extensions import db
from oa_platform.i18n import recipient_locale
from oa_platform.notifications.service import notify
from oa_platform.unit_of_work import unit_of_work

KIND = "backup"
LINK = "/admin/backups/"


def _admins(app: Flask) -> list[OAUser]:
    role = app.config["AUTH_ROLE_ADMIN"]
    return list(
        db.session.scalars(
            select(OAUser).where(OAUser.active.is_(True), OAUser.roles.any(name=role))
        )
    )


def _tell(app: Flask, problem: str, subject: Callable[[], str]) -> None:
    def work() -> None:
        key = f"{problem}:{utcnow():%Y-%m-%d}"
        for admin in _admins(app):
            with recipient_locale(admin):
                text = subject()
            notify(db.session, [admin.id], kind=KIND, key=key, subject=text, link=LINK)

    unit_of_work(db.session).run(work, conflicts=())


def backup_failed(app: Flask, error: str) -> None:
    _tell(app, "failed", lambda: gettext("The backup failed: %(error)s", error=error))


def backup_missing(app: Flask, hours: int) -> None:
    _tell(
        app,
        "missing",
        lambda: gettext("No good backup in the last %(hours)d hours.", hours=hours),
    )


def offsite_failed(app: Flask, target: str, error: str) -> None:
    _tell(
        app,
        f"offsite:{target}"[:100],
        lambda: gettext(
            "The off-site copy to %(target)s failed: %(error)s", target=target, error=error
        ),
    )


def drill_failed(app: Flask, error: str) -> None:
    _tell(app, "drill", lambda: gettext("The restore drill failed: %(error)s", error=error))
