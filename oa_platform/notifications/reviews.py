"""Notices of a definition's review (regulations §2.3; issue 19): a version submitted for
review is told to the Management Center, its approval or rejection to its designer.

``form_builder`` never imports the platform, so it is not asked to notify: every lifecycle
step adds a ``DefinitionEvent`` row, and the flush that writes the row tells the people,
in the same transaction (a refused step writes no row and tells nobody).
"""

from __future__ import annotations

from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from form_builder.lifecycle import REVIEWER_ROLES
from form_builder.localized import text
from form_builder.models import DefinitionEvent, DefinitionVersion
from oa_platform.accounts.models import OAUser
from oa_platform.notifications.service import clear, replace_pending, tell
from oa_platform.org.policy import offered_people


def _reviewers(session: Session) -> list[OAUser]:
    """The members of the Management Center still here (``org.policy.offered_people``)."""
    query = (
        select(OAUser)
        .join(OAUser.roles)
        .where(Role.name.in_(REVIEWER_ROLES), offered_people())
        .order_by(OAUser.id)
    )
    return list(session.scalars(query).unique())


def _link(version: DefinitionVersion) -> str:
    return f"/definitions/{version.definition.key}/v{version.number}/"


class _name:
    """The definition's name in the language of whoever reads the notice."""

    def __init__(self, version: DefinitionVersion) -> None:
        self.document = version.document

    def __str__(self) -> str:
        return text(self.document.get("name"), None, self.document.get("language"))


def _submitted(session: Session, step: DefinitionEvent, version: DefinitionVersion) -> None:
    by = session.get(OAUser, step.actor_id) if step.actor_id else None
    who = by.get_full_name() if by else gettext("the command line")
    name, number = _name(version), version.number
    tell(
        session,
        [person for person in _reviewers(session) if person.id != step.actor_id],
        kind="review",
        key=f"definition:{version.id}:submitted",
        link=_link(version),
        message=lambda: gettext(
            "%(person)s submitted %(name)s v%(number)s for your review",
            person=who,
            name=name,
            number=number,
        ),
    )


def _reviewed(session: Session, step: DefinitionEvent, version: DefinitionVersion) -> None:
    designer_id = version.submitted_by_id or version.created_by_id
    designer = session.get(OAUser, designer_id) if designer_id else None
    reviewer = session.get(OAUser, step.actor_id) if step.actor_id else None
    if designer is None or reviewer is None:
        return
    who, opinion = reviewer.get_full_name(), step.opinion or "—"
    name, number = _name(version), version.number
    approved = step.action == "approved"

    def message() -> str:
        if approved:
            return gettext(
                "%(person)s approved %(name)s v%(number)s: %(opinion)s",
                person=who,
                name=name,
                number=number,
                opinion=opinion,
            )
        return gettext(
            "%(person)s rejected %(name)s v%(number)s: %(opinion)s",
            person=who,
            name=name,
            number=number,
            opinion=opinion,
        )

    tell(
        session,
        [designer],
        kind="reviewed",
        key=f"definition:{version.id}:{step.action}",
        link=_link(version),
        message=message,
    )
    # The review is done: the reviewers' "submitted" notices are news no more.
    submitted = f"definition:{version.id}:submitted"
    replace_pending(session, kind="review", key=submitted)  # submitted in this transaction
    for person in _reviewers(session):
        clear(session, user_id=person.id, kind="review", key=submitted)


_STEPS = "definition_review_steps"


def _note_steps(session: Session, _flush_context, _instances) -> None:
    """Steps flushed before the commit: kept until the commit tells them."""
    steps = [o for o in session.new if isinstance(o, DefinitionEvent)]
    if steps:
        session.info.setdefault(_STEPS, []).extend(steps)


def _tell_steps(session: Session) -> None:
    """At the outermost commit, before the notices are written: tell the transaction's steps,
    flushed already or still to be flushed by this commit."""
    if session.get_nested_transaction() is not None:
        return
    steps = session.info.pop(_STEPS, [])
    steps += [o for o in session.new if isinstance(o, DefinitionEvent) and o not in steps]
    # A version its designer published in the same transaction as its review (the demo's
    # loader, a script): the review is no news to them.
    published = {id(s.version) for s in steps if s.action == "published"}
    with session.no_autoflush:
        for step in steps:
            if step.version is None or id(step.version) in published:
                continue
            if step.action == "submitted":
                _submitted(session, step, step.version)
            elif step.action in {"approved", "rejected"}:
                _reviewed(session, step, step.version)


def _forget_steps(session: Session, *_args) -> None:
    session.info.pop(_STEPS, None)


def install() -> None:
    """Tell review steps when they commit (idempotent). The commit hook goes first among the
    commit's writers, so the notices it adds are written by the same commit."""
    if not event.contains(Session, "before_flush", _note_steps):
        event.listen(Session, "before_flush", _note_steps)
        event.listen(Session, "before_commit", _tell_steps, insert=True)
        event.listen(Session, "after_soft_rollback", _forget_steps)
