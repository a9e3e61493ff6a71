"""Staff pages: the catalogue of processes to start, the inbox, and the instance/task page.

Every page checks a FAB permission; which instance a person may see is decided by
``visibility.py`` alone, and an instance they may not see is a 404 (as if it did not exist).
Every change goes through :class:`~oa_platform.runtime.commands.Runtime`; a refused command
changes nothing and the page says why (``RuntimeCommandError.message``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import MultiDict
from wtforms import SelectChoice

from form_builder import services as form_services
from form_builder.blueprint import register_download_check
from form_builder.chain import start_node
from form_builder.clock import utcnow
from form_builder.compiler import HIDDEN
from form_builder.models import DefinitionVersion, ProcessDefinition, VersionStatus
from form_builder.rendering import Display
from form_builder.views import current_viewer
from oa_platform.documents.kinds import URGENCIES
from oa_platform.extensions import db
from oa_platform.org.directory import OrgDirectory
from oa_platform.request_limits import requested_page
from oa_platform.runtime import (
    approval_sheet,
    attachment_links,
    bulk_approval,
    inbox,
    pending_uploads,
    phrases,
    policy,
    trace,
)
from oa_platform.runtime.bulk_approval import BulkApprovalForm
from oa_platform.runtime.commands import ActionRequest
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.exceptions import (
    InstanceNotFoundError,
    InvalidSubmissionError,
    ProcessNotOpenError,
    RuntimeCommandError,
    TaskAlreadyHandledError,
)
from oa_platform.runtime.forms import (
    ActionForm,
    AnswerForm,
    AskForm,
    ReinitiateForm,
    RevokeForm,
    UrgeForm,
    read_only,
)
from oa_platform.runtime.labels import status_label
from oa_platform.runtime.models import Activation, AuditEntry, Instance, Question, Task
from oa_platform.runtime.opinions import button, label, needs_opinion, opinion_required_message
from oa_platform.runtime.services import runtime
from oa_platform.runtime.since_last_seen import for_task as since_last_seen
from oa_platform.runtime.states import (
    FINISHED_INSTANCE,
    InstanceStatus,
    TaskStatus,
)
from oa_platform.runtime.visibility import is_auditor, visible_instance, visible_to
from oa_platform.unit_of_work import unit_of_work
from plugins.contract import Action
from plugins.fields import field_type
from plugins.registry import node_types

# The runtime pages' script and style, served at /runtime/static/runtime/...
static = Blueprint(
    "runtime",
    __name__,
    static_folder=str(Path(__file__).resolve().parent.parent / "static"),
    static_url_path="/runtime/static",
)

# How each action's button looks; unknown (plugin) actions get the default style.
BUTTON_STYLES = {
    Action.AGREE: "btn-success",
    Action.SUBMIT: "btn-primary",
    Action.READ: "btn-success",
    Action.DISAGREE: "btn-danger",
    Action.FAILED_REVIEW: "btn-danger",
    Action.TERMINATE: "btn-danger",
    Action.ROLLBACK: "btn-warning",
}
# Actions whose post carries the node's field edits (the browser validates those fields).
EDITING_ACTIONS = {Action.AGREE, Action.READ, Action.SUBMIT, Action.MODIFY_TEXT}
# The buttons shown beside the form; the node's other offered actions wait under "More"
# (issue 19: a handler mostly agrees, disagrees or sends back; submit and read are the
# start node's and a copy's one action). Only the rendering: the policy decides the offer.
SHOWN_ACTIONS = {Action.SUBMIT, Action.AGREE, Action.READ, Action.DISAGREE, Action.ROLLBACK}


@register_download_check
def participant_may_download(user: Any, attachment: Any) -> bool:
    """A file may be downloaded by whoever may read the field it was attached to.

    The (instance, field) rows come from ``attachment_links`` (written when a file is
    uploaded into a field), among the instances visible to ``user``; whether the field is
    readable is ``policy.readable_fields``' answer. An id copied into another field, a text
    field of one's own draft say, attaches nothing (issue 17, defect 6).
    """
    for instance, key in attachment_links.holders(db.session, attachment.id, visible_to(user)):
        if policy.readable_fields(instance, user).get(key, HIDDEN) != HIDDEN:
            return True
    return False


# The catalogue and the start form -------------------------------------------------------


class ProcessCatalogueView(BaseView):
    """Published definitions open for new use, by category; start one or go on with a draft."""

    route_base = "/processes"
    default_view = "list"

    @expose("/")
    @has_access
    @permission_name("list")
    def list(self):
        definitions = db.session.scalars(
            select(ProcessDefinition)
            .where(
                ProcessDefinition.withdrawn_at.is_(None),
                ProcessDefinition.versions.any(DefinitionVersion.status == VersionStatus.PUBLISHED),
            )
            .options(selectinload(ProcessDefinition.versions))
            .order_by(ProcessDefinition.category, ProcessDefinition.name)
        ).all()
        categories: dict[str, list[tuple[ProcessDefinition, DefinitionVersion]]] = {}
        for definition in definitions:
            categories.setdefault(definition.category, []).append(
                (definition, definition.latest_published())
            )
        drafts = db.session.scalars(
            select(Instance)
            .where(Instance.initiator_id == g.user.id, Instance.status == InstanceStatus.DRAFT)
            .options(joinedload(Instance.definition))
            .order_by(Instance.updated_at.desc())
        ).all()
        return self.render_template("runtime/catalogue.html", categories=categories, drafts=drafts)

    @expose("/<key>/start", methods=["GET", "POST"])
    @has_access
    @permission_name("start")
    def start(self, key: str):
        """The start node's form for a new instance: save it as a draft or submit it."""
        definition = db.session.scalar(
            select(ProcessDefinition).where(ProcessDefinition.key == key)
        )
        version = definition.latest_published() if definition else None
        if version is None or definition.withdrawn_at is not None:
            abort(404)
        return self._start_form(definition, version, None)

    @expose("/drafts/<int:instance_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("start")
    def draft(self, instance_id: int):
        """Go on with a draft (saved, or revoked back to the initiator)."""
        instance = db.session.get(Instance, instance_id)
        if instance is None or instance.initiator_id != g.user.id:
            abort(404)
        if instance.status is not InstanceStatus.DRAFT:
            return redirect(url_for("InstanceView.show", instance_id=instance_id))
        return self._start_form(instance.definition, instance.definition_version, instance)

    def _start_form(self, definition, version, instance: Instance | None):
        directory = OrgDirectory(db.session)
        compiled = form_services.compiled(version, start_node(version.document))
        values = instance.values if instance else None
        errors: Mapping[str, list[str]] = {}
        status = 200
        formdata = request.form if request.method == "POST" else None
        if request.method == "POST":
            command = request.form.get("command")
            commands = runtime()
            try:
                if command == "submit":
                    submitted = commands.submit(
                        g.user, definition.key, request.form, request.files, _id(instance)
                    )
                    flash(gettext("Submitted: %(title)s.", title=submitted.title), "success")
                    return redirect(url_for("InstanceView.show", instance_id=submitted.id))
                saved = commands.save_draft(
                    g.user, definition.key, request.form, request.files, _id(instance)
                )
                flash(
                    gettext("Draft saved. Find it under Start a process, or in your inbox."),
                    "success",
                )
                return redirect(url_for(".draft", instance_id=saved.id))
            except InstanceNotFoundError:
                abort(404)
            except ProcessNotOpenError as error:
                flash(error.message, "danger")
                return redirect(url_for(".list"))
            except InvalidSubmissionError as error:
                errors, status = error.errors, error.status
                flash(error.message, "danger")
                formdata = _hold_refused_files(request.form, error)
            except RuntimeCommandError as error:
                status = error.status
                flash(error.message, "danger")
            # The refused post is shown again as typed, with its messages and kept files.
            if instance is not None:
                db.session.refresh(instance)
                values = instance.values
            kept = pending_uploads.kept(
                db.session, compiled.fields, formdata, g.user.id, values or {}
            )
            if kept:
                values = pending_uploads.with_kept(values or {}, kept)
        bound = compiled.bind(
            viewer=current_viewer(directory),
            directory=directory,
            values=values,
            formdata=formdata,
        )
        if request.method == "POST":
            bound.form.validate()
        page = self.render_template(
            "runtime/start.html",
            definition=definition,
            version=version,
            instance=instance,
            bound=bound,
            errors=errors,
        )
        return page, status


def _id(instance: Instance | None) -> int | None:
    return instance.id if instance is not None else None


# The inbox ------------------------------------------------------------------------------


class InboxView(BaseView):
    """To do, done, initiated by me, CC'd to me and questions, with badges and filters."""

    route_base = "/inbox"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        tab = request.args.get("tab", "todo")
        auditing = tab == "all"
        if tab not in inbox.TABS and not (
            auditing and self.appbuilder.sm.has_access("can_audit", "InboxView")
        ):
            abort(404)
        since, until, problems = inbox.period(
            request.args.get("from", "").strip(), request.args.get("to", "").strip()
        )
        for problem in problems:
            flash(problem, "warning")
        filters = inbox.Filters(
            definition=request.args.get("definition", "").strip(),
            status=request.args.get("status", "").strip(),
            text=request.args.get("q", "").strip()[:100],
            initiator=request.args.get("initiator", "").strip()[:64],
            since=since,
            until=until,
        )
        number = requested_page()
        session = db.session
        if auditing:
            page = inbox.all_visible(session, g.user, filters, number)
        else:
            page = getattr(inbox, tab)(session, g.user.id, filters, number)
        return self.render_template(
            "runtime/inbox.html",
            tab=tab,
            page=page,
            filters=filters,
            counts=inbox.counts(session, g.user.id),
            definitions=inbox.definitions(session),
            statuses=_status_choices(tab),
            may_audit=is_auditor(g.user),
            now=utcnow(),
            # Rows link to /instances/<id>: the router builds the address once, not per row.
            instances_url=url_for("InstanceView.show", instance_id=0).removesuffix("/0"),
            phrases=phrases.offered(session, g.user.id) if tab == "todo" else [],
            urgencies=URGENCIES,  # the Documents tab's urgency words
        )

    @expose("/phrases", methods=["GET", "POST"])
    @has_access
    @permission_name("list")
    def opinion_phrases(self):
        """The person's quick opinion phrases (常用语): add one, delete one."""
        if request.method == "POST":
            if not BulkApprovalForm().validate_on_submit():
                abort(400)
            try:
                if request.form.get("delete"):
                    phrases.delete_phrase(db.session, g.user.id, int(request.form["delete"]))
                else:
                    phrases.add_phrase(db.session, g.user.id, request.form.get("text", ""))
            except RuntimeCommandError as error:
                flash(error.message, "danger")
            except ValueError:
                abort(400)
            return redirect(url_for(".opinion_phrases"))
        return self.render_template(
            "runtime/phrases.html", phrases=phrases.phrases_of(db.session, g.user.id)
        )


def _status_choices(tab: str) -> list[tuple[str, str]]:
    if tab == "todo":
        return [
            ("open", gettext("Open")),
            ("held", gettext("On hold")),
            ("overdue", gettext("Overdue")),
        ]
    if tab == "cc":
        return [("open", gettext("Unread")), ("done", gettext("Read"))]
    if tab == "questions":
        return [("open", gettext("Awaiting my answer")), ("answered", gettext("Answered"))]
    if tab == "documents":
        return [("unread", gettext("Unread")), ("acknowledged", gettext("Acknowledged"))]
    if tab in {"initiated", "all"}:
        return [(status.value, status_label(status.value)) for status in InstanceStatus]
    return []


# The instance / task page --------------------------------------------------------------


class InstanceView(BaseView):
    """One instance: its form, opinions, questions, attachments, trace and the actions the
    viewer may take now."""

    route_base = "/instances"

    @expose("/<int:instance_id>")
    @has_access
    @permission_name("show")
    def show(self, instance_id: int):
        try:
            instance = runtime().view(g.user, instance_id)
        except InstanceNotFoundError:
            abort(404)
        if instance.status is InstanceStatus.DRAFT and instance.initiator_id == g.user.id:
            return redirect(url_for("ProcessCatalogueView.draft", instance_id=instance_id))
        return self._page(instance, request.args.get("task", type=int))

    @expose("/<int:instance_id>/sheet")
    @has_access
    @permission_name("show")
    def sheet(self, instance_id: int):
        """The approval sheet (审批单), print-ready; ``capitals=0`` leaves out the amounts in
        Chinese capitals. Whoever may see the instance may print it (404 for the others)."""
        return approval_sheet.sheet_html(self._sheet(instance_id))

    @expose("/<int:instance_id>/sheet.pdf")
    @has_access
    @permission_name("show")
    def sheet_pdf(self, instance_id: int):
        """The approval sheet as a PDF (WeasyPrint, Chinese fonts embedded)."""
        sheet = self._sheet(instance_id)
        return Response(
            approval_sheet.sheet_pdf(sheet),
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'inline; filename="approval-sheet-{sheet.serial}.pdf"'
            },
        )

    @expose("/<int:instance_id>/tasks/<int:task_id>", methods=["POST"])
    @has_access
    @permission_name("act")
    def act(self, instance_id: int, task_id: int):
        """A handler's action on their task (regulations §3.5)."""
        instance = _visible(instance_id)
        form = ActionForm()
        if not form.validate_on_submit():
            for messages in form.errors.values():
                for message in messages:
                    flash(str(message), "danger")
            return self._page(instance, task_id, formdata=request.form, status=400)
        action = ActionRequest(
            action=form.action.data,
            opinion=form.opinion.data or "",
            formdata=request.form,
            files=request.files,
            target=form.target.data or None,
            resubmit_to_me=bool(form.resubmit_to_me.data),
            users=tuple(form.users.data or ()),
            position=form.position.data or "parallel",
            task_ids=tuple(form.task_ids.data or ()),
        )
        try:
            runtime().act(g.user, task_id, action)
        except InstanceNotFoundError:
            abort(404)
        except TaskAlreadyHandledError as error:
            flash(error.message, "warning")
            return redirect(url_for(".show", instance_id=instance_id))
        except InvalidSubmissionError as error:
            flash(error.message, "danger")
            formdata = _hold_refused_files(request.form, error)
            return self._page(
                instance, task_id, formdata=formdata, errors=error.errors, status=error.status
            )
        except RuntimeCommandError as error:
            flash(error.message, "danger")
            return self._page(instance, task_id, formdata=request.form, status=error.status)
        flash(gettext("Done: %(action)s.", action=label(form.action.data)), "success")
        return redirect(url_for(".show", instance_id=instance_id))

    @expose("/<int:instance_id>/revoke", methods=["POST"])
    @has_access
    @permission_name("act")
    def revoke(self, instance_id: int):
        form = RevokeForm()
        return self._command(
            form,
            instance_id,
            lambda: runtime().revoke(g.user, instance_id, form.opinion.data or ""),
            gettext("Revoked: the instance is your draft again."),
        )

    @expose("/<int:instance_id>/urge", methods=["POST"])
    @has_access
    @permission_name("act")
    def urge(self, instance_id: int):
        form = UrgeForm()

        def command():
            urged = runtime().urge(g.user, instance_id, form.message.data or "")
            flash(gettext("Reminder sent to %(who)s.", who=", ".join(urged)), "success")

        return self._command(form, instance_id, command, None)

    @expose("/<int:instance_id>/reinitiate", methods=["POST"])
    @has_access
    @permission_name("act")
    def reinitiate(self, instance_id: int):
        """Cancel the instance and start again from a copy of its form (regulations §3.6)."""
        form = ReinitiateForm()
        if not form.validate_on_submit():
            return self._refused(form, instance_id)
        try:
            new = runtime().reinitiate(g.user, instance_id, form.reason.data)
        except InstanceNotFoundError:
            abort(404)
        except RuntimeCommandError as error:
            flash(error.message, "danger")
            return redirect(url_for(".show", instance_id=instance_id))
        flash(
            gettext("Cancelled. This is a new draft with the same data: correct it and submit."),
            "success",
        )
        return redirect(url_for("ProcessCatalogueView.draft", instance_id=new.id))

    @expose("/<int:instance_id>/questions", methods=["POST"])
    @has_access
    @permission_name("act")
    def ask(self, instance_id: int):
        """Ask the initiator or another participant (regulations §3.3, §3.6)."""
        form = AskForm()
        form.to.choices = [SelectChoice(name, name) for name in request.form.getlist("to")]
        return self._command(
            form,
            instance_id,
            lambda: runtime().ask(g.user, instance_id, form.to.data, form.text.data),
            gettext("Question sent."),
        )

    @expose("/<int:instance_id>/questions/<int:question_id>/answer", methods=["POST"])
    @has_access
    @permission_name("act")
    def answer(self, instance_id: int, question_id: int):
        form = AnswerForm()
        question = db.session.get(Question, question_id)
        if question is None or question.instance_id != instance_id:
            abort(404)
        return self._command(
            form,
            instance_id,
            lambda: runtime().answer(g.user, question_id, form.text.data),
            gettext("Answer sent."),
        )

    @expose("/approve", methods=["POST"])
    @has_access
    @permission_name("act")
    def approve_selected(self):
        """Agree to the to-dos chosen in the inbox, each on its own (bulk_approval.py)."""
        if not BulkApprovalForm().validate_on_submit():
            abort(400)
        task_ids = request.form.getlist("task", type=int)
        try:
            results = bulk_approval.agree_to_all(
                db.session, g.user, task_ids, request.form.get("opinion", "")
            )
        except RuntimeCommandError as error:
            flash(error.message, "danger")
            return redirect(url_for("InboxView.index", tab="todo"))
        return self.render_template("runtime/bulk_result.html", results=results)

    # Helpers ------------------------------------------------------------------------

    def _command(self, form, instance_id: int, command, success: str | None):
        """Run an instance-level command from a small form and go back to the page."""
        if not form.validate_on_submit():
            return self._refused(form, instance_id)
        try:
            command()
        except InstanceNotFoundError:
            abort(404)
        except RuntimeCommandError as error:
            flash(error.message, "danger")
        else:
            if success:
                flash(success, "success")
        return redirect(url_for(".show", instance_id=instance_id))

    def _sheet(self, instance_id: int) -> approval_sheet.ApprovalSheet:
        """The approval sheet of a visible instance (``capitals=0``: without capitals)."""
        capitals = request.args.get("capitals", "1") != "0"
        return approval_sheet_for(_visible(instance_id), g.user, capitals=capitals)

    def _refused(self, form, instance_id: int):
        _visible(instance_id)
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "danger")
        return redirect(url_for(".show", instance_id=instance_id))

    def _page(
        self,
        instance: Instance,
        task_id: int | None = None,
        *,
        formdata: Any = None,
        errors: Mapping[str, list[str]] | None = None,
        status: int = 200,
    ):
        """Render the instance page; after a refused action, with the post as typed."""
        db.session.refresh(instance)
        context = InstancePage(instance, g.user, task_id, formdata).context()
        page = self.render_template("runtime/instance.html", errors=errors or {}, **context)
        return page, status


def _visible(instance_id: int) -> Instance:
    try:
        return visible_instance(db.session, g.user, instance_id)
    except InstanceNotFoundError:
        abort(404)


def approval_sheet_for(
    instance: Instance, user: Any, *, capitals: bool = True
) -> approval_sheet.ApprovalSheet:
    """The approval sheet of ``instance`` (which ``user`` may see: the caller checked), with
    the opinions and the trace as the instance page gathers them; the page and the REST API
    print the same sheet."""
    page = InstancePage(instance, user, None, None)
    return approval_sheet.build(
        db.session,
        instance,
        user,
        opinions=page._opinions(),
        chain=page._trace(),
        node_name=page._node_name,
        capitals=capitals,
    )


class InstancePage:
    """Everything the instance page shows, gathered with one query per list."""

    def __init__(self, instance: Instance, user: Any, task_id: int | None, formdata: Any):
        self.instance = instance
        self.user = user
        self.session = db.session
        self.engine = Engine(self.session, node_types(), instance, user.id)
        self.directory = OrgDirectory(self.session)
        self.formdata = formdata
        self.tasks = self.session.scalars(
            select(Task)
            .where(Task.instance_id == instance.id)
            .options(
                joinedload(Task.assignee),
                joinedload(Task.principal),
                joinedload(Task.completed_by),
                joinedload(Task.activation),
            )
            .order_by(Task.id)
        ).all()
        self.mine = policy.actionable_tasks(instance, user, self.tasks)
        self.task = self._my_task(task_id)

    def _my_task(self, task_id: int | None) -> Task | None:
        """The viewer's task to act on: the one asked for, else the first (blocking first)."""
        chosen = [t for t in self.mine if t.id == task_id] or self.mine
        return chosen[0] if chosen else None

    def context(self) -> dict[str, Any]:
        bound = self._bound()
        return {
            "instance": self.instance,
            "definition": self.instance.definition,
            "task": self.task,
            "my_tasks": self.mine,
            "node_name": self._node_name,
            "bound": bound,
            "attachments": self._attachments(bound),
            "opinions": self._opinions(),
            "questions": self._questions(),
            "trace": self._trace(),
            "since": self._since(bound),
            **self._actions(),
            **self._initiator_actions(),
        }

    def _node_name(self, node_id: str | None) -> str:
        if node_id is None:
            return "—"
        return self.engine.spec.names.get(node_id, node_id)

    def _bound(self):
        version = self.instance.definition_version
        viewer = current_viewer(self.directory)
        if self.task is None:
            node = policy.access_node(self.instance, self.user, self.tasks)
            compiled = read_only(form_services.compiled(version, node))
            return compiled.bind(
                viewer=viewer, directory=self.directory, values=self.instance.values
            )
        compiled = form_services.compiled(version, self.task.node_id)
        values = dict(self.instance.values)
        if self.task.draft:  # "save as draft" kept the handler's edits
            values.update(self.task.draft.get("values") or {})
        if self.formdata is not None:  # a refused post's files, held for the next one
            kept = pending_uploads.kept(
                self.session, compiled.fields, self.formdata, self.user.id, values
            )
            values = pending_uploads.with_kept(values, kept)
        bound = compiled.bind(
            viewer=viewer, directory=self.directory, values=values, formdata=self.formdata
        )
        if self.formdata is not None:
            bound.form.validate()
        return bound

    def _since(self, bound):
        """Why the form came back and what changed since the handler last saw it (issue 19):
        the query decides, with the policy's field rule; the page renders it first."""
        return since_last_seen(
            self.session,
            self.instance,
            self.user,
            self.task,
            fields=bound.compiled.fields,
            display=Display(bound),
            tasks=self.tasks,
        )

    def _attachments(self, bound) -> list[tuple[str, list[dict[str, Any]]]]:
        """(field label, files) of every field carrying uploads that this viewer may see."""
        found = []
        for spec in bound.compiled.fields:
            if field_type(spec).uploads and bound.compiled.access[spec["key"]] != HIDDEN:
                files = self.instance.values.get(spec["key"]) or []
                if files:
                    found.append((spec["label"], files))
        return found

    def _opinions(self) -> list[AuditEntry]:
        """Every handler's action with its opinion, from the audit trail (§6.1)."""
        return self.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.instance_id == self.instance.id, AuditEntry.event == "action")
            .options(joinedload(AuditEntry.actor), joinedload(AuditEntry.on_behalf_of))
            .order_by(AuditEntry.seq)
        ).all()

    def _questions(self) -> dict[str, Any]:
        questions = self.session.scalars(
            select(Question)
            .where(Question.instance_id == self.instance.id)
            .options(joinedload(Question.asked_by), joinedload(Question.asked_to))
            .order_by(Question.asked_at, Question.id)
        ).all()
        finished = self.instance.status in FINISHED_INSTANCE
        people = {self.instance.initiator_id: self.instance.initiator}
        for task in self.tasks:
            people.setdefault(task.assignee_id, task.assignee)
        targets = [
            SelectChoice(
                person.username,
                gettext("%(name)s (initiator)", name=person.get_full_name())
                if person.id == self.instance.initiator_id
                else person.get_full_name(),
            )
            for person_id, person in people.items()
            if person_id != self.user.id and person.active
        ]
        ask = None
        if targets and policy.ask_refusal(self.instance, self.user) is None:
            ask = AskForm()
            ask.to.choices = targets
        return {
            "list": questions,
            "ask": ask,
            "answer": AnswerForm() if not finished else None,
        }

    def _trace(self) -> trace.Trace:
        activations = self.session.scalars(
            select(Activation)
            .where(Activation.instance_id == self.instance.id)
            .order_by(Activation.seq)
        ).all()
        # Display names are not unique (and used to be self-chosen): the user name beside
        # each keeps two people apart (issue 17, defect 12).
        names = {self.instance.initiator_id: self.instance.initiator.signature()}
        for task in self.tasks:
            for person in (task.assignee, task.principal, task.completed_by):
                if person is not None:
                    names[person.id] = person.signature()
        notes = self.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.instance_id == self.instance.id,
                AuditEntry.event.in_(trace.NOTE_EVENTS),
            )
            .order_by(AuditEntry.seq)
        ).all()
        # The chain as the viewer's language reads it (node names, edge labels).
        document = form_services.shown_document(self.instance.definition_version)
        return trace.build(document, activations, self.tasks, names, notes)

    def _actions(self) -> dict[str, Any]:
        """The buttons of the viewer's task: exactly what its node offers now."""
        if self.task is None:
            return {"actions": [], "action_form": None}
        task, engine = self.task, self.engine
        node_type = engine.node_type(task.node_id)
        offered = policy.offered_actions(engine, task)
        form = ActionForm(formdata=None)
        if self.formdata is not None:
            form = ActionForm()
        elif task.draft or task.status is TaskStatus.HELD:
            form.opinion.data = (task.draft or {}).get("opinion") or task.opinion or ""
        removable = []
        if Action.REDUCE_SIGNATURE in offered:
            removable = policy.removable_signers(engine, task)
            form.task_ids.choices = [
                SelectChoice(t.id, t.assignee.get_full_name()) for t in removable
            ]
        if Action.ROLLBACK in offered:
            start = engine.start_node()
            form.target.choices = (
                [SelectChoice("previous", gettext("The previous node"))]
                + [
                    SelectChoice(node_id, engine.spec.names[node_id])
                    for node_id in policy.rollback_targets(self.session, engine, task)
                    if node_id != start
                ]
                + [
                    SelectChoice(
                        "initiator",
                        gettext(
                            "The initiator (%(name)s)",
                            name=self.instance.initiator.get_full_name(),
                        ),
                    )
                ]
            )
        actions = [
            {
                "name": str(action),
                "label": _button_label(action, task, engine),
                "message": opinion_required_message(action, engine.spec.names[task.node_id]),
                "style": BUTTON_STYLES.get(action, "btn-default"),
                "needs_opinion": needs_opinion(node_type, action, engine.nodes[task.node_id]),
                "edits": action in EDITING_ACTIONS,
                "primary": action in SHOWN_ACTIONS,
            }
            for action in offered
        ]
        return {
            "actions": actions,
            "action_form": form,
            "node_type": node_type,
            "removable": removable,
            # Whom to add or transfer to is found with the people picker (issue 19), not
            # listed: the group may have 100,000 accounts. The command checks the choice.
            "chooses_people": bool({Action.ADD_SIGNATURE, Action.TRANSFER} & set(offered)),
            # The quick phrases under the dialog's opinion box: the viewer's, as in the inbox.
            "phrases": phrases.offered(self.session, self.user.id),
        }

    def _initiator_actions(self) -> dict[str, Any]:
        """Revoke, urge, cancel and re-initiate: offered exactly when the policy allows."""
        instance, user = self.instance, self.user
        refusals = {
            "revoke": (RevokeForm, policy.revoke_refusal(instance, user, self.engine.start_node())),
            "urge": (UrgeForm, policy.urge_refusal(instance, user)),
            "reinitiate": (ReinitiateForm, policy.reinitiate_refusal(instance, user)),
        }
        return {name: form() if no is None else None for name, (form, no) in refusals.items()}


def _hold_refused_files(formdata: MultiDict, error: InvalidSubmissionError) -> MultiDict:
    """The files of a refused post that passed their own checks stay chosen (issue 19,
    defect 2), on the start page and the task page alike: their rows commit on their own as
    pending uploads, and the post shown again lists them as kept."""
    held = error.held
    unit_of_work(db.session).run(lambda: pending_uploads.hold(db.session, held))
    return pending_uploads.reposted(formdata, held)


def _button_label(action: Action, task: Task, engine: Engine) -> str:
    # The node's own word for the button (definition format 2, in the reader's language).
    own = engine.nodes[task.node_id].get("buttons", {}).get(str(action))
    if own:
        return own
    if action is Action.SUBMIT and task.node_id == engine.start_node():
        return gettext("Resubmit")
    return button(action)
