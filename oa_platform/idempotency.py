"""Idempotency keys on the REST API's write endpoints (issue 25).

A client that sent an action and got no answer (its connection dropped, the web worker died)
cannot know whether the action was applied. It sends the request again with the same
``Idempotency-Key`` header, and the platform applies it at most once:

- the first successful answer is stored under (the caller, the key), in the same unit of
  work as the action itself, so a crash leaves both or neither;
- a request with a key already answered gets that answer again (``Idempotent-Replayed:
  true``), for :data:`KEEP` (24 hours), and changes nothing;
- the same key with another body (or on another endpoint) is refused with 422: the client
  reused a key by mistake;
- refusals (4xx) and failures (5xx) are not stored: they changed nothing, so running the
  request again is what a retry should do (a corrected body may then succeed).

Two requests with one key at the same moment: the second one's insert of the key meets the
first one's (a unique constraint) or its action meets the first one's changes; either way
its unit of work rolls back and runs again, and then finds the stored answer.

:func:`idempotent` marks a view; :class:`IdempotencyKeys`, mixed into a Flask-AppBuilder
``BaseApi``, documents the header on those views in the OpenAPI spec.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from apispec import APISpec
from apispec.exceptions import DuplicateComponentNameError
from flask import Response, g, request
from flask_appbuilder import Model
from flask_babel import gettext as _
from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.unit_of_work import unit_of_work

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEEP = timedelta(hours=24)
MAX_KEY_LENGTH = 255
MARK = "_idempotency_key"  # set on a view function by :func:`idempotent`
PARAMETER = "IdempotencyKey"  # the OpenAPI spec's parameter component


class IdempotentRequest(Model):
    """A write request's first successful answer, kept under its caller's key for 24 h."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotent_request_user_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), nullable=False)
    # What was asked (method, path, body), as a SHA-256: the same key must ask the same.
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, index=True
    )


class _NotStored(Exception):
    """The view answered with a refusal or a failure: roll its work back, store nothing."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    """Honour the ``Idempotency-Key`` header on a Flask-AppBuilder API view (put it right
    above the function, below ``@protect()`` and ``@safe``: the caller is known, and a
    conflict reaches the unit of work, which runs the request again)."""

    @functools.wraps(view)
    def wrapper(api: Any, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return view(api, *args, **kwargs)
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            return api.response(
                400,
                message=_(
                    "The Idempotency-Key header must have 1 to %(most)d characters.",
                    most=MAX_KEY_LENGTH,
                ),
            )
        fingerprint = _fingerprint()
        session = db.session

        def work() -> Response:
            stored = _stored(session, g.user.id, key)
            if stored is not None:
                return _replay(api, stored, fingerprint)
            response = view(api, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                raise _NotStored(response)
            session.add(
                IdempotentRequest(
                    user_id=g.user.id,
                    key=key,
                    fingerprint=fingerprint,
                    status=response.status_code,
                    body=response.get_data(as_text=True),
                )
            )
            session.flush()  # a concurrent request's key shows here, as a conflict
            return response

        try:
            return unit_of_work(session).run(work)
        except _NotStored as refused:
            # Refused because the same request, sent moments before, has just been applied
            # (the task is done): that request's answer is the one to give.
            stored = _stored(session, g.user.id, key)
            answer = refused.response if stored is None else _replay(api, stored, fingerprint)
            session.rollback()  # it only read
            return answer

    setattr(wrapper, MARK, True)
    return wrapper


def _stored(session: Session, user_id: int, key: str) -> IdempotentRequest | None:
    """The caller's answer under ``key`` if younger than :data:`KEEP`; an older one is
    deleted (the key may be used again)."""
    stored = session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.user_id == user_id, IdempotentRequest.key == key
        )
    )
    if stored is not None and stored.created_at < utcnow() - KEEP:
        session.delete(stored)
        session.flush()
        return None
    return stored


def _replay(api: Any, stored: IdempotentRequest, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        return api.response(
            422,
            message=_(
                "This Idempotency-Key was used for another request; send a new key for a "
                "new request."
            ),
        )
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    response.headers[REPLAYED] = "true"
    return response


def _fingerprint() -> str:
    """SHA-256 of the method, the path and the body: a JSON body as sent; a multipart body
    by its fields and its files' names and contents (each client picks its own boundary, so
    a retry's bytes differ)."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    if request.mimetype == "multipart/form-data":
        # repr: a part may come without a name, or with characters no codec encodes.
        for field in sorted(repr(item) for item in request.form.items(multi=True)):
            digest.update(field.encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda i: repr(i[0])):
            digest.update(repr((name, upload.filename)).encode())
            digest.update(hashlib.sha256(upload.stream.read()).digest())
            upload.stream.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def purge_expired(session: Session, now: datetime) -> int:
    """Delete the answers older than :data:`KEEP`; how many (beat runs this hourly)."""
    result = session.execute(
        delete(IdempotentRequest).where(IdempotentRequest.created_at < now - KEEP)
    )
    return result.rowcount or 0


class IdempotencyKeys:
    """Mixed into a ``BaseApi``: the views marked :func:`idempotent` take the header, and
    the OpenAPI spec says so (one parameter component, referenced by each)."""

    def add_apispec_components(self, api_spec: APISpec) -> None:
        super().add_apispec_components(api_spec)  # type: ignore[misc]
        with contextlib.suppress(DuplicateComponentNameError):  # a second API's spec
            api_spec.components.parameter(
                PARAMETER,
                "header",
                {
                    "name": HEADER,
                    "required": False,
                    "description": (
                        "Any unique string (a UUID): the request is applied at most once. "
                        "Sent again with the same body within 24 hours, the first "
                        "successful answer comes back unchanged (header "
                        "Idempotent-Replayed: true); with another body, 422."
                    ),
                    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
                },
            )

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs):
        super().operation_helper(  # type: ignore[misc]
            path=path, operations=operations, methods=methods, func=func, **kwargs
        )
        if getattr(func, MARK, False):
            for method in methods or []:
                parameters = operations[method.lower()].setdefault("parameters", [])
                parameters.append(PARAMETER)  # apispec makes it a $ref to the component
