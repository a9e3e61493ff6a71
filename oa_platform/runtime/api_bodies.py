"""What the REST API accepts: one marshmallow schema per request body, in the OpenAPI spec.

A body that is not an object, a field of the wrong type or an unknown action is refused with
400 and a message naming the field, before any command runs (a 500 was the answer before).
``multipart/form-data`` carries the same JSON in its ``payload`` part and the files of
attachments fields in parts named by the field's key, as the page posts them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from oa_platform.request_limits import MAX_JSON_DEPTH, json_depth
from plugins.contract import Action

# The actions a handler asks for on a task; revoke and urge are the initiator's commands.
TASK_ACTIONS = sorted(str(a) for a in Action if a not in {Action.REVOKE, Action.URGE})
ADD_POSITIONS = ("before", "after", "parallel")


class BodyError(Exception):
    """A request body the API cannot read; ``errors`` maps a field to its messages."""

    def __init__(self, message: str, errors: Mapping[str, list[str]] | None = None):
        self.message = message
        self.errors = dict(errors or {})
        super().__init__(message)


class _Body(Schema):
    class Meta:
        unknown = EXCLUDE  # a newer client's extra keys are not an error


class StartBody(_Body):
    definition = fields.String(required=True, metadata={"description": "the definition's key"})
    data = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        metadata={"description": "field key -> value, as the instance stores it"},
    )
    draft = fields.Boolean(
        load_default=False, metadata={"description": "save as a draft instead of submitting"}
    )


class ActionBody(_Body):
    action = fields.String(required=True, validate=validate.OneOf(TASK_ACTIONS))
    opinion = fields.String(load_default="", allow_none=True)
    data = fields.Dict(
        keys=fields.String(),
        metadata={"description": "edits of the fields the node may edit"},
    )
    target = fields.String(
        allow_none=True, metadata={"description": "rollback: previous, initiator or a node id"}
    )
    resubmit_to_me = fields.Boolean(load_default=False)
    users = fields.List(
        fields.String(), load_default=list, metadata={"description": "add signature, transfer"}
    )
    position = fields.String(load_default="parallel", validate=validate.OneOf(ADD_POSITIONS))
    task_ids = fields.List(
        fields.Integer(strict=True),
        load_default=list,
        metadata={"description": "reduce signature: the signers' task ids"},
    )


class OpinionBody(_Body):
    opinion = fields.String(
        load_default="", allow_none=True, metadata={"description": "the reason or message"}
    )


class QuestionBody(_Body):
    to = fields.String(required=True, metadata={"description": "user name"})
    text = fields.String(required=True)


class AnswerBody(_Body):
    text = fields.String(required=True)


# The schemas FAB adds to the served OpenAPI spec (``$ref: '#/components/schemas/...'``).
SCHEMAS = (StartBody, ActionBody, OpinionBody, QuestionBody, AnswerBody)


def read_body(request: Request, schema: type[Schema]) -> tuple[dict[str, Any], MultiDict]:
    """The request's body loaded by ``schema``, and its uploaded files (by field key).

    Raises:
        BodyError: the body is not a JSON object, or a field is missing or of the wrong type.
    """
    files: MultiDict = MultiDict()
    if request.mimetype == "multipart/form-data":
        raw = _json(request.form.get("payload", "{}"))
        files = request.files
    elif request.mimetype == "application/json" or request.data:
        raw = _json(request.get_data(as_text=True) or "{}")
    else:
        raw = {}
    if not isinstance(raw, dict):
        raise BodyError("The body must be a JSON object.")
    try:
        loaded = schema().load(raw)
    except ValidationError as error:
        problems = _flat(error.messages)
        first = next(iter(problems.items()))
        raise BodyError(f"'{first[0]}': {first[1][0]}", problems) from None
    return loaded, files


def _json(text: str) -> Any:
    # Python's parser recurses once per level: refuse a deep body before it overflows.
    if json_depth(text.encode("utf-8", "surrogatepass")) > MAX_JSON_DEPTH:
        raise BodyError(f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        return json.loads(text)
    except ValueError:
        raise BodyError("The body is not valid JSON.") from None


def _flat(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"task_ids.0": ["Not a valid integer."]}``."""
    if isinstance(messages, list):
        return {prefix or "body": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        flat.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat
