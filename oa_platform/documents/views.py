"""The documents pages: received, sent and the library; one document with its signatures,
receipt and actions; the receipt board; the red header as HTML and PDF; attachments.

Every page asks ``policy`` (through the commands): a document the reader may not open is a
404 on every address, the attachments and the PDF included. Changes go through ``commands``;
a refused one changes nothing and the page says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext

from form_builder.attachments import AttachmentStore, FormAttachment
from oa_platform.documents import (
    clerks,
    commands,
    kinds,
    policy,
    printing,
    queries,
    receipts,
    signatures,
)
from oa_platform.documents.distribution import today
from oa_platform.documents.models import Document
from oa_platform.documents.policy import DocumentNotFoundError
from oa_platform.extensions import db
from oa_platform.request_limits import requested_page
from oa_platform.runtime.inbox import Page
from oa_platform.runtime.visibility import is_auditor
from oa_platform.unit_of_work import unit_of_work
from plugins.field_types.recipients import parse

TABS = ("received", "sent", "library")


def _openable(document_id: int) -> Document:
    """The document if the reader may open it (without recording an opening), else 404."""
    try:
        return policy.openable(db.session, g.user, document_id, today())
    except DocumentNotFoundError:
        abort(404)


def _change(
    document_id: int,
    command: Callable[[], Any],
    done: Callable[[Any], str],
    back: str,
) -> Response:
    """Run a command of the page: say what it did, or why it was refused (nothing changed);
    404 when the document is not the reader's to know."""
    try:
        flash(done(command()), "success")
    except DocumentNotFoundError:
        abort(404)
    except commands.DocumentCommandError as error:
        flash(str(error), "danger")
    return redirect(url_for(back, document_id=document_id))


def _page_of(listing: Callable[..., tuple[list[Any], int]], number: int) -> Page[Any]:
    """Page ``number`` of a tab's list (``listing(offset=, limit=)`` gives rows and total),
    as the inbox pages its lists; a number past the end shows the last page rather than an
    empty one, the list having shrunk since the link was made."""
    size = queries.PAGE  # read now: tests page through a few documents with a small PAGE
    items, total = listing(offset=(number - 1) * size, limit=size)
    if not items and total:
        number = -(-total // size)
        items, total = listing(offset=(number - 1) * size, limit=size)
    return Page(items=items, total=total, number=number, size=size)


class DocumentsView(BaseView):
    """Official documents (公文): what reached me, what my side issued, the library."""

    route_base = "/documents"
    default_view = "index"

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        tab = request.args.get("tab", "received")
        if tab not in TABS:
            abort(404)
        session = db.session
        query = queries.LibraryQuery(
            text=request.args.get("q", "").strip()[:100],
            number=request.args.get("number", "").strip()[:100],
            kind=request.args.get("kind", "").strip()[:32],
            unit=request.args.get("unit", "").strip()[:100],
            year=request.args.get("year", type=int),
        )
        lists = {
            "received": lambda **at: queries.received(session, g.user, today(), **at),
            "sent": lambda **at: queries.sent(session, g.user, **at),
            "library": lambda **at: queries.library_page(session, g.user, query, today(), **at),
        }
        page = _page_of(lists[tab], requested_page())
        return self.render_template(
            "documents/index.html",
            tab=tab,
            page=page,
            received=page.items if tab == "received" else [],
            sent=page.items if tab == "sent" else [],
            found=page.items if tab == "library" else [],
            query=query,
            kinds=kinds.KINDS,
            urgencies=kinds.URGENCIES,
            unread=queries.unread(session, g.user.id, today()),
        )

    @expose("/<int:document_id>")
    @has_access
    @permission_name("show")
    def show(self, document_id: int):
        try:
            document = commands.open_document(db.session, g.user, document_id)
        except DocumentNotFoundError:
            abort(404)
        session = db.session
        copy = policy.own_copy(session, g.user, document, today())
        found = []
        if document.instance_id is not None:
            from oa_platform.runtime.models import Instance

            values = session.get(Instance, document.instance_id).values
            found = signatures.signatures(session, document.instance_id, values)
        revisions = session.query(Document).filter(Document.revision_of_id == document.id).all()
        return self.render_template(
            "documents/show.html",
            document=document,
            kind=kinds.KINDS.get(document.kind),
            urgency=kinds.URGENCIES.get(document.urgency, document.urgency),
            level=kinds.LEVELS.get(document.security_level, document.security_level),
            copy=copy,
            signatures=found,
            role_labels=signatures.ROLE_LABELS,
            revisions=revisions,
            may_board=policy.may_see_board(session, g.user, document),
            may_withdraw=document.issuer_id == g.user.id and document.status == "issued",
            may_pass_on=clerks.is_clerk_for(
                session, g.user.id, [*document.main_recipients, *document.copy_recipients]
            ),
            main=printing.recipient_labels(session, document.main_recipients),
            copies=printing.recipient_labels(session, document.copy_recipients),
        )

    @expose("/<int:document_id>/acknowledge", methods=["POST"])
    @has_access
    @permission_name("act")
    def acknowledge(self, document_id: int):
        """签收 (§4.4), by the recipient or their agent; from the inbox's Documents tab a row
        names whose copy (``whose``) and the answer returns to that page of the tab."""
        whose = request.form.get("whose", type=int)
        answer = _change(
            document_id,
            lambda: commands.acknowledge(db.session, g.user, document_id, whose),
            lambda _copy: gettext("Acknowledged."),
            "DocumentsView.show",
        )
        if request.form.get("back") == "inbox":
            page = max(request.form.get("page", 1, type=int) or 1, 1)
            status = request.form.get("status")
            status = status if status in queries.RECEIVED_STATES else None
            return redirect(url_for("InboxView.index", tab="documents", page=page, status=status))
        return answer

    @expose("/<int:document_id>/board")
    @has_access
    @permission_name("show")
    def board(self, document_id: int):
        """The receipt board (§4.5): the issuing side and Auditors; everyone else 404."""
        document = _openable(document_id)
        if not policy.may_see_board(db.session, g.user, document):
            abort(404)
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        return self.render_template(
            "documents/board.html",
            board=receipts.board(db.session, document, min(page, 1000) - 1),
            may_urge=policy.may_urge(db.session, g.user, document),
            page=page,
        )

    @expose("/<int:document_id>/urge", methods=["POST"])
    @has_access
    @permission_name("act")
    def urge(self, document_id: int):
        return _change(
            document_id,
            lambda: commands.urge(db.session, g.user, document_id),
            lambda urging: gettext("%(count)s recipients urged.", count=urging.recipients),
            "DocumentsView.board",
        )

    @expose("/<int:document_id>/withdraw", methods=["POST"])
    @has_access
    @permission_name("act")
    def withdraw(self, document_id: int):
        reason = request.form.get("reason", "")
        return _change(
            document_id,
            lambda: commands.withdraw(db.session, g.user, document_id, reason),
            lambda _document: gettext("Withdrawn; its number is recorded as void."),
            "DocumentsView.show",
        )

    @expose("/<int:document_id>/redhead")
    @has_access
    @permission_name("show")
    def redhead(self, document_id: int):
        """The red header as an HTML page (the print view)."""
        document = _openable(document_id)
        return printing.redhead_html(db.session, document)

    @expose("/<int:document_id>/pdf")
    @has_access
    @permission_name("show")
    def pdf(self, document_id: int):
        document = _openable(document_id)
        return Response(
            printing.document_pdf(db.session, document),
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="document-{document.id}.pdf"'},
        )

    @expose("/<int:document_id>/pass-on", methods=["POST"])
    @has_access
    @permission_name("act")
    def pass_on(self, document_id: int):
        """A unit's clerk passes the document on to more of the unit's people (§4.6)."""
        entries = parse(request.form.get("entries", ""))
        return _change(
            document_id,
            lambda: commands.pass_on(db.session, g.user, document_id, entries),
            lambda added: gettext("Passed on to %(count)s more people.", count=added),
            "DocumentsView.show",
        )

    @expose("/clerks", methods=["GET", "POST"])
    @has_access
    @permission_name("clerks")
    def clerks_page(self):
        """IT names each unit's document clerks; units without one are listed first (§4.6)."""
        if request.method == "POST":
            unit, username = request.form.get("unit", ""), request.form.get("user", "").strip()
            remove = request.form.get("remove") == "1"
            try:
                unit_of_work(db.session).run(
                    lambda: (clerks.remove_clerk if remove else clerks.name_clerk)(
                        db.session, unit, username
                    ),
                    conflicts=(),
                )
                flash(gettext("Saved."), "success")
            except clerks.ClerkError as error:
                flash(str(error), "danger")
            return redirect(url_for("DocumentsView.clerks_page"))
        return self.render_template(
            "documents/clerks.html",
            units=clerks.units(db.session),
            missing=clerks.without_clerk(db.session),
        )

    @expose("/<int:document_id>/print")
    @has_access
    @permission_name("show")
    def print_copies(self, document_id: int):
        """Paper copies (§4.1): offered only under the reader's approved print requests."""
        document = _openable(document_id)
        return self.render_template(
            "documents/print.html",
            document=document,
            allowances=policy.print_allowances(db.session, g.user, document),
            request_key=policy.PRINT_REQUEST,
        )

    @expose("/<int:document_id>/print/<int:request_id>", methods=["POST"])
    @has_access
    @permission_name("act")
    def print_copy(self, document_id: int, request_id: int):
        """The next numbered copy as a PDF watermarked with the requester, time and number."""
        try:
            document, copy = commands.print_copy(db.session, g.user, document_id, request_id)
        except DocumentNotFoundError:
            abort(404)
        except commands.DocumentCommandError as error:
            flash(str(error), "danger")
            return redirect(url_for("DocumentsView.print_copies", document_id=document_id))
        watermark = printing.watermark(g.user, copy)
        return Response(
            printing.document_pdf(db.session, document, watermark=watermark),
            mimetype="application/pdf",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="document-{document.id}-copy-{copy.copy_no}.pdf"'
                )
            },
        )

    @expose("/<int:document_id>/attachments/<attachment_id>")
    @has_access
    @permission_name("show")
    def attachment(self, document_id: int, attachment_id: str):
        """A file of the document, for whoever may open the document (and nobody else)."""
        document = _openable(document_id)
        if attachment_id not in {entry.get("id") for entry in document.attachments}:
            abort(404)
        found = db.session.get(FormAttachment, attachment_id)
        if found is None:
            abort(404)
        from flask import current_app

        store = AttachmentStore.for_app(current_app)
        return send_file(
            store.open(found),
            mimetype=found.content_type,
            as_attachment=True,
            download_name=found.file_name,
            max_age=0,
        )


def init_app(app) -> None:
    """Templates get Auditors' flag for the lists (the unread badges are the inbox's counts,
    ``runtime/inbox.py``, and the received tab's ``unread``)."""
    app.jinja_env.globals.setdefault("is_auditor", is_auditor)
