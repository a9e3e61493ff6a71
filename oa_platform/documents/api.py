"""The documents' REST API (Flask-AppBuilder ``BaseApi``, JWT log-in, in the OpenAPI spec):
list mine, get one, acknowledge, the receipt board, urge. The same commands and policy as the
pages: a document the caller may not open is 404 whether or not it exists."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext

from oa_platform.documents import commands, policy, queries, receipts
from oa_platform.documents.distribution import today
from oa_platform.documents.models import Document
from oa_platform.documents.policy import DocumentNotFoundError
from oa_platform.extensions import db
from oa_platform.outages import UnavailableApi
from oa_platform.request_limits import MAX_PAGE
from oa_platform.runtime.api import ProcessApi

MAX_PAGE_SIZE = 100


def _time(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def _document(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "number": document.number,
        "title": document.title,
        "kind": document.kind,
        "issuing_unit": document.issuing_unit,
        "urgency": document.urgency,
        "security_level": document.security_level,
        "issue_date": document.issue_date.isoformat(),
        "status": document.status,
        "content_sha256": document.content_sha256,
        "revision_of": document.revision_of_id,
        "main_recipients": document.main_recipients,
        "copy_recipients": document.copy_recipients,
        "attachments": [
            {"id": entry.get("id"), "name": entry.get("name")} for entry in document.attachments
        ],
    }


def _whole_number(name: str, least: int, most: int, default: int) -> int:
    """The query parameter ``name`` as a whole number from ``least`` to ``most``
    (``default`` when absent); ValueError naming it otherwise. Out of range is refused, not
    clamped: a client asking for 1000 a page must learn it gets fewer."""
    text = request.args.get(name)
    if text is None:
        return default
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= 9 and least <= int(text) <= most:
        return int(text)
    raise ValueError(
        gettext(
            "%(name)s: give a whole number from %(least)s to %(most)s.",
            name=name,
            least=least,
            most=most,
        )
    )


class DocumentApi(UnavailableApi, BaseApi):
    """Official documents for the signed-in user (seed 2 §4.4, §4.5)."""

    resource_name = "documents"
    openapi_spec_tag = "Documents"
    allow_browser_login = True
    # The same CSRF rule as the process API: a JWT client is not forgeable, a page's script
    # sends the token.
    check_csrf = ProcessApi.check_csrf

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def mine(self):
        """Documents sent to me (or to whom I act for), unacknowledged and urgent first,
        a page at a time.
        ---
        get:
          summary: List my received documents
          parameters:
          - in: query
            name: page
            description: Which page, from 1
            schema: {type: integer, minimum: 1, maximum: 1000000, default: 1}
          - in: query
            name: page_size
            description: How many documents a page holds
            schema: {type: integer, minimum: 1, maximum: 100, default: 50}
          responses:
            200:
              description: One page of the documents with my receipt, and how many there are
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items: {type: object}
                      count:
                        type: integer
                        description: How many documents there are on every page together
                      page: {type: integer}
                      page_size: {type: integer}
            400:
              description: page or page_size is not a whole number in its range
            401:
              $ref: '#/components/responses/401'
        """
        try:
            page = _whole_number("page", 1, MAX_PAGE, 1)
            size = _whole_number("page_size", 1, MAX_PAGE_SIZE, queries.PAGE)
        except ValueError as error:
            return self.response_400(message=str(error))
        rows, total = queries.received(
            db.session, g.user, today(), offset=(page - 1) * size, limit=size
        )
        return self.response(
            200,
            result=[
                {
                    **_document(row.document),
                    "copy": row.copy,
                    "opened_at": _time(row.first_opened_at),
                    "acknowledged_at": _time(row.acknowledged_at),
                    "for": row.principal,
                }
                for row in rows
            ],
            count=total,
            page=page,
            page_size=size,
        )

    @expose("/<int:document_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def get(self, document_id: int):
        """One document; a recipient's opening is recorded.
        ---
        get:
          summary: Get a document
          parameters:
          - {in: path, name: document_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The header, body and attachments
            404:
              description: No such document, or not for the caller
        """
        try:
            document = commands.open_document(db.session, g.user, document_id)
        except DocumentNotFoundError:
            return self.response_404()
        return self.response(200, result={**_document(document), "body": document.body})

    @expose("/<int:document_id>/acknowledge", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def acknowledge(self, document_id: int):
        """签收, by the recipient or their agent for documents.
        ---
        post:
          summary: Acknowledge a document
          parameters:
          - {in: path, name: document_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: Acknowledged (when, by whom)
            403:
              description: The caller received no copy
            404:
              description: No such document, or not for the caller
        """
        try:
            copy = commands.acknowledge(db.session, g.user, document_id)
        except DocumentNotFoundError:
            return self.response_404()
        except commands.DocumentCommandError as error:
            return self.response(403, message=str(error))
        return self.response(
            200,
            result={
                "acknowledged_at": _time(copy.acknowledged_at),
                "acknowledged_by": g.user.username,
                "for": copy.user.username,
            },
        )

    @expose("/<int:document_id>/board", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def board(self, document_id: int):
        """The receipt board: the issuing side and Auditors.
        ---
        get:
          summary: Receipt board of a document
          parameters:
          - {in: path, name: document_id, required: true, schema: {type: integer}}
          - {in: query, name: page, schema: {type: integer, minimum: 1}}
          responses:
            200:
              description: Counts by unit and the recipients, unopened first
            404:
              description: No such document, or not the caller's to watch
        """
        try:
            document = policy.openable(db.session, g.user, document_id, today())
        except DocumentNotFoundError:
            return self.response_404()
        if not policy.may_see_board(db.session, g.user, document):
            return self.response_404()
        page = min(max(request.args.get("page", 1, type=int) or 1, 1), 1000)
        found = receipts.board(db.session, document, page - 1)
        return self.response(
            200,
            result={
                "total": found.total,
                "unopened": found.unopened,
                "acknowledged": found.acknowledged,
                "units": [vars(unit) for unit in found.units],
                "recipients": [
                    {
                        "username": row.username,
                        "unit": row.unit,
                        "copy": row.copy,
                        "delivered_at": _time(row.delivered_at),
                        "first_opened_at": _time(row.first_opened_at),
                        "last_opened_at": _time(row.last_opened_at),
                        "acknowledged_at": _time(row.acknowledged_at),
                        "acknowledged_by_agent": row.acknowledged_by,
                        "urged": row.urged_count,
                    }
                    for row in found.rows
                ],
            },
        )

    @expose("/<int:document_id>/urge", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def urge(self, document_id: int):
        """Urge the unopened recipients (rate-limited).
        ---
        post:
          summary: Urge a document's unopened recipients
          parameters:
          - {in: path, name: document_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: How many were urged
            404:
              description: No such document, or not for the caller
            409:
              description: Not the caller's to urge, or urged too recently
        """
        try:
            urging = commands.urge(db.session, g.user, document_id)
        except DocumentNotFoundError:
            return self.response_404()
        except commands.DocumentCommandError as error:
            return self.response(409, message=str(error))
        return self.response(200, result={"urged": urging.recipients, "at": _time(urging.at)})
