"""The notices' write path: each use case checks ``policy`` and runs in one unit of work;
pages and the REST API call these and only render what they answer. Drafting and approval
are the release definition's (the runtime's commands)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.documents.distribution import today
from oa_platform.notices import policy
from oa_platform.notices.models import Notice, NoticeRead
from oa_platform.runtime import audit
from oa_platform.unit_of_work import unit_of_work

REASON_MAX = 500


class NoticeCommandError(ValueError):
    """A refused notice command; the message says why (shown to the person)."""


def open_notice(session: Session, user, notice_id: int) -> Notice:
    """Open a notice ``user`` may read; their first opening clears the unread mark and
    counts once in the read count. :class:`policy.NoticeNotFoundError` otherwise."""

    def work() -> Notice:
        notice = policy.openable(session, user, notice_id, today())
        seen = session.scalar(
            select(NoticeRead.user_id).where(
                NoticeRead.notice_id == notice.id, NoticeRead.user_id == user.id
            )
        )
        if seen is None:
            session.add(NoticeRead(notice_id=notice.id, user_id=user.id, read_at=utcnow()))
            # One statement: two readers at once both count.
            session.execute(
                update(Notice)
                .where(Notice.id == notice.id)
                .values(read_count=Notice.read_count + 1)
            )
            session.flush()
            session.refresh(notice)
        return notice

    # A reader opening twice at once: the second insert conflicts and retries, finding it.
    return unit_of_work(session).run(work)


def withdraw(session: Session, user, notice_id: int, reason: str) -> Notice:
    """Withdraw a released notice (§5.1): the head of the publishing unit, with a reason; it
    leaves every dashboard at once and the reason goes into its release instance's trail."""
    from flask_babel import gettext

    def work() -> Notice:
        notice = policy.openable(session, user, notice_id, today())
        if not policy.may_see_reads(session, user, notice):
            raise policy.NoticeNotFoundError(notice_id)  # a reader's view: 404
        if not policy.may_withdraw(session, user, notice):
            if notice.status != "published":
                raise NoticeCommandError(gettext("The notice is already withdrawn."))
            raise NoticeCommandError(
                gettext("Only the head of the publishing unit withdraws a notice (§5.1).")
            )
        text = (reason or "").strip()
        if not text:
            raise NoticeCommandError(gettext("reason: say why the notice is withdrawn."))
        if len(text) > REASON_MAX:
            raise NoticeCommandError(
                gettext("reason: at most %(count)s characters.", count=REASON_MAX)
            )
        notice.status = "withdrawn"
        notice.withdrawn_at = utcnow()
        notice.withdrawn_by_id = user.id
        notice.withdraw_reason = text
        if notice.instance_id is not None:
            audit.append(
                session,
                notice.instance_id,
                "notice_withdrawn",
                actor_id=user.id,
                detail={"notice": notice.id, "reason": text},
            )
        _tell_author(session, notice)
        return notice

    return unit_of_work(session).run(work)


def _tell_author(session: Session, notice: Notice) -> None:
    """The author learns, in their language, that the unit head withdrew their notice and
    why (with the notifications of the transaction's commit)."""
    from flask_babel import gettext

    from oa_platform.notifications.service import tell

    if notice.author_id == notice.withdrawn_by_id:
        return
    tell(
        session,
        [notice.author],
        kind="notice",
        key=f"notice-withdrawn:{notice.id}",
        link=f"/notices/{notice.id}",
        message=lambda: gettext(
            "Your notice “%(title)s” was withdrawn: %(reason)s",
            title=notice.title,
            reason=notice.withdraw_reason,
        ),
    )
