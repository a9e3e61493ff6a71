"""The organisation changes' REST API (Flask-AppBuilder ``BaseApi``, JWT log-in, in the OpenAPI
spec): the change requests with their deadlines, the impact analysis, applying a request and
the bulk reassignment. The same commands and policy as the pages: readers are IT, the process
designers and Auditors; only IT applies and reassigns (regulations §2.1.2, §8.4)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name

from oa_platform.extensions import db
from oa_platform.orgchange import commands, impact, policy, queries
from oa_platform.orgchange.policy import OrgChangeNotFoundError
from oa_platform.outages import UnavailableApi
from oa_platform.runtime.api import ProcessApi


def _time(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def _names(text: str) -> frozenset[str]:
    parts = text[:1000].replace("，", ",").split(",")
    return frozenset(part.strip() for part in parts if part.strip())


def _report(report: impact.Impact) -> dict[str, Any]:
    return {
        "definitions": [
            {
                "key": hit.key,
                "version": hit.version,
                "where": hit.reasons,
                "unresolvable": hit.unresolvable,
                "fix": f"/designer/{hit.key}",
            }
            for hit in report.definitions
        ],
        "tasks": [
            {
                "task": hit.task_id,
                "instance": hit.instance_id,
                "definition": hit.definition_key,
                "node": hit.node_id,
                "handler": hit.assignee,
                "problem": hit.problem,
                "fix": f"/orgchange/reassign?person={hit.assignee}&task={hit.task_id}",
            }
            for hit in report.tasks
        ],
        "questions": [
            {"question": hit.question_id, "instance": hit.instance_id, "asked_to": hit.asked_to}
            for hit in report.questions
        ],
        "agents": [
            {
                "delegation": hit.delegation_id,
                "principal": hit.principal,
                "agent": hit.agent,
                "ends_on": hit.ends_on.isoformat(),
            }
            for hit in report.agents
        ],
        "stranded": [
            {
                "instance": hit.instance_id,
                "definition": hit.definition_key,
                "node": hit.node_id,
                "reason": hit.reason,
                "fix": f"/instances/{hit.instance_id}",
            }
            for hit in report.stranded
        ],
    }


class OrgChangeApi(UnavailableApi, BaseApi):
    """Organisation changes for IT (§2.1.2, §8.4)."""

    resource_name = "orgchange"
    openapi_spec_tag = "Organisation changes"
    allow_browser_login = True
    check_csrf = ProcessApi.check_csrf

    @expose("/requests", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def requests(self):
        """The change requests, newest first, with their §8.4 deadline.
        ---
        get:
          summary: List change requests
          responses:
            200:
              description: Each request's kind, confirmation, due time and whether it is overdue
            404:
              description: The caller does not read organisation changes
        """
        if not policy.may_read(g.user):
            return self.response_404()
        rows = queries.change_requests(db.session)
        return self.response(
            200,
            result=[
                {
                    "instance": row.instance_id,
                    "title": row.title,
                    "kind": row.kind,
                    "deadline": str(row.deadline) if row.deadline else None,
                    "filed_by": row.initiator,
                    "status": str(row.status),
                    "confirmed_at": _time(row.confirmed_at),
                    "due_at": _time(row.due_at),
                    "applied_at": _time(row.applied_at),
                    "overdue": row.overdue,
                }
                for row in rows
            ],
        )

    @expose("/impact", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def impact(self):
        """The impact analysis any time, of people, departments and positions.
        ---
        get:
          summary: Impact analysis
          parameters:
          - {in: query, name: people, schema: {type: string}, description: user names, comma-separated}
          - {in: query, name: departments, schema: {type: string}, description: COMPANY/CODE, comma-separated}
          - {in: query, name: positions, schema: {type: string}, description: position names, comma-separated}
          responses:
            200:
              description: Definitions, open tasks, questions, agents and stranded instances, each with where it is fixed
            404:
              description: The caller does not read organisation changes
        """  # noqa: E501
        if not policy.may_read(g.user):
            return self.response_404()
        people = _names(request.args.get("people", ""))
        subject = impact.Subject(
            people=people,
            departments=_names(request.args.get("departments", "")),
            positions=_names(request.args.get("positions", "")),
            holders=people,
        )
        return self.response(200, result=_report(impact.analyse(db.session, subject)))

    @expose("/requests/<int:instance_id>/apply", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def apply(self, instance_id: int):
        """Carry out a confirmed change request from its own data (IT only).
        ---
        post:
          summary: Apply a change request
          parameters:
          - {in: path, name: instance_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: What changed
            404:
              description: No such request, or the caller does not apply changes
            409:
              description: Refused; the message says why and nothing changed
        """
        try:
            record = commands.apply_change(db.session, g.user, instance_id)
        except OrgChangeNotFoundError:
            return self.response_404()
        except commands.OrgChangeCommandError as error:
            return self.response(409, message=str(error))
        return self.response(200, result={"kind": record.kind, "changes": record.changes})

    @expose("/reassign", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def reassign(self):
        """Move chosen open tasks to one person with a reason (IT only; §3.5, §8.6).
        ---
        post:
          summary: Reassign open tasks in bulk
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    tasks: {type: array, items: {type: integer}}
                    to: {type: string}
                    reason: {type: string}
          responses:
            200:
              description: The tasks moved
            400:
              description: The body is not an object with tasks, to and reason
            404:
              description: The caller does not reassign tasks
            409:
              description: Refused; the message says why and nothing changed
        """
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("tasks"), list):
            return self.response_400(message="tasks: give a list of task ids")
        try:
            ids = [int(task) for task in body["tasks"]]
        except (TypeError, ValueError):
            return self.response_400(message="tasks: give a list of task ids")
        try:
            batch = commands.bulk_reassign(
                db.session, g.user, ids, str(body.get("to") or ""), str(body.get("reason") or "")
            )
        except OrgChangeNotFoundError:
            return self.response_404()
        except commands.OrgChangeCommandError as error:
            return self.response(409, message=str(error))
        return self.response(200, result={"batch": batch.id, "moved": batch.moved})
