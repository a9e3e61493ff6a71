"""The discussion area's REST API for a mobile client (FAB ``BaseApi``, JWT log-in, in the
OpenAPI spec): boards, a board's posts, one post with its replies, post, reply, report, and a
department's unanswered posts. The same commands and policy as the pages: a board or post the
caller may not see is 404 whether or not it exists."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from marshmallow import fields, validate

from oa_platform.discussion import commands, policy, queries
from oa_platform.discussion.models import Post, Reply
from oa_platform.discussion.policy import DiscussionNotFoundError
from oa_platform.extensions import db
from oa_platform.outages import UnavailableApi
from oa_platform.runtime.api import ProcessApi
from oa_platform.runtime.api_bodies import BodyError, _Body, read_body


class PostBody(_Body):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    concerns = fields.String(
        load_default="group",
        metadata={"description": "department:<id>, group or branch:<company id>"},
    )


class ReplyBody(_Body):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    official = fields.Boolean(
        load_default=False, metadata={"description": "the answer owed by the person in charge"}
    )


class ReportBody(_Body):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    reply_id = fields.Integer(load_default=None, allow_none=True)


def _time(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def _post(post: Post) -> dict[str, Any]:
    return {
        "id": post.id,
        "board": post.board_id,
        "title": post.title,
        "body": post.body,
        "author": post.author.username,
        "concerns": post.concerns,
        "department": post.department_id,
        "handler": post.handler.username if post.handler else None,
        "status": post.status,
        "moderation_reason": post.moderation_reason,
        "created_at": _time(post.created_at),
        "due_at": _time(post.due_at),
        "answered_at": _time(post.answered_at),
    }


def _reply(reply: Reply) -> dict[str, Any]:
    return {
        "id": reply.id,
        "author": reply.author.username,
        "body": reply.body,
        "official": reply.official,
        "status": reply.status,
        "moderation_reason": reply.moderation_reason,
        "created_at": _time(reply.created_at),
    }


class DiscussionApi(UnavailableApi, BaseApi):
    """The discussion area (讨论区, §8.2, §8.3) for the signed-in user."""

    resource_name = "discussion"
    openapi_spec_tag = "Discussion"
    allow_browser_login = True
    openapi_spec_component_schemas = (PostBody, ReplyBody, ReportBody)
    check_csrf = ProcessApi.check_csrf

    def _run(self, command, status: int = 200):
        try:
            return self.response(status, result=command())
        except BodyError as error:
            return self.response(400, message=error.message, errors=error.errors)
        except DiscussionNotFoundError:
            return self.response_404()
        except commands.DiscussionCommandError as error:
            return self.response(422, message=str(error))

    @expose("/boards", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def boards(self):
        """The boards I may open.
        ---
        get:
          summary: List my discussion boards
          responses:
            200:
              description: Boards (id, kind, name)
            401:
              $ref: '#/components/responses/401'
        """
        commands.ensure_boards(db.session)
        return self.response(
            200,
            result=[
                {"id": b.id, "kind": b.kind, "name": queries.board_name(b)}
                for b in queries.boards(db.session, g.user)
            ],
        )

    @expose("/boards/<int:board_id>/posts", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def posts(self, board_id: int):
        """A board's posts, newest first.
        ---
        get:
          summary: List a board's posts
          parameters:
          - {in: path, name: board_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The posts I may see
            404:
              description: No such board, or not for the caller
        """

        def command():
            board = policy.board(db.session, g.user, board_id)
            return [_post(p) for p in queries.posts(db.session, g.user, board)]

        return self._run(command)

    @expose("/boards/<int:board_id>/posts", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def create_post(self, board_id: int):
        """Post on a board; a forbidden term holds it for review (status ``held``).
        ---
        post:
          summary: Post on a board
          parameters:
          - {in: path, name: board_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/PostBody'}
          responses:
            201:
              description: The post
            400:
              description: The body is not a PostBody (the message names the field)
            404:
              description: No such board, or not for the caller
            422:
              description: Refused (the message says why)
        """

        def command():
            body, _files = read_body(request, PostBody)
            post = commands.create_post(
                db.session, g.user, board_id, body["title"], body["body"], body["concerns"]
            )
            return _post(post)

        return self._run(command, status=201)

    @expose("/posts/<int:post_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def get_post(self, post_id: int):
        """One post with the replies I may see.
        ---
        get:
          summary: Get a post
          parameters:
          - {in: path, name: post_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The post and its replies
            404:
              description: No such post, or not for the caller
        """

        def command():
            post = policy.post(db.session, g.user, post_id)
            return {
                **_post(post),
                "replies": [_reply(r) for r in queries.replies(db.session, g.user, post)],
            }

        return self._run(command)

    @expose("/posts/<int:post_id>/replies", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def create_reply(self, post_id: int):
        """Reply to a post; ``official`` for the answer the person in charge owes.
        ---
        post:
          summary: Reply to a post
          parameters:
          - {in: path, name: post_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/ReplyBody'}
          responses:
            201:
              description: The reply (``pending`` while the leader decides)
            400:
              description: The body is not a ReplyBody
            404:
              description: No such post, or not for the caller
            422:
              description: Refused (the message says why)
        """

        def command():
            body, _files = read_body(request, ReplyBody)
            return _reply(
                commands.reply(db.session, g.user, post_id, body["body"], official=body["official"])
            )

        return self._run(command, status=201)

    @expose("/posts/<int:post_id>/report", methods=["POST"])
    @protect()
    @safe
    @permission_name("write")
    def report(self, post_id: int):
        """Report a post (or one of its replies) to the moderators with a reason.
        ---
        post:
          summary: Report a post or reply
          parameters:
          - {in: path, name: post_id, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/ReportBody'}
          responses:
            201:
              description: Reported
            400:
              description: The body is not a ReportBody
            404:
              description: No such post or reply, or not for the caller
        """

        def command():
            body, _files = read_body(request, ReportBody)
            found = commands.report(db.session, g.user, post_id, body["reason"], body["reply_id"])
            return {"id": found.id, "created_at": _time(found.created_at)}

        return self._run(command, status=201)

    @expose("/unanswered/<int:department_id>", methods=["GET"])
    @protect()
    @safe
    @permission_name("read")
    def unanswered(self, department_id: int):
        """A department's unanswered posts, longest waiting first (for whoever answers for
        it, IT and Auditors).
        ---
        get:
          summary: Unanswered posts of a department
          parameters:
          - {in: path, name: department_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The posts, oldest first
            404:
              description: Not a department the caller answers for
        """
        allowed = {d.id for d in queries.answerable_departments(db.session, g.user)}
        if department_id not in allowed:
            return self.response_404()
        return self.response(
            200, result=[_post(p) for p in queries.unanswered(db.session, department_id)]
        )
