"""The notifications page: a person's own notices, newest first, unread ones highlighted.

Only the owner's rows are ever shown or changed; another person's id is a 404, as if it did
not exist. Opening a notice marks it read and follows its (relative) link.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from sqlalchemy import func, select

from form_builder.forms import ConfirmForm
from oa_platform.extensions import db
from oa_platform.notifications import settings
from oa_platform.notifications.models import Notification
from oa_platform.notifications.service import is_relative_link, mark_read
from oa_platform.request_limits import requested_page
from oa_platform.runtime.inbox import PAGE_SIZE, Page


class NotificationsView(BaseView):
    """``/notifications/``: list, open, mark one read, mark all read."""

    route_base = "/notifications"
    default_view = "list"

    @expose("/")
    @has_access
    @permission_name("list")
    def list(self):
        number = requested_page()
        mine = Notification.user_id == g.user.id
        total = db.session.scalar(select(func.count(Notification.id)).where(mine))
        items = db.session.scalars(
            select(Notification)
            .where(mine)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(PAGE_SIZE)
            .offset((number - 1) * PAGE_SIZE)
        )
        return self.render_template(
            "notifications/list.html",
            page=Page(list(items), total, number),
            form=ConfirmForm(),
        )

    @expose("/<int:notification_id>/open")
    @has_access
    @permission_name("list")
    def open(self, notification_id: int):
        notification = self._own(notification_id)
        mark_read(db.session, g.user.id, [notification.id])
        # Links are checked when stored; checked again so a bad row cannot send anyone away.
        if not is_relative_link(notification.link):
            return redirect(url_for(".list"))
        return redirect(notification.link)

    @expose("/<int:notification_id>/read", methods=["POST"])
    @has_access
    @permission_name("read")
    def read(self, notification_id: int):
        if not ConfirmForm().validate_on_submit():
            abort(400)
        mark_read(db.session, g.user.id, [self._own(notification_id).id])
        return redirect(url_for(".list", page=request.args.get("page", type=int)))

    @expose("/read-all", methods=["POST"])
    @has_access
    @permission_name("read")
    def read_all(self):
        if not ConfirmForm().validate_on_submit():
            abort(400)
        mark_read(db.session, g.user.id)
        return redirect(url_for(".list"))

    @expose("/settings", methods=["GET", "POST"])
    @has_access
    @permission_name("list")
    def settings(self):
        """What the person wants mailed, and when: one mail each or a daily digest."""
        form = settings.form_for(db.session, g.user.id, request.form or None)
        if request.method == "POST":
            if not form.validate_on_submit():
                abort(400)
            hour = form.digest_hour.data
            settings.save_choice(
                db.session,
                g.user.id,
                form.email_kinds.data or [],
                None if hour == settings.AT_ONCE else int(hour),
            )
            flash(gettext("Your notification settings are saved."), "success")
            return redirect(url_for(".settings"))
        return self.render_template("notifications/settings.html", form=form)

    @staticmethod
    def _own(notification_id: int) -> Notification:
        notification = db.session.get(Notification, notification_id)
        if notification is None or notification.user_id != g.user.id:
            abort(404)
        return notification
