"""Definition pages: list, import, versions with their diff and review, draft editing, export.

Every route checks a FAB permission (``can_list``, ``can_design``, ``can_review``) and the
lifecycle commands check the roles again; a page for an unknown definition or version is 404.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy import select

from form_builder import org_health, services
from form_builder.attachments import AttachmentStore
from form_builder.directory import Directory, Viewer
from form_builder.exceptions import DefinitionError, LifecycleError
from form_builder.format import dump_document, parse_json
from form_builder.forms import ConfirmForm, DraftForm, ImportForm, OpinionForm, ReasonForm
from form_builder.lifecycle import DESIGNER_ROLES, REVIEWER_ROLES
from form_builder.models import (
    DefinitionEvent,
    DefinitionVersion,
    ProcessDefinition,
    VersionStatus,
)
from form_builder.review import build_review
from form_builder.submission import apply_submission
from form_builder.transfer import ImportRefusedError, export_name, export_version, import_files


class DefinitionsView(BaseView):
    """IT designs and publishes, the Management Center reviews (regulations §2.3, §3.2)."""

    route_base = "/definitions"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        session = services.session()
        definitions = session.scalars(
            select(ProcessDefinition).order_by(ProcessDefinition.category, ProcessDefinition.name)
        ).all()
        # Published definitions whose nodes would resolve to nobody today (issue 23).
        published = {d.key: d.latest_published() for d in definitions}
        unresolved = org_health.unresolvable(
            {key: version.document for key, version in published.items() if version is not None}
        )
        return self.render_template(
            "form_builder/definitions/list.html",
            definitions=definitions,
            unresolved=unresolved,
            **_roles(),
        )

    @expose("/import", methods=["GET", "POST"])
    @has_access
    @permission_name("design")
    def import_files(self):
        form = ImportForm()
        problems: dict[str, list[Any]] = {}
        imported = []
        if form.validate_on_submit():
            files = [(f.filename or "upload.json", f.read()) for f in form.files.data]
            try:
                imported = services.run(lambda: import_files(services.lifecycle(), g.user, files))
            except ImportRefusedError as error:
                problems = error.problems
        return self.render_template(
            "form_builder/definitions/import.html",
            form=form,
            problems=problems,
            imported=imported,
        )

    @expose("/<key>/")
    @has_access
    @permission_name("list")
    def definition(self, key: str):
        definition = _definition(key)
        events = services.session().scalars(
            select(DefinitionEvent)
            .where(DefinitionEvent.definition_id == definition.id)
            .order_by(DefinitionEvent.at.desc(), DefinitionEvent.id.desc())
        )
        return self.render_template(
            "form_builder/definitions/definition.html",
            definition=definition,
            working=services.lifecycle().working_version(definition),
            events=list(events),
            confirm=ConfirmForm(),
            reason_form=ReasonForm(),
            **_roles(),
        )

    @expose("/<key>/v<int:number>/")
    @has_access
    @permission_name("list")
    def version(self, key: str, number: int):
        """The version, its review as people see the change (the forms side by side, the
        chains with their changes marked, settings by their labels; issue 19) and its step."""
        version = _version(key, number)
        baseline = _baseline(version)
        review = build_review(baseline, version, current_viewer(services.directory()))
        return self.render_template(
            "form_builder/definitions/version.html",
            version=version,
            definition=version.definition,
            baseline=baseline,
            review=review,
            changes=review.changes,
            problems=services.lifecycle().problems(version.document),
            document_text=dump_document(version.document),
            confirm=ConfirmForm(),
            opinion_form=OpinionForm(),
            preview_endpoint="DefinitionsView.preview",
            **_roles(),
        )

    @expose("/<key>/v<int:number>/export")
    @has_access
    @permission_name("list")
    def export(self, key: str, number: int):
        version = _version(key, number)
        return Response(
            export_version(version),
            mimetype="application/json",
            headers={"Content-Disposition": f'attachment; filename="{export_name(version)}"'},
        )

    @expose("/<key>/draft", methods=["GET", "POST"])
    @has_access
    @permission_name("design")
    def draft(self, key: str):
        """Edit the draft's JSON (or start a new draft from the latest version)."""
        definition = _definition(key)
        lifecycle = services.lifecycle()
        working = lifecycle.working_version(definition)
        latest = definition.versions[-1]
        form = DraftForm()
        problems: list[Any] = []
        if request.method == "GET":
            form.document.data = dump_document((working or latest).document)
        elif form.validate_on_submit():
            try:
                data = parse_json(form.document.data)
                if isinstance(data, dict) and data.get("key") != key:
                    raise LifecycleError(f"the key must stay '{key}' (import makes new ones)")
                version = services.run(lambda: lifecycle.save_draft(g.user, data))
            except DefinitionError as error:
                problems = error.problems
            except LifecycleError as error:
                flash(error.message, "danger")
            else:
                flash(f"Saved draft version {version.number}.", "success")
                return redirect(url_for(".version", key=key, number=version.number))
        return self.render_template(
            "form_builder/definitions/draft.html",
            definition=definition,
            form=form,
            problems=problems,
        )

    @expose("/<key>/v<int:number>/submit", methods=["POST"])
    @has_access
    @permission_name("design")
    def submit(self, key: str, number: int):
        return self._step(key, number, lambda lc, v: lc.submit(g.user, v), "Submitted for review.")

    @expose("/<key>/v<int:number>/publish", methods=["POST"])
    @has_access
    @permission_name("design")
    def publish(self, key: str, number: int):
        return self._step(key, number, lambda lc, v: lc.publish(g.user, v), "Published.")

    @expose("/<key>/v<int:number>/approve", methods=["POST"])
    @has_access
    @permission_name("review")
    def approve(self, key: str, number: int):
        form = OpinionForm()
        return self._step(
            key, number, lambda lc, v: lc.approve(g.user, v, form.opinion.data or ""), "Approved."
        )

    @expose("/<key>/v<int:number>/reject", methods=["POST"])
    @has_access
    @permission_name("review")
    def reject(self, key: str, number: int):
        form = OpinionForm()
        return self._step(
            key, number, lambda lc, v: lc.reject(g.user, v, form.opinion.data or ""), "Rejected."
        )

    @expose("/<key>/withdraw", methods=["POST"])
    @has_access
    @permission_name("design")
    def withdraw(self, key: str):
        form = ReasonForm()
        definition = _definition(key)
        return self._definition_step(
            form,
            key,
            lambda lc: lc.withdraw(g.user, definition, form.reason.data or ""),
            "Withdrawn from new use; running instances go on.",
        )

    @expose("/<key>/reinstate", methods=["POST"])
    @has_access
    @permission_name("design")
    def reinstate(self, key: str):
        definition = _definition(key)
        return self._definition_step(
            ConfirmForm(), key, lambda lc: lc.reinstate(g.user, definition), "Reinstated."
        )

    @expose("/<key>/v<int:number>/preview/<node_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("preview")
    def preview(self, key: str, number: int, node_id: str):
        """The form as the handler of ``node_id`` sees it; a post is validated by the same
        server-side rules as a real one and shows the values it would store."""
        version = _version(key, number)
        if node_id not in {node["id"] for node in version.document["nodes"]}:
            abort(404)
        compiled = services.compiled(version, node_id)
        directory = services.directory()
        viewer = current_viewer(directory)
        result = None
        if request.method == "POST":
            result = apply_submission(
                compiled,
                old_values=compiled.initial_values({}, viewer, directory),
                formdata=request.form,
                files=request.files,
                viewer=viewer,
                directory=directory,
                attachments=AttachmentStore.for_app(current_app),
                uploader_id=g.user.id,
            )
            _record_submission(version, node_id, result)
            bound = result.form
        else:
            bound = compiled.bind(viewer=viewer, directory=directory)
        return self.render_template(
            "form_builder/definitions/preview.html",
            version=version,
            definition=version.definition,
            node=next(n for n in version.document["nodes"] if n["id"] == node_id),
            bound=bound,
            result=result,
            stored=json.dumps(result.values, indent=2, ensure_ascii=False) if result else "",
        )

    def _step(self, key: str, number: int, command, success: str):
        version = _version(key, number)
        form = ConfirmForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            services.run(lambda: command(services.lifecycle(), version))
        except LifecycleError as error:
            flash(error.message, "danger")
        except DefinitionError as error:
            flash("Refused: the definition has problems.", "danger")
            for problem in error.problems:
                flash(str(problem), "danger")
        else:
            flash(success, "success")
        return redirect(url_for(".version", key=key, number=number))

    def _definition_step(self, form, key: str, command, success: str):
        if not form.validate_on_submit():
            flash("Say why.", "danger")
            return redirect(url_for(".definition", key=key))
        try:
            services.run(lambda: command(services.lifecycle()))
        except LifecycleError as error:
            flash(error.message, "danger")
        else:
            flash(success, "success")
        return redirect(url_for(".definition", key=key))


def current_viewer(directory: Directory) -> Viewer:
    """The signed-in user as form defaults see them."""
    user = g.user
    return Viewer(
        username=user.username,
        department=directory.department_of(user.username),
        roles=frozenset(role.name for role in user.roles),
    )


def _record_submission(version: DefinitionVersion, node_id: str, result) -> None:
    """Keep the preview's uploads, and audit posted values the node may not change."""

    def work() -> None:
        session = services.session()
        if result.ok:
            session.add_all(result.new_attachments)
        if result.ignored:
            session.add(
                DefinitionEvent(
                    definition=version.definition,
                    version=version,
                    action="ignored_field_post",
                    actor_id=g.user.id,
                    detail={"node": node_id, "fields": sorted(result.ignored)},
                )
            )

    services.run(work)


def _definition(key: str) -> ProcessDefinition:
    definition = services.lifecycle().definition(key, missing_ok=True)
    if definition is None:
        abort(404)
    return definition


def _version(key: str, number: int) -> DefinitionVersion:
    for version in _definition(key).versions:
        if version.number == number:
            return version
    abort(404)


def _baseline(version: DefinitionVersion) -> DefinitionVersion | None:
    """What the reviewer compares with: the latest published version before this one, else
    the previous version."""
    earlier = [v for v in version.definition.versions if v.number < version.number]
    published = [v for v in earlier if v.status is VersionStatus.PUBLISHED]
    return (published or earlier or [None])[-1]


def _roles() -> dict[str, bool]:
    names = {role.name for role in g.user.roles}
    return {
        "is_designer": bool(names & DESIGNER_ROLES),
        "is_reviewer": bool(names & REVIEWER_ROLES),
    }
