"""The discussion area's write path: each use case checks ``policy`` and runs in one unit of
work; pages and the REST API call these and only render what they answer. A refused command
raises :class:`DiscussionCommandError` (its message names the field) and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.discussion import moderation, policy, reminders
from oa_platform.discussion.models import (
    COMPANY,
    DEPARTMENT,
    GROUP,
    HELD,
    HIDDEN,
    PENDING,
    PUBLISHED,
    REFUSED,
    SUGGESTIONS,
    WITHDRAWN,
    Board,
    ForbiddenTerm,
    Post,
    Reply,
    Report,
    Responder,
)
from oa_platform.discussion.policy import DiscussionNotFoundError
from oa_platform.discussion.trail import link as _link
from oa_platform.discussion.trail import record as _event
from oa_platform.notifications.service import tell
from oa_platform.org.models import Company, Department
from oa_platform.org.policy import offered_people
from oa_platform.runtime.business_calendar import calendar
from oa_platform.unit_of_work import unit_of_work

# §8.2's reply, like a process node's default deadline (§3.3): 24 hours of the calendar.
ANSWER_HOURS = 24
TITLE_MAX, BODY_MAX, REASON_MAX = 200, 10000, 1000


class DiscussionCommandError(ValueError):
    """A refused discussion command; the message says why (shown to the person)."""


def _text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DiscussionCommandError(gettext("%(field)s: required.", field=field))
    if len(value) > limit:
        raise DiscussionCommandError(
            gettext("%(field)s: at most %(limit)s characters.", field=field, limit=limit)
        )
    return value


def _reason(value: str) -> str:
    return _text(value, gettext("reason"), REASON_MAX)


# -- boards ------------------------------------------------------------------------------


def _board_key(kind: str, company_id: int | None, department_id: int | None) -> str:
    if kind == COMPANY:
        return f"company:{company_id}"
    if kind == DEPARTMENT:
        return f"department:{department_id}"
    return kind


def ensure_boards(session: Session) -> int:
    """Create the boards that are missing: the group's, the suggestions board, one per
    company and one per department (owners: the office's or department's head). Returns how
    many were created. Two first visits at once: the second's insert meets the unique key
    and its unit of work runs again, finding the boards there."""

    def work() -> int:
        have = set(session.scalars(select(Board.key)))
        group = policy.group_company(session)
        group_office = policy.office_of(session, group) if group is not None else None
        office_head = group_office.head_id if group_office is not None else None
        wanted: list[Board] = []
        if group is not None:
            wanted += [
                Board(kind=kind, company_id=group.id, owner_id=office_head)
                for kind in (GROUP, SUGGESTIONS)
            ]
        for company in session.scalars(select(Company).order_by(Company.id)):
            office = policy.office_of(session, company)
            wanted.append(
                Board(
                    kind=COMPANY,
                    company_id=company.id,
                    owner_id=office.head_id if office is not None else None,
                )
            )
        for department in session.scalars(select(Department).order_by(Department.id)):
            wanted.append(
                Board(
                    kind=DEPARTMENT,
                    company_id=department.company_id,
                    department_id=department.id,
                    owner_id=department.head_id,
                )
            )
        created = []
        for board in wanted:
            board.key = _board_key(board.kind, board.company_id, board.department_id)
            if board.key not in have:
                created.append(board)
        session.add_all(created)
        session.flush()
        return len(created)

    return unit_of_work(session).run(work)


# -- posts -------------------------------------------------------------------------------


def _routing(
    session: Session, board: Board, concerns: str
) -> tuple[str, Department, OAUser, OAUser | None]:
    """(kind, answering department, handler, approver) for what a post concerns (§8.2):
    ``department:<id>``, ``group`` or ``branch:<company id>``; suggestions go to the group
    office (seed 2 §8.3)."""
    if board.kind == SUGGESTIONS:
        concerns = "group"
    kind, _, ident = (concerns or "").partition(":")
    if kind == "department" and ident.isdigit():
        department = session.get(Department, int(ident))
        if department is None:
            raise DiscussionCommandError(gettext("concerns: no such department."))
        handler = policy.person_in_charge(session, department)
        if handler is None:
            raise DiscussionCommandError(
                gettext("concerns: the department has no person in charge to answer.")
            )
        return "department", department, handler, None
    if kind == "group":
        company = policy.group_company(session)
    elif kind == "branch" and ident.isdigit():
        company = session.get(Company, int(ident))
    else:
        raise DiscussionCommandError(
            gettext("concerns: choose a department, the group or a branch company.")
        )
    office = policy.office_of(session, company) if company is not None else None
    if office is None:
        raise DiscussionCommandError(gettext("concerns: the company has no office to collect it."))
    handler = policy.person_in_charge(session, office)
    approver = office.leader_in_charge or office.head
    if handler is None or approver is None:
        raise DiscussionCommandError(
            gettext("concerns: the office has no person in charge or leader to answer.")
        )
    return ("group" if kind == "group" else "branch"), office, handler, approver


def _publish_post(session: Session, post: Post, now: datetime) -> None:
    """The post is out: its handler gets the to-do with the 24-hour deadline (§8.2) and the
    timer service's reminder before it and notice when it passes."""
    post.status = PUBLISHED
    post.due_at = calendar().add(now, ANSWER_HOURS)
    reminders.schedule(session, post, now, replacing=False)
    tell(
        session,
        [post.handler],
        kind="task",
        key=f"discussion:{post.id}",
        link=_link(post),
        message=lambda: gettext("Answer the post: %(title)s", title=post.title),
    )


def create_post(
    session: Session, user, board_id: int, title: str, body: str, concerns: str
) -> Post:
    """Post on a board ``user`` sees. A post with a forbidden term is held for the
    moderators' review instead of being published (§8.3)."""

    def work() -> Post:
        board = policy.board(session, user, board_id)
        clean_title = _text(title, gettext("title"), TITLE_MAX)
        clean_body = _text(body, gettext("body"), BODY_MAX)
        kind, department, handler, approver = _routing(session, board, concerns)
        now = utcnow()
        post = Post(
            board_id=board.id,
            author_id=user.id,
            title=clean_title,
            body=clean_body,
            concerns=kind,
            department_id=department.id,
            handler_id=handler.id,
            approver_id=approver.id if approver is not None else None,
            status=HELD,
            created_at=now,
        )
        session.add(post)
        session.flush()
        found = moderation.check(session, clean_title, clean_body)
        if found:
            post.moderation_reason = gettext("Held for review: it contains a forbidden term.")
            _event(session, user, "held", post, terms=found)
        else:
            _publish_post(session, post, now)
            _event(session, user, "posted", post, handler=handler.username)
        return post

    return unit_of_work(session).run(work, conflicts=())


# -- replies -----------------------------------------------------------------------------


def _answered(session: Session, post: Post, reply: Reply, actor) -> None:
    reply.status = PUBLISHED
    post.answered_at = utcnow()
    reminders.close(session, post)  # answered: no reminder, no overdue notice
    _event(session, actor, "answered", post, reply)
    tell(
        session,
        [post.author],
        kind="answer",
        key=f"discussion:{post.id}:answer",
        link=_link(post),
        message=lambda: gettext("Your post was answered: %(title)s", title=post.title),
    )


def _route_official(session: Session, post: Post, reply: Reply, actor) -> None:
    """An official reply is posted at once for a department; an office's goes to the leader
    first (§8.2: answered after the leader decides)."""
    if post.approver_id is None or post.approver_id == actor.id:
        # A department's answer, or the leader answering the office's matter themself.
        _answered(session, post, reply, actor)
        return
    reply.status = PENDING
    _event(session, actor, "drafted", post, reply)
    tell(
        session,
        [post.approver],
        kind="task",
        key=f"discussion:{post.id}:draft:{reply.id}",
        link=_link(post),
        message=lambda: gettext("Approve the office's reply to: %(title)s", title=post.title),
    )


def reply(session: Session, user, post_id: int, body: str, official: bool = False) -> Reply:
    """Reply to a post. ``official``: the answer owed by the handler (§8.2)."""

    def work() -> Reply:
        post = policy.post(session, user, post_id)
        if official and not policy.may_answer(user, post):
            raise DiscussionCommandError(
                gettext("Only the person in charge answers this post, once.")
            )
        if not official and not policy.may_reply(session, user, post):
            raise DiscussionCommandError(gettext("This post takes no replies."))
        text = _text(body, gettext("reply"), BODY_MAX)
        if official and session.scalar(
            select(Reply.id).where(Reply.post_id == post.id, Reply.status == PENDING)
        ):
            raise DiscussionCommandError(gettext("A reply already waits for the leader."))
        found = moderation.check(session, text)
        new = Reply(post_id=post.id, author_id=user.id, body=text, official=official, status=HELD)
        session.add(new)
        session.flush()
        if found:
            new.moderation_reason = gettext("Held for review: it contains a forbidden term.")
            _event(session, user, "held", post, new, terms=found)
        elif official:
            _route_official(session, post, new, user)
        else:
            new.status = PUBLISHED
            _event(session, user, "replied", post, new)
        return new

    return unit_of_work(session).run(work, conflicts=())


def decide(session: Session, user, reply_id: int, approve: bool, reason: str = "") -> Reply:
    """The leader approves the office's draft (it is posted and the post answered) or
    refuses it with a reason (the office drafts again)."""

    def work() -> Reply:
        found = session.get(Reply, reply_id)
        if found is None:
            raise DiscussionNotFoundError(reply_id)
        post = policy.post(session, user, found.post_id)
        if not policy.may_see_reply(user, post, found):
            raise DiscussionNotFoundError(reply_id)
        if not policy.may_decide(user, post, found):
            raise DiscussionCommandError(gettext("Only the leader decides on a waiting reply."))
        found.decided_by_id = user.id
        if approve:
            _answered(session, post, found, user)
            return found
        found.status = REFUSED
        found.moderation_reason = _reason(reason)
        _event(session, user, "refused", post, found, reason=found.moderation_reason)
        tell(
            session,
            [post.handler],
            kind="returned",
            key=f"discussion:{post.id}:refused:{found.id}",
            link=_link(post),
            message=lambda: gettext(
                "The leader sent back your reply to: %(title)s", title=post.title
            ),
        )
        return found

    return unit_of_work(session).run(work, conflicts=())


def withdraw(session: Session, user, post_id: int, reason: str) -> Post:
    """The author withdraws their unanswered post with a reason: it leaves the boards and
    the handler's to-dos, its reminders are closed, and it stays stored for the record. Not
    once the office's answer waits for the leader (as an instance is revoked only until its
    next handler has acted)."""

    def work() -> Post:
        post = policy.post(session, user, post_id)
        if not policy.may_withdraw(user, post):
            raise DiscussionCommandError(
                gettext("Only the author withdraws a post, before it is answered.")
            )
        why = _reason(reason)
        if session.scalar(
            select(Reply.id).where(Reply.post_id == post.id, Reply.status == PENDING)
        ):
            raise DiscussionCommandError(
                gettext("The office's answer already waits for the leader's approval.")
            )
        post.status = WITHDRAWN
        post.moderation_reason = why
        reminders.close(session, post)
        _event(session, user, "withdrawn", post, reason=why)
        return post

    return unit_of_work(session).run(work, conflicts=())


def reassign(session: Session, user, post_id: int, username: str, reason: str) -> Post:
    """Pass the answer owed to another active person (the handler, the department's head or
    IT, ``policy.may_reassign``): they get the to-do and the reminders on the same deadline,
    the former handler's reminders are closed."""

    def work() -> Post:
        post = policy.post(session, user, post_id)
        if not policy.may_reassign(user, post):
            raise DiscussionCommandError(
                gettext("Only the person in charge, the department's head or IT passes it on.")
            )
        name = (username or "").strip()
        # Whom one may pass it to is whom a picker offers (org.policy, §4.2).
        person = session.scalar(select(OAUser).where(OAUser.username == name, offered_people()))
        if person is None:
            raise DiscussionCommandError(gettext("user: no active user %(name)s.", name=name))
        if person.id == post.handler_id:
            raise DiscussionCommandError(gettext("user: %(name)s answers it already.", name=name))
        why = _reason(reason)
        if session.scalar(
            select(Reply.id).where(Reply.post_id == post.id, Reply.status == PENDING)
        ):
            raise DiscussionCommandError(
                gettext("The office's answer already waits for the leader's approval.")
            )
        former = post.handler.username if post.handler is not None else None
        post.handler_id = person.id
        post.handler = person
        reminders.schedule(session, post)  # closes the former handler's first
        _event(session, user, "reassigned", post, former=former, handler=name, reason=why)
        tell(
            session,
            [person],
            kind="task",
            key=f"discussion:{post.id}:to:{person.id}",
            link=_link(post),
            message=lambda: gettext("Answer the post: %(title)s", title=post.title),
        )
        return post

    return unit_of_work(session).run(work, conflicts=())


# -- moderation (§8.3) -------------------------------------------------------------------


def _target(
    session: Session, user, post_id: int, reply_id: int | None
) -> tuple[Post, Reply | None]:
    post = policy.post(session, user, post_id)
    if reply_id is None:
        return post, None
    found = session.get(Reply, reply_id)
    if found is None or found.post_id != post.id or not policy.may_see_reply(user, post, found):
        raise DiscussionNotFoundError(reply_id)
    return post, found


def report(
    session: Session, user, post_id: int, reason: str, reply_id: int | None = None
) -> Report:
    """Anyone who sees a post or reply reports it to the moderators with a reason."""

    def work() -> Report:
        post, target = _target(session, user, post_id, reply_id)
        found = Report(
            post_id=post.id,
            reply_id=target.id if target is not None else None,
            reporter_id=user.id,
            reason=_reason(reason),
        )
        session.add(found)
        session.flush()
        _event(session, user, "reported", post, target, reason=found.reason, report=found.id)
        if post.board.owner is not None:
            tell(
                session,
                [post.board.owner],
                kind="notice",
                key=f"discussion:report:{found.id}",
                link=_link(post),
                message=lambda: gettext("A post was reported: %(title)s", title=post.title),
            )
        return found

    return unit_of_work(session).run(work, conflicts=())


def _moderate(
    session: Session, user, post_id: int, reply_id: int | None, reason: str, hide: bool
) -> Post | Reply:
    def work():
        post, target = _target(session, user, post_id, reply_id)
        if not policy.may_moderate(user, post.board):
            raise DiscussionCommandError(gettext("Only IT and the board's owner moderate it."))
        thing = target if target is not None else post
        if thing is post and post.status == WITHDRAWN:
            # Off the boards already; a restore would publish again what its author took back.
            raise DiscussionCommandError(
                gettext("Its author withdrew the post: there is nothing to moderate.")
            )
        why = _reason(reason)
        if hide:
            if thing.status == HIDDEN:
                raise DiscussionCommandError(gettext("It is hidden already."))
            thing.status = HIDDEN
            event = "hidden"
            if target is None:
                reminders.close(session, post)  # a hidden post is owed no answer
        else:
            if thing.status not in (HIDDEN, HELD):
                raise DiscussionCommandError(gettext("Only hidden or held content is restored."))
            event = "restored" if thing.status == HIDDEN else "released"
            if target is None:
                if post.due_at is None:
                    _publish_post(session, post, utcnow())  # held until now: the clock starts
                elif post.answered_at is None:
                    # Restored: owed again, on its own deadline (the hiding did not reset it).
                    reminders.schedule(session, post)
                post.status = PUBLISHED
            elif target.official and post.answered_at is None and target.status == HELD:
                _route_official(session, post, target, user)
            else:
                target.status = PUBLISHED
        thing.moderation_reason = why
        session.execute(
            update(Report)
            .where(
                Report.post_id == post.id,
                Report.reply_id.is_(None) if target is None else Report.reply_id == target.id,
                Report.settled_at.is_(None),
            )
            .values(settled_at=utcnow())
        )
        _event(session, user, event, post, target, reason=why)
        tell(
            session,
            [thing.author],
            kind="notice",
            key=f"discussion:{event}:{post.id}:{target.id if target else 0}:{utcnow().isoformat()}",
            link=_link(post),
            message=(
                (lambda: gettext("A moderator hid your post or reply: %(reason)s", reason=why))
                if hide
                else (
                    lambda: gettext(
                        "A moderator restored your post or reply: %(reason)s", reason=why
                    )
                )
            ),
        )
        return thing

    return unit_of_work(session).run(work, conflicts=())


def hide(session: Session, user, post_id: int, reason: str, reply_id: int | None = None):
    """A moderator hides a post or reply with a reason the author sees; it stays stored."""
    return _moderate(session, user, post_id, reply_id, reason, hide=True)


def restore(session: Session, user, post_id: int, reason: str, reply_id: int | None = None):
    """A moderator restores hidden content, or releases held content, with a reason."""
    return _moderate(session, user, post_id, reply_id, reason, hide=False)


# -- settings (IT) -----------------------------------------------------------------------


def _it_only(user) -> None:
    if not policy.is_it(user):
        raise DiscussionCommandError(gettext("Only IT changes the discussion settings."))


def _settings(session: Session, user, change: Callable[[], object]) -> None:
    def work() -> None:
        _it_only(user)
        change()

    unit_of_work(session).run(work, conflicts=())


def add_term(session: Session, user, term: str) -> None:
    """IT adds a forbidden term (§8.3)."""

    def change() -> None:
        value = _text(term, gettext("term"), 100)
        if session.scalar(select(ForbiddenTerm.id).where(ForbiddenTerm.term == value)):
            raise DiscussionCommandError(gettext("term: already listed."))
        session.add(ForbiddenTerm(term=value, added_by_id=user.id))
        _event(session, user, "term_added", None, term=value)

    _settings(session, user, change)


def remove_term(session: Session, user, term_id: int) -> None:
    def change() -> None:
        found = session.get(ForbiddenTerm, term_id)
        if found is None:
            raise DiscussionCommandError(gettext("term: no such term."))
        _event(session, user, "term_removed", None, term=found.term)
        session.delete(found)

    _settings(session, user, change)


def set_person_in_charge(session: Session, user, department_id: int, username: str) -> None:
    """IT names who answers posts about a department (§8.2); empty: its head again."""

    def change() -> None:
        department = session.get(Department, department_id)
        if department is None:
            raise DiscussionCommandError(gettext("department: no such department."))
        existing = session.get(Responder, department_id)
        name = (username or "").strip()
        if not name:
            if existing is not None:
                session.delete(existing)
            _event(session, user, "person_in_charge", None, department=department_id, user=None)
            return
        person = session.scalar(select(OAUser).where(OAUser.username == name, offered_people()))
        if person is None:
            raise DiscussionCommandError(gettext("user: no active user %(name)s.", name=name))
        if existing is None:
            session.add(Responder(department_id=department_id, user_id=person.id))
        else:
            existing.user_id = person.id
        _event(session, user, "person_in_charge", None, department=department_id, user=name)

    _settings(session, user, change)
