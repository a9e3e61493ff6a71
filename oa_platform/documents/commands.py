"""The documents' write path: each use case checks ``policy`` and runs in one unit of work;
pages and the REST API call these and only render what they answer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from oa_platform.documents import numbering, policy, receipts
from oa_platform.documents.distribution import today
from oa_platform.documents.models import Document, PrintedCopy, Recipient, Urging
from oa_platform.unit_of_work import unit_of_work


class DocumentCommandError(ValueError):
    """A refused document command; the message says why (shown to the person)."""


def open_document(session: Session, user, document_id: int) -> Document:
    """Open a document ``user`` may read; their copy (or their principal's, when acting as
    agent) records the opening. :class:`policy.DocumentNotFoundError` otherwise."""

    def work() -> Document:
        document = policy.openable(session, user, document_id, today())
        copy = policy.own_copy(session, user, document, today())
        if copy is not None:
            receipts.record_open(session, copy)
        return document

    return unit_of_work(session).run(work)


def acknowledge(session: Session, user, document_id: int, whose: int | None = None) -> Recipient:
    """签收 (§4.4): by the recipient or the agent they named for documents; ``whose`` names
    the copy when the list offered one (the reader's or a principal's). Acknowledging twice
    changes nothing; a withdrawn document is refused."""
    from flask_babel import gettext

    def work() -> Recipient:
        document = policy.openable(session, user, document_id, today())
        copy = policy.own_copy(session, user, document, today(), whose)
        if copy is None:
            raise DocumentCommandError(gettext("Only a recipient or their agent acknowledges."))
        if copy.acknowledged_at is None and not policy.may_acknowledge(None, document.status):
            raise DocumentCommandError(
                gettext("The document is withdrawn: there is nothing to acknowledge.")
            )
        receipts.acknowledge(session, copy, user)
        return copy

    return unit_of_work(session).run(work)


def urge(session: Session, user, document_id: int) -> Urging:
    """Urge the unopened (§4.5): the issuing side, rate-limited."""
    from flask_babel import gettext

    def work() -> Urging:
        document = policy.openable(session, user, document_id, today())
        if not policy.may_see_board(session, user, document):
            raise policy.DocumentNotFoundError(document_id)  # not theirs to watch: 404
        if not policy.may_urge(session, user, document):
            raise DocumentCommandError(gettext("Only the issuing side urges its documents."))
        try:
            return receipts.urge(session, document, user)
        except receipts.UrgeTooSoonError as error:
            raise DocumentCommandError(str(error)) from error

    return unit_of_work(session).run(work, conflicts=())


def withdraw(session: Session, user, document_id: int, reason: str) -> Document:
    """Withdraw an issued document: its number is recorded void and never given again."""
    from flask_babel import gettext

    def work() -> Document:
        document = policy.openable(session, user, document_id, today())
        if not policy.may_see_board(session, user, document):
            raise policy.DocumentNotFoundError(document_id)  # a reader's view: 404
        if document.issuer_id != user.id:
            raise DocumentCommandError(gettext("Only the issuer withdraws a document."))
        if not reason.strip():
            raise DocumentCommandError(gettext("reason: say why the document is withdrawn."))
        if document.status != "issued":
            raise DocumentCommandError(gettext("The document is not in force."))
        document.status = "withdrawn"
        numbering.void(session, document.number, reason.strip())
        return document

    return unit_of_work(session).run(work)


def print_copy(
    session: Session, user, document_id: int, request_id: int
) -> tuple[Document, PrintedCopy]:
    """One paper copy under an approved print request (§4.1), numbered and recorded; refused
    without approval or when the approved copies are printed."""
    from flask_babel import gettext

    def work() -> tuple[Document, PrintedCopy]:
        document = policy.openable(session, user, document_id, today())
        allowance = {
            request: (copies, printed)
            for request, copies, printed in policy.print_allowances(session, user, document)
        }
        if request_id not in allowance:
            raise DocumentCommandError(
                gettext("Printing needs an approved print request for this document (§4.1).")
            )
        copies, printed = allowance[request_id]
        if printed >= copies:
            raise DocumentCommandError(
                gettext("The %(copies)s approved copies are printed.", copies=copies)
            )
        copy = PrintedCopy(
            document_id=document.id,
            request_instance_id=request_id,
            copy_no=printed + 1,
            user_id=user.id,
        )
        session.add(copy)
        session.flush()
        return document, copy

    return unit_of_work(session).run(work, conflicts=())


def pass_on(session: Session, clerk, document_id: int, entries: list[str]) -> int:
    """A unit's clerk passes a document on to more people (§4.6): they become recipients
    (``via`` names the clerk); how many were added."""
    from flask_babel import gettext

    from form_builder.clock import utcnow
    from oa_platform.documents import clerks, distribution

    def work() -> int:
        document = policy.openable(session, clerk, document_id, today())
        addressed = [*document.main_recipients, *document.copy_recipients]
        if not clerks.is_clerk_for(session, clerk.id, addressed):
            raise DocumentCommandError(
                gettext("Only a clerk of a unit the document is addressed to passes it on.")
            )
        try:
            added = distribution.deliver(
                session,
                document.id,
                [(entries, False)],
                at=utcnow(),
                via=f"passed on by {clerk.username}",
                only_new=True,
            )
        except distribution.DistributionError as error:
            raise DocumentCommandError(str(error)) from error
        document.recipient_count += added
        return added

    return unit_of_work(session).run(work)
