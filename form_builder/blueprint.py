"""The ``form_builder`` blueprint: templates, static files (form.js, expression.js), the
``render_form`` template global, and attachment downloads.

Register it once: ``app.register_blueprint(form_builder.blueprint.blueprint)``.

Downloads answer only a signed-in user (``flask.g.user``, set by Flask-AppBuilder) who
uploaded the file or holds the admin role; anyone else gets 404, so an attachment's existence
is not revealed either. The runtime widens this (e.g. to everyone who may see the instance the
file belongs to) with :func:`register_download_check`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, send_file

from form_builder import js_catalog
from form_builder.attachments import AttachmentStore, FormAttachment
from form_builder.rendering import render_form
from form_builder.words import definition_word

DownloadCheck = Callable[[Any, FormAttachment], bool]
"""``check(user, attachment) -> bool``: True lets ``user`` download ``attachment``."""

_download_checks: list[DownloadCheck] = []
_ATTACHMENT_ID = re.compile(r"[0-9a-f]{32}")

blueprint = Blueprint(
    "form_builder",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/form-builder/static",
)
blueprint.add_app_template_global(render_form, "render_form")
blueprint.add_app_template_global(definition_word, "definition_word")
blueprint.add_app_template_global(js_catalog.js_catalog, "js_catalog")
js_catalog.register_folder(blueprint.static_folder)


@blueprint.record_once
def _gettext_in_templates(state: Any) -> None:
    """The templates mark their words with ``_()`` (issue 18). An app with Flask-Babel (the
    platform) translates them; on a bare Flask app they stay as written."""
    env = state.app.jinja_env
    if "_" not in env.globals:
        env.add_extension("jinja2.ext.i18n")
        env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


def register_download_check(check: DownloadCheck) -> DownloadCheck:
    """Let ``check(user, attachment)`` grant downloads beyond uploader and admin.

    Call it once, at import time of the module that defines the check (it may be used as a
    decorator); registering the same callable again has no effect. A check must be cheap and
    must not raise for users it does not know: it only ever adds permission.
    """
    if check not in _download_checks:
        _download_checks.append(check)
    return check


def may_download(user: Any, attachment: FormAttachment) -> bool:
    """Whether ``user`` (a signed-in FAB user) may download ``attachment``."""
    if attachment.uploaded_by_id == user.id:
        return True
    admin = current_app.config.get("AUTH_ROLE_ADMIN", "Admin")
    if any(role.name == admin for role in user.roles):
        return True
    return any(check(user, attachment) for check in _download_checks)


@blueprint.get("/form-builder/attachments/<attachment_id>")
def download(attachment_id: str) -> Response:
    """Send an attachment as a download, or 404."""
    user = getattr(g, "user", None)
    if user is None or not user.is_authenticated or not _ATTACHMENT_ID.fullmatch(attachment_id):
        abort(404)
    attachment = current_app.appbuilder.session.get(FormAttachment, attachment_id)
    if attachment is None or not may_download(user, attachment):
        abort(404)
    store = AttachmentStore.for_app(current_app)
    try:
        content = store.open(attachment)
    except FileNotFoundError:
        current_app.logger.error("attachment %s: its file is missing", attachment.id)
        abort(404)
    response = send_file(
        content,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.file_name,
        max_age=0,
    )
    # The type is the sniffed one; forbid the browser second-guessing it, and treat the
    # response as a sandboxed document should it ever be shown inline.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
