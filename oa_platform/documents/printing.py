"""The red header (红头, seed 2 §3.1: a file header and body that comply with the rules): the
issued document in the company's official layout, as an HTML print view and as a PDF with
Chinese text that carries the number and the content's SHA-256. A paper copy printed under an
approved print request (§4.1) carries a watermark naming the requester, the time and the copy.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.accounts.models import OAUser
from oa_platform.documents.kinds import LEVELS, URGENCIES, kind
from oa_platform.documents.models import Document
from oa_platform.org.models import Company, Department, shown_name
from oa_platform.pdf import CJK_FONTS, render_pdf
from plugins.sanitize import clean_html


def recipient_labels(session: Session, entries: Iterable[str]) -> list[str]:
    """Recipient entries as people read them: a unit's name, a person's full name."""
    labels = []
    for entry in entries:
        what, _, code = entry.partition(":")
        label = None
        if what == "company":
            found = session.execute(
                select(Company.name, Company.name_zh).where(Company.code == code)
            ).first()
            label = shown_name(*found) if found else None
        elif what == "department":
            company, _, bare = code.rpartition("/")
            query = select(Department.name, Department.name_zh).where(Department.code == bare)
            if company:
                query = query.join(Company).where(Company.code == company)
            found = session.execute(query.limit(1)).first()
            label = shown_name(*found) if found else None
        elif what == "user":
            found = session.scalar(select(OAUser).where(OAUser.username == code))
            label = found.get_full_name() if found else None
        labels.append(label or code)
    return labels


def unit_name(document: Document) -> str:
    """The issuing unit as the red header names it (without the company's code)."""
    return document.unit_shown.rsplit(" (", 1)[0]


def redhead_html(
    session: Session, document: Document, *, for_pdf: bool = False, watermark: str | None = None
) -> str:
    """The red-header page of ``document`` (whole HTML, styles inline)."""
    return render_template(
        "documents/redhead.html",
        document=document,
        kind=kind(document.kind),
        unit=unit_name(document),
        urgency=URGENCIES.get(document.urgency, document.urgency),
        level=LEVELS.get(document.security_level, document.security_level),
        body=clean_html(document.body),
        main=recipient_labels(session, document.main_recipients),
        copies=recipient_labels(session, document.copy_recipients),
        fonts=CJK_FONTS,
        for_pdf=for_pdf,
        watermark=watermark,
    )


def watermark(user: OAUser, copy) -> str:
    """The printed copy's watermark: who printed it, when, and which copy (§4.1)."""
    from flask_babel import gettext

    from oa_platform.i18n import format_when

    return gettext(
        "Printed by %(name)s at %(when)s, copy %(number)s",
        name=user.get_full_name(),
        when=format_when(copy.printed_at),
        number=copy.copy_no,
    )


def document_pdf(session: Session, document: Document, *, watermark: str | None = None) -> bytes:
    """The red header as a PDF; its information names the number and the content hash."""
    html = redhead_html(session, document, for_pdf=True, watermark=watermark)
    return render_pdf(
        html,
        metadata={
            "title": f"{document.number} {document.title}",
            "description": f"SHA-256 {document.content_sha256}",
            "keywords": [document.number, document.content_sha256],
        },
    )
