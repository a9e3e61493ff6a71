"""The REST API's error messages in the language the client asks for (issue 18).

Our own refusals are translated where they are raised (``runtime/exceptions.py``). Some
answers carry fixed English from a library instead: Flask-AppBuilder's ``response_401``,
``403`` and ``404`` ("Not authorized", "Forbidden", "Not found"), Flask-JWT-Extended's
("Missing Authorization Header", in ``msg``), the body checks' marshmallow messages
("Missing data for required field."), the expired CSRF token. This module translates those
at the edge, once, for every ``/api/`` error answer: a JSON body's ``message`` or ``msg``
(and the per-field lists of ``errors``) whose text the catalog knows is replaced by its
translation in the request's language (``Accept-Language``; ``i18n.select_locale``).

The shape of every answer, and so the OpenAPI spec, is unchanged: only strings change.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, Response, request
from flask_babel import gettext

from oa_platform.i18n import N_

# Fixed English the libraries answer with, marked so that make i18n puts it in the catalogs.
LIBRARY_MESSAGES = (
    # Flask-AppBuilder's BaseApi and its security API
    N_("Not authorized"),
    N_("Forbidden"),
    N_("Not found"),
    N_("Request is not JSON"),
    N_("Bad request"),
    # Flask-JWT-Extended (its answers say "msg")
    N_("Missing Authorization Header"),
    N_("Token has expired"),
    # marshmallow's field messages, as the API's bodies use them (runtime/api_bodies.py)
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid type."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Unknown field."),
    # oa_platform/csrf.py
    N_("The page expired (its security token is missing or old): reload it."),
)

# runtime/api_bodies.py words a body error "'field': problem".
_FIELD_PROBLEM = re.compile(r"^'(?P<field>[^']*)': (?P<problem>.+)$", re.DOTALL)
# marshmallow's OneOf names the choices.
_ONE_OF = re.compile(r"^Must be one of: (?P<choices>.*)\.$", re.DOTALL)


def translated(text: str) -> str:
    """``text`` in the request's language where the catalog knows it (else as it is)."""
    found = gettext(text)
    if found != text:
        return found
    one_of = _ONE_OF.match(text)
    if one_of:
        return gettext("Must be one of: %(choices)s.", choices=one_of["choices"])
    match = _FIELD_PROBLEM.match(text)
    if match:
        problem = translated(match["problem"])
        if problem != match["problem"]:
            return gettext("'%(field)s': %(problem)s", field=match["field"], problem=problem)
    return text


def _translate_body(body: dict[str, Any]) -> bool:
    changed = False
    for key in ("message", "msg"):
        message = body.get(key)
        if isinstance(message, str):
            new = translated(message)
            changed |= new != message
            body[key] = new
    errors = body.get("errors")
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(value, list):
                new_list = [translated(v) if isinstance(v, str) else v for v in value]
                changed |= new_list != value
                errors[key] = new_list
    return changed


def translate_api_errors(response: Response) -> Response:
    """An ``after_request`` hook: an API error answer's fixed English, translated."""
    if (
        response.status_code < 400
        or not request.path.startswith("/api/")
        or not response.is_json
        or response.direct_passthrough
    ):
        return response
    body = response.get_json(silent=True)
    if isinstance(body, dict) and _translate_body(body):
        response.set_data(json.dumps(body, ensure_ascii=False))
    return response


def init_app(app: Flask) -> None:
    """Translate the API's error answers of ``app``."""
    app.after_request(translate_api_errors)
