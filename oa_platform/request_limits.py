"""What a request may ask of the server: answered with a 4xx naming the problem, never a 500
(issue 17, defect 13; regulations §6.2: no one may "damage system services").

- **JSON bodies nest at most** ``MAX_JSON_DEPTH`` levels. Python's parser recurses once per
  level, so ``[[[[...]]]]`` a few thousand deep is a ``RecursionError`` (a 500) in the parser,
  or later in whatever walks the document (marshmallow, jsonschema). The depth is counted on
  the raw bytes before parsing, in one pass.
- **Page numbers** in query strings stop at ``MAX_PAGE`` (:func:`requested_page`): a bigger
  one would overflow the database's integers when turned into an offset.
- **Numbers too big for the database** anywhere else (a filter, a key) are a 400 naming the
  problem rather than a driver overflow; the handler is the safety net behind the checks
  above and the 64-bit ``int`` converter of addresses.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, abort, jsonify, make_response, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest

MAX_JSON_DEPTH = 64
MAX_PAGE = 1_000_000
TOO_BIG = "A number in the request is too large."
_OPEN, _CLOSE = frozenset(b"[{"), frozenset(b"]}")


def json_depth(data: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep the arrays and objects of the JSON text ``data`` nest, counted up to
    ``limit + 1`` (brackets inside strings do not count; the text need not be valid)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in _CLOSE:
            depth -= 1
    return deepest


class LimitedRequest(Request):
    """Flask's request, refusing JSON bodies nested deeper than ``MAX_JSON_DEPTH``."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        if (force or self.is_json) and json_depth(self.get_data(cache=True)) > MAX_JSON_DEPTH:
            if silent:
                return None
            raise BadRequest(f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
        return super().get_json(force=force, silent=silent, cache=cache)


def requested_page(name: str = "page") -> int:
    """The page number the query string asks for: 1 when absent or not a number, 404 when
    beyond ``MAX_PAGE`` (no list is that long)."""
    number = request.args.get(name, 1, type=int) or 1
    if number > MAX_PAGE:
        abort(404)
    return max(number, 1)


def _too_big(error: Exception):
    from oa_platform.extensions import db

    db.session.rollback()  # PostgreSQL has aborted the transaction
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return make_response(jsonify({"error": TOO_BIG, "message": TOO_BIG}), 400)
    return make_response(TOO_BIG, 400)


def init_app(app: Flask) -> None:
    app.request_class = LimitedRequest
    # SQLite's driver raises OverflowError binding an integer past 64 bits; PostgreSQL's
    # raises a DataError ("out of range") through SQLAlchemy.
    app.register_error_handler(OverflowError, _too_big)
    app.register_error_handler(DataError, _too_big)
