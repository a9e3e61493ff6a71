"""The tickets' REST API (Flask-AppBuilder ``BaseApi``, JWT, in the OpenAPI spec): the
tickets the caller may read and appealing one. The same policy and commands as the pages."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from oa_platform.extensions import db
from oa_platform.inspection import commands, policy, queries
from oa_platform.inspection.models import Ticket
from oa_platform.outages import UnavailableApi
from oa_platform.runtime.api import ProcessApi


def _ticket(ticket: Ticket) -> dict:
    return {
        "id": ticket.id,
        "colour": ticket.colour,
        "person": ticket.person.username,
        "quarter": ticket.quarter,
        "reason": ticket.reason,
        "points": ticket.points,
        "status": ticket.status,
        "instance_id": ticket.instance_id,
        "appealed": ticket.appealed_at is not None,
        "appeal_decision": ticket.appeal_decision,
    }


class InspectionApi(UnavailableApi, BaseApi):
    """Red and white tickets (§8.7) for the signed-in user."""

    resource_name = "tickets"
    openapi_spec_tag = "Tickets"
    allow_browser_login = True
    check_csrf = ProcessApi.check_csrf

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def mine(self):
        """The tickets the caller may read (their own; a unit head their unit's; IT and
        Auditors all).
        ---
        get:
          summary: List tickets
          responses:
            200:
              description: The tickets
            401:
              $ref: '#/components/responses/401'
        """
        return self.response(200, result=[_ticket(t) for t in queries.tickets(db.session, g.user)])

    @expose("/<int:ticket_id>/appeal", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def appeal(self, ticket_id: int):
        """Appeal one's own issued ticket, once; the leader in charge decides.
        ---
        post:
          summary: Appeal a ticket
          parameters:
          - {in: path, name: ticket_id, required: true, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {text: {type: string}}}
          responses:
            200:
              description: Appealed
            400:
              description: Refused (names why)
            404:
              description: No such ticket, or not for the caller
        """
        body = request.get_json(silent=True) or {}
        text = body.get("text") if isinstance(body, dict) else None
        try:
            found = commands.appeal(db.session, g.user, ticket_id, str(text or ""))
        except policy.InspectionNotFoundError:
            return self.response_404()
        except commands.InspectionCommandError as error:
            return self.response(400, message=str(error))
        return self.response(200, result=_ticket(found))
