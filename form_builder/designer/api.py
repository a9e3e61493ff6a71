"""The designer's JSON endpoints: check, save, submit, rename a field with its references,
and the org look-ups for its pickers.

Every endpoint runs what the Definitions pages run (``Lifecycle.save_draft``, ``submit``, the
publish-time validator); the page's own checks are a convenience and these answers are the
authority. Bodies are ``{"document": {...}, "key": "the key being edited" | null}``; a body
that is not such JSON gets a 400 naming what is wrong. Problems come back as
``{"path", "message", "node", "field"}`` (see :mod:`.document`).
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, g, jsonify, make_response, request, url_for
from flask_appbuilder import BaseView, expose

from form_builder import services
from form_builder.designer import org
from form_builder.designer.access import PERMISSION_VIEW, designer_api, json_error
from form_builder.designer.document import problems_json
from form_builder.exceptions import DefinitionError, FieldRenameError, LifecycleError, Problem
from form_builder.format import load_document
from form_builder.keys import key_from_label
from form_builder.models import DefinitionVersion
from form_builder.rename import Place, rename
from form_builder.words import gettext as _


class DesignerApi(BaseView):
    """``/designer/api/...``: what the designer page calls while IT edits."""

    route_base = "/designer/api"
    class_permission_name = PERMISSION_VIEW

    @expose("/check", methods=["POST"])
    @designer_api
    def check(self):
        """Every problem of the unsaved document: the format's, then publish-time ones."""
        document, _ = _body()
        return jsonify({"problems": problems_json(_problems(document), document)})

    @expose("/save", methods=["POST"])
    @designer_api
    def save(self):
        """Save the document as the definition's draft; answers its publish-time problems."""
        document, key = _body()
        saved = services.run(lambda: _save(document, key))
        lifecycle = services.lifecycle()
        problems = problems_json(lifecycle.problems(saved.document), saved.document)
        return jsonify({**_saved(saved), "problems": problems})

    @expose("/submit", methods=["POST"])
    @designer_api
    def submit(self):
        """Save, then submit for review; refused with the problems if validation fails (the
        draft stays saved)."""
        document, key = _body()
        saved = services.run(lambda: _save(document, key))
        try:
            services.run(lambda: services.lifecycle().submit(g.user, saved))
        except DefinitionError as error:
            answer = {**_saved(saved), "problems": problems_json(error.problems, document)}
            error_text = _("Not submitted: the definition has problems.")
            return jsonify({**answer, "error": error_text}), 422
        except LifecycleError as error:
            return json_error(error.message, 409)
        return jsonify({**_saved(saved), "submitted": True, "problems": []})

    @expose("/key")
    @designer_api
    def key(self):
        """``{"key": ...}`` made from ``?text=`` (a label): pinyin for Chinese characters, so a
        field labelled only in Chinese gets a key that reads like it (issue 19)."""
        text = request.args.get("text", "")[:500]
        return jsonify({"key": key_from_label(text)})

    @expose("/rename", methods=["POST"])
    @designer_api
    def rename(self):
        """Rename a field or a table's column and everything that names it (issue 19).

        Body: ``{"document", "key", "field": index, "column": index or null, "old": the key
        the references use, "new": the key wanted}``. Answers ``{"changes": [{"path",
        "before", "after"}], "skipped": [{"path", "message"}]}`` (see
        :mod:`form_builder.rename`); a key the field cannot take answers 422 with the
        sentence and its problem, and changes nothing."""
        document, _key = _body()
        data = request.get_json()
        place, old, new = _rename_request(data)
        try:
            renamed = rename(document, place, old, new, services.services().node_types())
        except FieldRenameError as error:
            problem = Problem(error.path, error.message)
            answer = {"error": error.message, "problems": problems_json([problem], document)}
            return jsonify(answer), 422
        return jsonify(
            {
                "changes": [change.to_json() for change in renamed.changes],
                "skipped": [skipped.to_json() for skipped in renamed.skipped],
            }
        )

    @expose("/org/<kind>")
    @designer_api
    def org_choices(self, kind: str):
        """``{"choices": [{"value", "label"}]}`` of users, roles, departments, positions or
        companies, for the assignee pickers."""
        if kind not in org.KINDS:
            return json_error(f"Unknown kind '{kind}' (one of: {', '.join(org.KINDS)}).", 404)
        choices = org.lookups().choices(kind)
        return jsonify({"choices": [{"value": v, "label": label} for v, label in choices]})


def _body() -> tuple[dict[str, Any], str | None]:
    """(document, key being edited) from the request; a 400 answer says what is wrong."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("document"), dict):
        abort(json_error('Send JSON: {"document": {...}, "key": null or the key edited}.', 400))
    key = data.get("key")
    if key is not None and not isinstance(key, str):
        abort(json_error('"key" must be the key of the definition edited, or null.', 400))
    return data["document"], key


def _rename_request(data: dict[str, Any]) -> tuple[Place, str, str]:
    """(place, old key, new key) of a rename request; a 400 answer says what is wrong."""
    field, column = data.get("field"), data.get("column")
    old, new = data.get("old"), data.get("new")

    def index(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    if not index(field) or not (column is None or index(column)):
        abort(json_error('"field" must be a field\'s index, "column" a column\'s or null.', 400))
    if not isinstance(old, str) or not isinstance(new, str):
        abort(json_error('"old" and "new" must be the field\'s key before and after.', 400))
    return Place(field, column), old, new


def _problems(document: dict[str, Any]) -> list[Problem]:
    try:
        checked = load_document(document)
    except DefinitionError as error:
        return error.problems
    return services.lifecycle().problems(checked)


def _save(document: dict[str, Any], key: str | None) -> DefinitionVersion:
    """The saved draft; a refusal aborts with the answer saying why (nothing saved)."""
    lifecycle = services.lifecycle()
    new_key = document.get("key")
    if key is not None and new_key != key:
        message = _(
            "The definition: the key must stay '%(key)s' (a new key makes a new definition: "
            "start one)",
            key=key,
        )
        _refuse([Problem("$.key", message)], document)
    if key is None and isinstance(new_key, str) and lifecycle.definition(new_key, missing_ok=True):
        message = _(
            "The definition: a definition '%(key)s' exists already: open it from the "
            "Definitions list",
            key=new_key,
        )
        _refuse([Problem("$.key", message)], document)
    try:
        return lifecycle.save_draft(g.user, document)
    except DefinitionError as error:
        _refuse(error.problems, document)
    except LifecycleError as error:
        abort(json_error(error.message, 409))


def _refuse(problems: list[Problem], document: Any) -> NoReturn:
    answer = {"error": _("Not saved: the definition has problems."), "saved": False}
    abort(make_response(jsonify({**answer, "problems": problems_json(problems, document)}), 422))


def _saved(version: DefinitionVersion) -> dict[str, Any]:
    key = version.definition.key
    return {
        "saved": True,
        "key": key,
        "number": version.number,
        "status": str(version.status),
        "version_url": url_for("DefinitionsView.version", key=key, number=version.number),
        "definition_url": url_for("DefinitionsView.definition", key=key),
        "designer_url": url_for("DesignerView.edit", key=key),
    }
