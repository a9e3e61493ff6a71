"""The notices' REST API (Flask-AppBuilder ``BaseApi``, JWT log-in, in the OpenAPI spec):
what a mobile client needs to read notices: my live notices with unread marks, one notice
(opening it counts as read). The same commands and policy as the pages: a notice the caller
may not open is 404 whether or not it exists."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from oa_platform.documents.distribution import today
from oa_platform.extensions import db
from oa_platform.notices import commands, policy, queries
from oa_platform.notices.models import Notice
from oa_platform.notices.policy import NoticeNotFoundError
from oa_platform.outages import UnavailableApi
from oa_platform.runtime.api import ProcessApi
from plugins.sanitize import clean_html


def _time(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def _notice(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "kind": notice.kind,
        "title": notice.title,
        "unit": notice.unit_name,
        "author": notice.author.username,
        "pinned": notice.pinned,
        "major": notice.major,
        "published_at": _time(notice.published_at),
        "expires_on": notice.expires_on.isoformat() if notice.expires_on else None,
        "status": notice.status,
        "attachments": [
            {"id": entry.get("id"), "name": entry.get("name")} for entry in notice.attachments
        ],
    }


class NoticeApi(UnavailableApi, BaseApi):
    """Notices and briefings for the signed-in user (regulations §5.1)."""

    resource_name = "notices"
    openapi_spec_tag = "Notices"
    allow_browser_login = True
    check_csrf = ProcessApi.check_csrf

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def mine(self):
        """Live notices whose audience reaches me: pinned first, then newest.
        ---
        get:
          summary: List my notices
          parameters:
          - {in: query, name: page, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: The notices, each with whether I have read it
            401:
              $ref: '#/components/responses/401'
        """
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), 1000)
        rows = queries.for_reader(
            db.session, g.user, today(), limit=queries.PAGE, offset=(page - 1) * queries.PAGE
        )
        return self.response(
            200, result=[{**_notice(row.notice), "read": row.read} for row in rows]
        )

    @expose("/<int:notice_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def get(self, notice_id: int):
        """One notice with its sanitized text; my opening is recorded (read).
        ---
        get:
          summary: Get a notice
          parameters:
          - {in: path, name: notice_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The notice, its text as sanitized HTML, its attachments
            404:
              description: No such notice, or not for the caller
        """
        try:
            notice = commands.open_notice(db.session, g.user, notice_id)
        except NoticeNotFoundError:
            return self.response_404()
        result = {**_notice(notice), "body": clean_html(notice.body)}
        if policy.may_see_reads(db.session, g.user, notice):
            result["read_count"] = notice.read_count
            result["audience"] = notice.audience
            result["withdraw_reason"] = notice.withdraw_reason
        return self.response(200, result=result)
