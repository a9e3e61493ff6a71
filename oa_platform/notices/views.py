"""The notices pages: the list of a reader's notices (and what their side published, with
read counts), one notice with its attachments, withdrawal by the unit head; the dashboard's
panel (``dashboard_notices``). Drafting is the release definition's form, started from the
process catalogue.

Every page asks ``policy`` (through the commands): a notice the reader may not open is a 404
on every address, the attachments included. Rich text reaches the page through the one
sanitizer (plugins/sanitize.py) again, whatever was stored.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext, lazy_gettext
from markupsafe import Markup

from form_builder.attachments import AttachmentStore, FormAttachment
from oa_platform.documents.distribution import today
from oa_platform.extensions import db
from oa_platform.notices import commands, policy, queries
from oa_platform.notices.policy import NoticeNotFoundError
from plugins.sanitize import clean_html

RELEASE_DEFINITION = "notice_release"
KIND_LABELS = {
    "announcement": lazy_gettext("Announcement"),
    "notice": lazy_gettext("Notice"),
    "briefing": lazy_gettext("Briefing"),
}
TABS = ("mine", "published")
# Attachments shown in the notice's page as pictures (form_builder.attachments kinds).
PICTURES = frozenset({"png", "jpg"})


class NoticesView(BaseView):
    """Notices and briefings (公告/通知/简报): mine to read, my side's with read counts."""

    route_base = "/notices"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        tab = request.args.get("tab", "mine")
        if tab not in TABS:
            abort(404)
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), 1000)
        session = db.session
        return self.render_template(
            "notices/index.html",
            tab=tab,
            shown=queries.for_reader(
                session, g.user, today(), limit=queries.PAGE, offset=(page - 1) * queries.PAGE
            )
            if tab == "mine"
            else [],
            published=queries.published(session, g.user) if tab == "published" else [],
            page=page,
            kinds=KIND_LABELS,
            release_key=RELEASE_DEFINITION,
        )

    @expose("/<int:notice_id>")
    @has_access
    @permission_name("show")
    def show(self, notice_id: int):
        try:
            notice = commands.open_notice(db.session, g.user, notice_id)
        except NoticeNotFoundError:
            abort(404)
        session = db.session
        return self.render_template(
            "notices/show.html",
            notice=notice,
            body=Markup(clean_html(notice.body)),  # cleaned by the allow-list just now
            kinds=KIND_LABELS,
            pictures=[entry for entry in notice.attachments if entry.get("type") in PICTURES],
            may_see_reads=policy.may_see_reads(session, g.user, notice),
            may_withdraw=policy.may_withdraw(session, g.user, notice),
        )

    @expose("/<int:notice_id>/withdraw", methods=["POST"])
    @has_access
    @permission_name("act")
    def withdraw(self, notice_id: int):
        """The publishing unit's head withdraws the notice with a reason (§5.1)."""
        try:
            commands.withdraw(db.session, g.user, notice_id, request.form.get("reason", ""))
            flash(gettext("Withdrawn; it no longer shows to its audience."), "success")
        except NoticeNotFoundError:
            abort(404)
        except commands.NoticeCommandError as error:
            flash(str(error), "danger")
        return redirect(url_for("NoticesView.show", notice_id=notice_id))

    @expose("/<int:notice_id>/attachments/<attachment_id>")
    @has_access
    @permission_name("show")
    def attachment(self, notice_id: int, attachment_id: str):
        """A file of the notice, for whoever may open the notice (and nobody else). A picture
        asked for ``?inline=1`` is served to show in the page (its kind was sniffed from its
        content at upload, so nothing but a PNG or JPEG is shown so)."""
        try:
            notice = policy.openable(db.session, g.user, notice_id, today())
        except NoticeNotFoundError:
            abort(404)
        if attachment_id not in {entry.get("id") for entry in notice.attachments}:
            abort(404)
        found = db.session.get(FormAttachment, attachment_id)
        if found is None:
            abort(404)
        from flask import current_app

        inline = request.args.get("inline") == "1" and found.file_type in PICTURES
        return send_file(
            AttachmentStore.for_app(current_app).open(found),
            mimetype=found.content_type,
            as_attachment=not inline,
            download_name=found.file_name,
            max_age=0,
        )


def dashboard_notices() -> list[queries.Shown]:
    """The signed-in person's notices for the dashboard panel (pinned, then newest)."""
    user = getattr(g, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return queries.for_reader(db.session, user, today())


def init_app(app) -> None:
    """Templates get ``dashboard_notices()`` and the kinds' labels for the dashboard."""
    app.jinja_env.globals["dashboard_notices"] = dashboard_notices
    app.jinja_env.globals["notice_kinds"] = KIND_LABELS
