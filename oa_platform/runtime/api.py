"""The runtime's REST API (Flask-AppBuilder ``BaseApi``, JWT log-in, in FAB's OpenAPI spec).

Every endpoint calls the same :class:`~oa_platform.runtime.commands.Runtime` commands and
visibility checks as the pages: one code path. Errors answer with the command's status and
message; an instance the caller may not see is 404 whether or not it exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from flask import Response, g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.hooks import before_request
from flask_appbuilder.security.decorators import permission_name
from flask_jwt_extended import verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_wtf.csrf import CSRFError
from jwt import PyJWTError
from sqlalchemy import Integer, Select, bindparam, inspect, select
from sqlalchemy.orm import aliased, joinedload, selectinload
from werkzeug.datastructures import MultiDict

from form_builder.models import DefinitionVersion, ProcessDefinition, VersionStatus
from form_builder.post_data import PostDataError, to_formdata
from form_builder.services import process_spec, published_node_names, shown_document
from oa_platform.accounts.models import OAUser
from oa_platform.csrf import EXPIRED, csrf
from oa_platform.extensions import db
from oa_platform.idempotency import IdempotencyKeys, idempotent
from oa_platform.outages import UnavailableApi
from oa_platform.runtime import approval_sheet, policy
from oa_platform.runtime.api_bodies import (
    SCHEMAS,
    ActionBody,
    AnswerBody,
    BodyError,
    OpinionBody,
    QuestionBody,
    StartBody,
    read_body,
)
from oa_platform.runtime.commands import ActionRequest
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.exceptions import InvalidSubmissionError, RuntimeCommandError
from oa_platform.runtime.models import AuditEntry, Instance, Question, Task
from oa_platform.runtime.policy import readable_detail, readable_fields, readable_values
from oa_platform.runtime.services import runtime
from oa_platform.runtime.visibility import visible_instance
from plugins.registry import node_types

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000  # far past any inbox; bigger numbers overflow the database's integers
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ProcessApi(UnavailableApi, IdempotencyKeys, BaseApi):
    """Definitions, instances, tasks, questions and audit trails for the signed-in user."""

    resource_name = "process"
    openapi_spec_tag = "Processes"
    allow_browser_login = True
    openapi_spec_component_schemas = SCHEMAS

    @before_request
    def check_csrf(self):
        """A page's script signed in by its session cookie sends the CSRF token in
        ``X-CSRFToken``, as every form does; a client with a JWT in ``Authorization`` cannot
        be forged cross-site (a browser never adds that header to another site's request),
        so its request counts as checked. FAB exempts API blueprints from Flask-WTF's
        check; without this, a signed-in browser could be made to act by any site."""
        if request.method not in UNSAFE_METHODS:
            return None
        if request.headers.get("Authorization", "").startswith("Bearer "):
            try:  # a token that does not verify vouches for nothing, cookie or not
                verify_jwt_in_request()
            except (JWTExtendedException, PyJWTError):
                return self.response_401()
            g.csrf_valid = True  # Flask-WTF's own mark: the forms the command binds skip it
            return None
        if not g.user or not g.user.is_authenticated:
            return None  # protect() answers 401
        try:
            csrf.protect()
        except CSRFError:
            return self.response(400, message=EXPIRED)
        return None

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
                    # Labels, help and options in the asked language (Accept-Language).
                    "fields": shown_document(version)["fields"],
                }
            )
        return self.response(200, result=result)

    @expose("/instances", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    @idempotent
    def start(self):
        """Start an instance, or save it as a draft.
        ---
        post:
          summary: Start an instance with its form data
          description: >-
            JSON, or multipart/form-data with the same JSON in a ``payload`` part and the
            files of each attachments field in parts named by the field's key.
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/StartBody'}
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    payload: {type: string, description: the StartBody as JSON}
                  additionalProperties: {type: string, format: binary}
          responses:
            201:
              description: The instance
            400:
              description: The body is not a StartBody (the message names the field)
            404:
              description: No such definition open for new instances
            422:
              description: The form has problems (errors by field)
        """
        try:
            body, files = read_body(request, StartBody)
        except BodyError as error:
            return self.response(400, **_error(error))

        def command(rt):
            fields = shown_document(rt.version_for_start(body["definition"]))["fields"]
            formdata = _formdata(fields, body["data"])
            start = rt.save_draft if body["draft"] else rt.submit
            return start(g.user, body["definition"], formdata, _uploads(files))

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
              description: >-
                The entries with their hashes; the field diffs of fields hidden from the
                caller are left out (``detail.redacted``)
            404:
              description: No such instance, or not visible to the caller
        """
        try:
            instance = visible_instance(db.session, g.user, instance_id)
        except RuntimeCommandError as error:
            return self.response(error.status, message=error.message)
        access = readable_fields(instance, g.user)
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.instance_id == instance.id).order_by(AuditEntry.seq)
        )
        return self.response(200, result=[_entry(e, access) for e in entries])

    @expose("/instances/<int:instance_id>/sheet.pdf", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def sheet_pdf(self, instance_id: int):
        """An instance's approval sheet (审批单) as a PDF: the fields the caller may read, the
        opinions and the trace, in the caller's language and the company's time zone.
        ---
        get:
          summary: Get an instance's approval sheet as a PDF
          parameters:
          - {in: path, name: instance_id, required: true, schema: {type: integer}}
          - in: query
            name: capitals
            required: false
            description: 0 leaves out the amounts in Chinese capitals (大写金额)
            schema: {type: integer, enum: [0, 1], default: 1}
          responses:
            200:
              description: The approval sheet
              content:
                application/pdf:
                  schema: {type: string, format: binary}
            404:
              description: No such instance, or not visible to the caller
        """
        try:
            instance = visible_instance(db.session, g.user, instance_id)
        except RuntimeCommandError as error:
            return self.response(error.status, message=error.message)
        # The page's own gathering (opinions, trace), so the two print the same sheet.
        from oa_platform.runtime.views import approval_sheet_for

        capitals = request.args.get("capitals", "1") != "0"
        sheet = approval_sheet_for(instance, g.user, capitals=capitals)
        return Response(
            approval_sheet.sheet_pdf(sheet),
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="approval-sheet-{sheet.serial}.pdf"'
            },
        )

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
          - {in: query, name: page, schema: {type: integer, minimum: 1, maximum: 1000000}}
          - {in: query, name: page_size, schema: {type: integer, minimum: 1, maximum: 100}}
          responses:
            200:
              description: The tasks, open ones by due time
        """
        page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
        size = min(max(request.args.get("page_size", PAGE_SIZE, type=int), 1), MAX_PAGE_SIZE)
        definition = request.args.get("definition")
        params = {
            "user_id": g.user.id,
            "statuses": request.args.getlist("status") or ["open", "held"],
            "definition": definition,
            "offset": (page - 1) * size,
            "limit": size + 1,
        }
        rows = db.session.execute(_task_list(bool(definition)), params).all()
        names = published_node_names(db.session, {row.definition_version_id for row in rows})
        return self.response(
            200,
            result=[
                _task_values(
                    row,
                    names[row.definition_version_id],
                    row.assignee,
                    row.principal,
                    row.transferred_from,
                )
                for row in rows[:size]
            ],
            page=page,
            page_size=size,
            more=len(rows) > size,
        )

    @expose("/tasks/<int:task_id>/actions", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    @idempotent
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
                schema: {$ref: '#/components/schemas/ActionBody'}
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    payload: {type: string, description: the ActionBody as JSON}
                  additionalProperties: {type: string, format: binary}
          responses:
            200:
              description: The instance after the action
            400:
              description: The body is not an ActionBody (the message names the field)
            409:
              description: Already handled by someone else
            422:
              description: Opinion missing, action not offered, or form problems
        """
        try:
            body, files = read_body(request, ActionBody)
        except BodyError as error:
            return self.response(400, **_error(error))

        def command(rt):
            action_request = ActionRequest(
                action=body["action"],
                opinion=body["opinion"] or "",
                formdata=_task_formdata(task_id, body["data"]) if "data" in body else None,
                files=_uploads(files),
                target=body.get("target"),
                resubmit_to_me=body["resubmit_to_me"],
                users=tuple(body["users"]),
                position=body["position"],
                task_ids=tuple(body["task_ids"]),
            )
            return rt.act(g.user, task_id, action_request)

        return self._run(command)

    @expose(
        "/instances/<int:instance_id>/<any(revoke, urge, reinitiate):command>", methods=["POST"]
    )
    @protect()
    @safe
    @permission_name("write")
    @idempotent
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
                schema: {$ref: '#/components/schemas/OpinionBody'}
          responses:
            200:
              description: The instance (for re-initiate, the new draft)
            400:
              description: The body is not an OpinionBody
        """
        try:
            text = read_body(request, OpinionBody)[0]["opinion"] or ""
        except BodyError as error:
            return self.response(400, **_error(error))
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
    @idempotent
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
                schema: {$ref: '#/components/schemas/QuestionBody'}
          responses:
            201:
              description: The question
            400:
              description: The body is not a QuestionBody
        """
        try:
            body = read_body(request, QuestionBody)[0]
        except BodyError as error:
            return self.response(400, **_error(error))
        return self._question(lambda rt: rt.ask(g.user, instance_id, body["to"], body["text"]), 201)

    @expose("/questions/<int:question_id>/answer", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    @idempotent
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
                schema: {$ref: '#/components/schemas/AnswerBody'}
          responses:
            200:
              description: The question with its answer
            400:
              description: The body is not an AnswerBody
        """
        try:
            text = read_body(request, AnswerBody)[0]["text"]
        except BodyError as error:
            return self.response(400, **_error(error))
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


def _task_formdata(task_id: int, data: dict[str, Any]) -> MultiDict:
    """``data`` as the form post of the task's definition (no fields if there is no task:
    the command then answers 404)."""
    task = db.session.get(Task, task_id)
    # Labels in the asked language: the body's problems name fields by them.
    fields = shown_document(task.instance.definition_version)["fields"] if task else []
    return _formdata(fields, data)


def _formdata(fields: list[dict[str, Any]], data: dict[str, Any]) -> MultiDict:
    """The post a browser would send for ``data``; values of the wrong shape are the form's
    problems (422, by field), like any other."""
    try:
        return to_formdata(fields, data)
    except PostDataError as error:
        raise InvalidSubmissionError(error.errors) from None


def _uploads(files: MultiDict) -> MultiDict | None:
    """Uploaded parts named by an attachments field's key, under the name the page's file
    input has (``<key>-files``): the same checks as the page apply to them."""
    if not files:
        return None
    return MultiDict((f"{name}-files", file) for name, file in files.items(multi=True))


def _error(error: RuntimeCommandError | BodyError) -> dict[str, Any]:
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
    identity = {"instance_id": inspect(instance).identity[0]}
    return db.session.scalars(_response_statement(), identity).one()


@cache
def _response_statement() -> Select:
    """Built once: building it with its loader options cost as much as running it."""
    return (
        select(Instance)
        .where(Instance.id == bindparam("instance_id"))
        .options(*_RESPONSE_LOADS)
        .execution_options(populate_existing=True)
    )


def _instance(instance: Instance) -> dict[str, Any]:
    version: DefinitionVersion = instance.definition_version
    nodes = process_spec(version).names
    mine = policy.actionable_tasks(instance, g.user)
    engine = Engine(db.session, node_types(), instance, g.user.id) if mine else None
    offered = {t.id: [str(a) for a in policy.offered_actions(engine, t)] for t in mine}
    questions = db.session.scalars(
        select(Question).where(Question.instance_id == instance.id).order_by(Question.id)
    )
    return {
        "id": instance.id,
        "title": instance.shown_title,
        "definition": instance.definition.key,
        "version": version.number,
        "status": str(instance.status),
        "initiator": instance.initiator.username,
        "values": readable_values(instance, g.user),
        "created_at": _time(instance.created_at),
        "submitted_at": _time(instance.submitted_at),
        "finished_at": _time(instance.finished_at),
        # The caller's own tasks carry the actions they may take now, as the page's buttons.
        "tasks": [_task(task, nodes) | _actions(offered, task) for task in instance.tasks],
        "questions": [_question(q) for q in questions],
    }


def _actions(offered: dict[int, list[str]], task: Task) -> dict[str, list[str]]:
    return {"actions": offered[task.id]} if task.id in offered else {}


def _task(task: Task, nodes: Mapping[str, str] | None = None) -> dict[str, Any]:
    if nodes is None:
        nodes = process_spec(task.instance.definition_version).names
    return _task_values(
        task,
        nodes,
        task.assignee.username,
        task.principal.username if task.principal else None,
        task.transferred_from.username if task.transferred_from else None,
    )


def _task_values(
    task: Any,
    nodes: Mapping[str, str],
    assignee: str,
    on_behalf_of: str | None,
    transferred_from: str | None,
) -> dict[str, Any]:
    """A task's JSON from a ``Task`` or a row of :func:`_task_list` (same attribute names)
    and the user names it shows."""
    return {
        "id": task.id,
        "instance": task.instance_id,
        "node": task.node_id,
        "node_name": nodes.get(task.node_id, task.node_id),
        "assignee": assignee,
        "on_behalf_of": on_behalf_of,  # agency, §3.4
        "transferred_from": transferred_from,
        "status": str(task.status),
        "blocking": task.blocking,
        "role": task.role,
        "action": task.action,
        "opinion": task.opinion,
        "created_at": _time(task.created_at),
        "due_at": _time(task.due_at),
        "completed_at": _time(task.completed_at),
    }


@cache
def _task_list(by_definition: bool) -> Select:
    """One page of the caller's tasks (``GET /tasks``) as plain rows with the user names
    they show, built once per filter shape: loading tasks as objects with their instance,
    version and three users one by one cost 13 ms a page (docs/performance.md)."""
    assignee, principal, transferred = aliased(OAUser), aliased(OAUser), aliased(OAUser)
    query = (
        select(
            Task.id,
            Task.instance_id,
            Task.node_id,
            Task.status,
            Task.blocking,
            Task.role,
            Task.action,
            Task.opinion,
            Task.created_at,
            Task.due_at,
            Task.completed_at,
            Instance.definition_version_id,
            assignee.username.label("assignee"),
            principal.username.label("principal"),
            transferred.username.label("transferred_from"),
        )
        .join(Instance, Instance.id == Task.instance_id)
        .join(assignee, assignee.id == Task.assignee_id)
        .outerjoin(principal, principal.id == Task.principal_id)
        .outerjoin(transferred, transferred.id == Task.transferred_from_id)
        .where(
            Task.assignee_id == bindparam("user_id"),
            Task.status.in_(bindparam("statuses", expanding=True)),
        )
    )
    if by_definition:
        query = query.join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id).where(
            ProcessDefinition.key == bindparam("definition")
        )
    return (
        query.order_by(Task.due_at.is_(None), Task.due_at, Task.id)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


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


def _entry(entry: AuditEntry, access: dict[str, str]) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": _time(entry.at),
        "event": entry.event,
        "actor": entry.actor.username if entry.actor else None,
        "on_behalf_of": entry.on_behalf_of.username if entry.on_behalf_of else None,
        "node": entry.node_id,
        "task": entry.task_id,
        "detail": readable_detail(entry, access),
        "hash": entry.hash,
    }
