"""The discussion pages: boards, a board's posts with the new-post form, a post with its
replies and actions, the unanswered posts per department by age, and the moderators' page
(queue, forbidden terms, persons in charge).

Every page asks ``policy`` (directly or through the commands): a board or post the reader
may not see is a 404 on every address. Changes go through ``commands``; a refused one
changes nothing and the page says why. Posts and replies are plain text, escaped by Jinja.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from form_builder.clock import utcnow
from oa_platform.discussion import commands, policy, queries
from oa_platform.discussion.models import SUGGESTIONS, Board, ForbiddenTerm, Responder
from oa_platform.discussion.policy import DiscussionNotFoundError
from oa_platform.extensions import db
from oa_platform.org.models import Company, Department

# What each step of a post's trail is called (models.DiscussionEvent.event).
STEP_LABELS = {
    "posted": lazy_gettext("posted"),
    "held": lazy_gettext("held for review"),
    "released": lazy_gettext("released after review"),
    "reported": lazy_gettext("reported"),
    "hidden": lazy_gettext("hidden"),
    "restored": lazy_gettext("restored"),
    "replied": lazy_gettext("replied"),
    "drafted": lazy_gettext("reply drafted for the leader"),
    "refused": lazy_gettext("sent back by the leader"),
    "answered": lazy_gettext("answered"),
    "reminded": lazy_gettext("reminded of the deadline"),
    "overdue": lazy_gettext("deadline passed"),
    "withdrawn": lazy_gettext("withdrawn by the author"),
    "reassigned": lazy_gettext("passed to another person in charge"),
}


def _change(command: Callable[[], Any], done: str, back: str) -> Any:
    """Run a command of the page: say what it did, or why it was refused (nothing changed);
    404 when the post is not the reader's to know."""
    try:
        command()
        flash(done, "success")
    except DiscussionNotFoundError:
        abort(404)
    except commands.DiscussionCommandError as error:
        flash(str(error), "danger")
    return redirect(back)


def _reply_id() -> int | None:
    value = request.form.get("reply_id", "")
    return int(value) if value.isdigit() else None


class DiscussionView(BaseView):
    """讨论区: boards, posts and the answers owed by departments (§8.2, §8.3)."""

    route_base = "/discussion"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        session = db.session
        commands.ensure_boards(session)
        departments = queries.answerable_departments(session, g.user)
        boards = queries.boards(session, g.user)
        return self.render_template(
            "discussion/index.html",
            boards=boards,
            board_name=queries.board_name,
            departments=departments,
            counts=queries.unanswered_counts(session, [d.id for d in departments]),
            may_moderate=policy.is_it(g.user) or any(b.owner_id == g.user.id for b in boards),
        )

    @expose("/boards/<int:board_id>")
    @has_access
    @permission_name("show")
    def board(self, board_id: int):
        session = db.session
        try:
            board = policy.board(session, g.user, board_id)
        except DiscussionNotFoundError:
            abort(404)
        return self.render_template(
            "discussion/board.html",
            board=board,
            name=queries.board_name(board),
            posts=queries.posts(session, g.user, board),
            suggestions=board.kind == SUGGESTIONS,
            companies=session.scalars(select(Company).order_by(Company.id)).all(),
            departments=session.scalars(
                select(Department).order_by(Department.company_id, Department.id)
            ).all(),
            now=utcnow(),
        )

    @expose("/boards/<int:board_id>/posts", methods=["POST"])
    @has_access
    @permission_name("act")
    def post_new(self, board_id: int):
        form = request.form
        try:
            post = commands.create_post(
                db.session,
                g.user,
                board_id,
                form.get("title", ""),
                form.get("body", ""),
                form.get("concerns", ""),
            )
        except DiscussionNotFoundError:
            abort(404)
        except commands.DiscussionCommandError as error:
            flash(str(error), "danger")
            return redirect(url_for("DiscussionView.board", board_id=board_id))
        if post.status == "held":
            flash(gettext("Your post is held for the moderators' review."), "warning")
        else:
            flash(gettext("Posted; the person in charge is asked to answer."), "success")
        return redirect(url_for("DiscussionView.show", post_id=post.id))

    @expose("/posts/<int:post_id>")
    @has_access
    @permission_name("show")
    def show(self, post_id: int):
        session = db.session
        try:
            post = policy.post(session, g.user, post_id)
        except DiscussionNotFoundError:
            abort(404)
        moderator = policy.may_moderate(g.user, post.board)
        return self.render_template(
            "discussion/post.html",
            post=post,
            board_name=queries.board_name(post.board),
            replies=queries.replies(session, g.user, post),
            may_reply=policy.may_reply(session, g.user, post),
            may_answer=policy.may_answer(g.user, post),
            may_decide=lambda reply: policy.may_decide(g.user, post, reply),
            may_withdraw=policy.may_withdraw(g.user, post),
            may_reassign=policy.may_reassign(g.user, post),
            moderator=moderator,
            trail=queries.trail(session, post)
            if moderator or policy.sees_everything(g.user)
            else [],
            step_labels=STEP_LABELS,
            now=utcnow(),
        )

    @expose("/posts/<int:post_id>/replies", methods=["POST"])
    @has_access
    @permission_name("act")
    def reply(self, post_id: int):
        official = request.form.get("official") == "1"
        return _change(
            lambda: commands.reply(
                db.session, g.user, post_id, request.form.get("body", ""), official=official
            ),
            gettext("Reply saved."),
            url_for("DiscussionView.show", post_id=post_id),
        )

    @expose("/replies/<int:reply_id>/decide", methods=["POST"])
    @has_access
    @permission_name("act")
    def decide(self, reply_id: int):
        approve = request.form.get("decision") == "approve"
        post_id = request.form.get("post_id", type=int) or 0
        return _change(
            lambda: commands.decide(
                db.session, g.user, reply_id, approve, request.form.get("reason", "")
            ),
            gettext("Approved and posted.") if approve else gettext("Sent back to the office."),
            url_for("DiscussionView.show", post_id=post_id),
        )

    @expose("/posts/<int:post_id>/withdraw", methods=["POST"])
    @has_access
    @permission_name("act")
    def withdraw(self, post_id: int):
        return _change(
            lambda: commands.withdraw(db.session, g.user, post_id, request.form.get("reason", "")),
            gettext("Withdrawn; it stays on record with your reason."),
            url_for("DiscussionView.show", post_id=post_id),
        )

    @expose("/posts/<int:post_id>/reassign", methods=["POST"])
    @has_access
    @permission_name("act")
    def reassign(self, post_id: int):
        return _change(
            lambda: commands.reassign(
                db.session,
                g.user,
                post_id,
                request.form.get("username", ""),
                request.form.get("reason", ""),
            ),
            gettext("Passed on; the new person in charge is asked to answer."),
            url_for("DiscussionView.show", post_id=post_id),
        )

    @expose("/posts/<int:post_id>/report", methods=["POST"])
    @has_access
    @permission_name("act")
    def report(self, post_id: int):
        return _change(
            lambda: commands.report(
                db.session, g.user, post_id, request.form.get("reason", ""), _reply_id()
            ),
            gettext("Reported to the moderators."),
            url_for("DiscussionView.show", post_id=post_id),
        )

    @expose("/posts/<int:post_id>/hide", methods=["POST"])
    @has_access
    @permission_name("act")
    def hide(self, post_id: int):
        return _change(
            lambda: commands.hide(
                db.session, g.user, post_id, request.form.get("reason", ""), _reply_id()
            ),
            gettext("Hidden; the author sees the reason."),
            url_for("DiscussionView.show", post_id=post_id),
        )

    @expose("/posts/<int:post_id>/restore", methods=["POST"])
    @has_access
    @permission_name("act")
    def restore(self, post_id: int):
        return _change(
            lambda: commands.restore(
                db.session, g.user, post_id, request.form.get("reason", ""), _reply_id()
            ),
            gettext("Restored."),
            url_for("DiscussionView.show", post_id=post_id),
        )

    @expose("/todo")
    @has_access
    @permission_name("list")
    def todo(self):
        """My discussion to-dos: posts I owe an answer to and office drafts I approve (§8.2),
        earliest deadline first; the inbox links here with their count."""
        return self.render_template(
            "discussion/todo.html", posts=queries.owed(db.session, g.user), now=utcnow()
        )

    @expose("/unanswered/<int:department_id>")
    @has_access
    @permission_name("list")
    def unanswered(self, department_id: int):
        """A department's unanswered posts, longest waiting first (§8.2)."""
        session = db.session
        allowed = {d.id: d for d in queries.answerable_departments(session, g.user)}
        if department_id not in allowed:
            abort(404)
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), 1000)
        return self.render_template(
            "discussion/unanswered.html",
            department=allowed[department_id],
            posts=queries.unanswered(session, department_id, offset=(page - 1) * queries.PAGE),
            page=page,
            now=utcnow(),
        )

    @expose("/moderation", methods=["GET", "POST"])
    @has_access
    @permission_name("moderate")
    def moderation_page(self):
        """Moderators' queue; IT keeps the forbidden terms and persons in charge (§8.3)."""
        session = db.session
        it = policy.is_it(g.user)
        owns = session.scalar(select(Board.id).where(Board.owner_id == g.user.id).limit(1))
        if not it and owns is None:
            abort(404)
        if request.method == "POST":
            action = request.form.get("action", "")
            try:
                if action == "add_term":
                    commands.add_term(session, g.user, request.form.get("term", ""))
                elif action == "remove_term":
                    commands.remove_term(
                        session, g.user, request.form.get("term_id", type=int) or 0
                    )
                elif action == "person_in_charge":
                    commands.set_person_in_charge(
                        session,
                        g.user,
                        request.form.get("department_id", type=int) or 0,
                        request.form.get("username", ""),
                    )
                else:
                    abort(400)
                flash(gettext("Saved."), "success")
            except commands.DiscussionCommandError as error:
                flash(str(error), "danger")
            return redirect(url_for("DiscussionView.moderation_page"))
        responders = {r.department_id: r for r in session.scalars(select(Responder))}
        return self.render_template(
            "discussion/moderation.html",
            queue=queries.moderation_queue(session, g.user),
            it=it,
            terms=session.scalars(select(ForbiddenTerm).order_by(ForbiddenTerm.id)).all(),
            departments=session.scalars(
                select(Department).order_by(Department.company_id, Department.id)
            ).all(),
            responders=responders,
            person_in_charge=lambda d: policy.person_in_charge(session, d),
        )


def owed_for_current_user() -> int:
    """The signed-in person's discussion to-dos (the inbox's badge)."""
    user = getattr(g, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return queries.owed_count(db.session, user.id)


def init_app(app) -> None:
    """Templates get ``discussion_owed()`` for the inbox's Discussion tab."""
    app.jinja_env.globals["discussion_owed"] = owed_for_current_user
