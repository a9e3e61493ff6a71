"""The runtime's REST API (Flask-AppBuilder ``BaseApi``, JWT log-in, in FAB's OpenAPI spec).

Every endpoint calls the same :class:`~oa_platform.runtime.commands.Runtime` commands and
visibility checks as the pages: one code path. Errors answer with the command's status and
message; an instance the caller may not see is 404 whether or not it exists.
"""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload, selectinload

from form_builder.chain import node_names
from form_builder.models import DefinitionVersion, ProcessDefinition, VersionStatus
from form_builder.post_data import to_formdata
from oa_platform.extensions import db
from oa_platform.runtime.commands import ActionRequest
from oa_platform.runtime.exceptions import RuntimeCommandError
from oa_platform.runtime.models import AuditEntry, Instance, Question, Task
from oa_platform.runtime.services import runtime
from oa_platform.runtime.visibility import readable_values, visible_instance

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class ProcessApi(BaseApi):
    """Definitions, instances, tasks, questions and audit trails for the signed-in user."""

    resource_name = "process"
    openapi_spec_tag = "Processes"
    allow_browser_login = True

    @expose("/definitions", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def definitions(self):
        """Published definitions open for new instances.
        ---
        get:
          summary: List published definitions
          responses:
            200:
              description: The definitions, by category and name
            401:
              $ref: '#/components/responses/401'
        """
        query = (
            select(ProcessDefinition)
            .where(ProcessDefinition.withdrawn_at.is_(None))
            .where(ProcessDefinition.versions.any(status=VersionStatus.PUBLISHED))
            .order_by(ProcessDefinition.category, ProcessDefinition.name)
        )
        result = []
        for definition in db.session.scalars(query):
            version = definition.latest_published()
            result.append(
                {
                    "key": definition.key,
                    "name": definition.name,
                    "category": definition.category,
                    "version": version.number,
                    "fields": version.document["fields"],
                }
            )
        return self.response(200, result=result)

    @expose("/instances", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def start(self):
        """Start an instance, or save it as a draft.
        ---
        post:
          summary: Start an instance with its form data
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [definition]
                  properties:
                    definition: {type: string, description: the definition's key}
                    data: {type: object, description: field key -> value (stored form)}
                    draft: {type: boolean, description: save as a draft instead of submitting}
          responses:
            201:
              description: The instance
            422:
              description: The form has problems (errors by field)
        """
        body = request.get_json(silent=True) or {}
        key = body.get("definition")
        if not isinstance(key, str):
            return self.response(400, message="'definition' (the definition's key) is required.")

        def command(rt):
            version = rt._lifecycle().version_for_new_instance(key)
            formdata = to_formdata(version.document["fields"], _data(body))
            if body.get("draft"):
                return rt.save_draft(g.user, key, formdata)
            return rt.submit(g.user, key, formdata)

        return self._run(command, created=True)

    @expose("/instances/<int:instance_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def get_instance(self, instance_id: int):
        """One instance (the view is audited).
        ---
        get:
          summary: Get an instance
          parameters:
          - {in: path, name: instance_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The instance with its tasks and questions
            404:
              description: No such instance, or not visible to the caller
        """
        return self._run(lambda rt: rt.view(g.user, instance_id))

    @expose("/instances/<int:instance_id>/audit", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def audit_trail(self, instance_id: int):
        """An instance's audit trail, oldest first.
        ---
        get:
          summary: Get an instance's audit trail
          parameters:
          - {in: path, name: instance_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The entries with their hashes
            404:
              description: No such instance, or not visible to the caller
        """
        try:
            instance = visible_instance(db.session, g.user, instance_id)
        except RuntimeCommandError as error:
            return self.response(error.status, message=error.message)
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.instance_id == instance.id).order_by(AuditEntry.seq)
        )
        return self.response(200, result=[_entry(e) for e in entries])

    @expose("/tasks", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def tasks(self):
        """My tasks, filtered and paged.
        ---
        get:
          summary: List my tasks
          parameters:
          - in: query
            name: status
            schema: {type: string, enum: [open, held, waiting, done, cancelled]}
          - {in: query, name: definition, schema: {type: string}}
          - {in: query, name: page, schema: {type: integer, minimum: 1}}
          - {in: query, name: page_size, schema: {type: integer, minimum: 1, maximum: 100}}
          responses:
            200:
              description: The tasks, open ones by due time
        """
        page = max(request.args.get("page", 1, type=int), 1)
        size = min(max(request.args.get("page_size", PAGE_SIZE, type=int), 1), MAX_PAGE_SIZE)
        query = select(Task).where(Task.assignee_id == g.user.id)
        statuses = request.args.getlist("status") or ["open", "held"]
        query = query.where(Task.status.in_(statuses))
        if request.args.get("definition"):
            query = (
                query.join(Instance)
                .join(ProcessDefinition)
                .where(ProcessDefinition.key == request.args["definition"])
            )
        query = query.order_by(Task.due_at.is_(None), Task.due_at, Task.id)
        rows = db.session.scalars(query.offset((page - 1) * size).limit(size + 1)).all()
        return self.response(
            200,
            result=[_task(t) for t in rows[:size]],
            page=page,
            page_size=size,
            more=len(rows) > size,
        )

    @expose("/tasks/<int:task_id>/actions", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def act(self, task_id: int):
        """Act on one of my tasks (regulations §3.5).
        ---
        post:
          summary: Act on a task
          parameters:
          - {in: path, name: task_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [action]
                  properties:
                    action:
                      type: string
                      enum: [submit, agree, read, disagree, rollback, terminate,
                             add_signature, reduce_signature, modify_text, failed_review,
                             hold, draft, transfer]
                    opinion: {type: string}
                    data: {type: object, description: edits of the fields the node may edit}
                    target:
                      type: string
                      description: "rollback: previous, initiator or a node id"
                    resubmit_to_me: {type: boolean}
                    users: {type: array, items: {type: string}}
                    position: {type: string, enum: [before, after, parallel]}
                    task_ids: {type: array, items: {type: integer}}
          responses:
            200:
              description: The instance after the action
            409:
              description: Already handled by someone else
            422:
              description: Opinion missing, action not offered, or form problems
        """
        body = request.get_json(silent=True) or {}
        action_request = ActionRequest(
            action=str(body.get("action", "")),
            opinion=str(body.get("opinion") or ""),
            formdata=_task_formdata(task_id, _data(body)) if "data" in body else None,
            target=body.get("target"),
            resubmit_to_me=bool(body.get("resubmit_to_me")),
            users=tuple(str(u) for u in body.get("users") or ()),
            position=str(body.get("position") or "parallel"),
            task_ids=tuple(int(t) for t in body.get("task_ids") or () if str(t).isdigit()),
        )
        return self._run(lambda rt: rt.act(g.user, task_id, action_request))

    @expose(
        "/instances/<int:instance_id>/<any(revoke, urge, reinitiate):command>", methods=["POST"]
    )
    @protect()
    @safe
    @permission_name("write")
    def initiator_command(self, instance_id: int, command: str):
        """The initiator's commands: revoke, urge, or cancel and re-initiate.
        ---
        post:
          summary: Revoke, urge or re-initiate an instance
          parameters:
          - {in: path, name: instance_id, required: true, schema: {type: integer}}
          - in: path
            name: command
            required: true
            schema: {type: string, enum: [revoke, urge, reinitiate]}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    opinion: {type: string, description: the reason or message}
          responses:
            200:
              description: The instance (for re-initiate, the new draft)
        """
        text = str((request.get_json(silent=True) or {}).get("opinion") or "")
        if command == "urge":
            return self._run(
                lambda rt: (rt.urge(g.user, instance_id, text), rt.view(g.user, instance_id))[1]
            )
        method = {"revoke": "revoke", "reinitiate": "reinitiate"}[command]
        return self._run(lambda rt: getattr(rt, method)(g.user, instance_id, text))

    @expose("/instances/<int:instance_id>/questions", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def ask(self, instance_id: int):
        """Raise a question to the initiator or another participant (§3.3, §3.6).
        ---
        post:
          summary: Ask a question on an instance
          parameters:
          - {in: path, name: instance_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [to, text]
                  properties:
                    to: {type: string, description: user name}
                    text: {type: string}
          responses:
            201:
              description: The question
        """
        body = request.get_json(silent=True) or {}
        return self._question(
            lambda rt: rt.ask(
                g.user, instance_id, str(body.get("to", "")), str(body.get("text", ""))
            ),
            201,
        )

    @expose("/questions/<int:question_id>/answer", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def answer(self, question_id: int):
        """Answer a question asked of me.
        ---
        post:
          summary: Answer a question
          parameters:
          - {in: path, name: question_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [text]
                  properties:
                    text: {type: string}
          responses:
            200:
              description: The question with its answer
        """
        text = str((request.get_json(silent=True) or {}).get("text", ""))
        return self._question(lambda rt: rt.answer(g.user, question_id, text), 200)

    # Helpers ---------------------------------------------------------------------------

    def _run(self, command, created: bool = False):
        try:
            instance = command(runtime())
        except RuntimeCommandError as error:
            return self.response(error.status, **_error(error))
        return self.response(201 if created else 200, result=_instance(_for_response(instance)))

    def _question(self, command, status: int):
        try:
            question = command(runtime())
        except RuntimeCommandError as error:
            return self.response(error.status, **_error(error))
        return self.response(status, result=_question(question))


def _task_formdata(task_id: int, data: dict[str, Any]):
    """``data`` as the form post of the task's definition (no fields if there is no task:
    the command then answers 404)."""
    task = db.session.get(Task, task_id)
    fields = task.instance.definition_version.document["fields"] if task else []
    return to_formdata(fields, data)


def _data(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data")
    return data if isinstance(data, dict) else {}


def _error(error: RuntimeCommandError) -> dict[str, Any]:
    payload: dict[str, Any] = {"message": error.message}
    if getattr(error, "errors", None):
        payload["errors"] = error.errors
    return payload


def _time(value) -> str | None:
    return value.isoformat() + "Z" if value else None


# What an instance's JSON shows, loaded with it: after a command's commit every attribute
# would load on its own, each task's users one by one (half of an action's time).
_RESPONSE_LOADS = (
    joinedload(Instance.definition),
    joinedload(Instance.definition_version),
    joinedload(Instance.initiator),
    selectinload(Instance.tasks).options(joinedload(Task.assignee), joinedload(Task.principal)),
)


def _for_response(instance: Instance) -> Instance:
    """``instance`` again, with everything :func:`_instance` reads, in two statements."""
    statement = (
        select(Instance)
        .where(Instance.id == inspect(instance).identity[0])
        .options(*_RESPONSE_LOADS)
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(statement).one()


def _instance(instance: Instance) -> dict[str, Any]:
    version: DefinitionVersion = instance.definition_version
    nodes = node_names(version.document)
    questions = db.session.scalars(
        select(Question).where(Question.instance_id == instance.id).order_by(Question.id)
    )
    return {
        "id": instance.id,
        "title": instance.title,
        "definition": instance.definition.key,
        "version": version.number,
        "status": str(instance.status),
        "initiator": instance.initiator.username,
        "values": readable_values(instance, g.user),
        "created_at": _time(instance.created_at),
        "submitted_at": _time(instance.submitted_at),
        "finished_at": _time(instance.finished_at),
        "tasks": [_task(task, nodes) for task in instance.tasks],
        "questions": [_question(q) for q in questions],
    }


def _task(task: Task, nodes: dict[str, str] | None = None) -> dict[str, Any]:
    if nodes is None:
        nodes = node_names(task.instance.definition_version.document)
    return {
        "id": task.id,
        "instance": task.instance_id,
        "node": task.node_id,
        "node_name": nodes.get(task.node_id, task.node_id),
        "assignee": task.assignee.username,
        "on_behalf_of": task.principal.username if task.principal else None,  # agency, §3.4
        "transferred_from": task.transferred_from.username if task.transferred_from else None,
        "status": str(task.status),
        "blocking": task.blocking,
        "role": task.role,
        "action": task.action,
        "opinion": task.opinion,
        "created_at": _time(task.created_at),
        "due_at": _time(task.due_at),
        "completed_at": _time(task.completed_at),
    }


def _question(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "instance": question.instance_id,
        "asked_by": question.asked_by.username,
        "asked_to": question.asked_to.username,
        "text": question.text,
        "asked_at": _time(question.asked_at),
        "answer": question.answer,
        "answered_at": _time(question.answered_at),
    }


def _entry(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": _time(entry.at),
        "event": entry.event,
        "actor": entry.actor.username if entry.actor else None,
        "on_behalf_of": entry.on_behalf_of.username if entry.on_behalf_of else None,
        "node": entry.node_id,
        "task": entry.task_id,
        "detail": entry.detail,
        "hash": entry.hash,
    }
