"""Helpers for file-library tests (seed 2 §7.1): the office's folders and files, and real
PDF, Word and Excel files to publish.

Everything runs inside an application context with the demo data loaded. The Group Office's
people (clerk, secretary, leader) publish in every company's folders; Auditors read all.
"""

from __future__ import annotations

import io

from oa_platform.extensions import db
from oa_platform.library import commands
from oa_platform.library.models import LibraryFile, LibraryFolder
from tests.conftest import user


def pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (Latin, in Helvetica), with a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def docx(*paragraphs: str) -> bytes:
    """A Word document with these paragraphs (python-docx)."""
    import docx as python_docx

    document = python_docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx(*rows: tuple) -> bytes:
    """An Excel workbook with these rows on its first sheet (openpyxl)."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def folder(
    name: str,
    audience: list[str] | tuple[str, ...] = ("everyone",),
    company: str = "GRP",
    department: str = "",
    by: str = "clerk",
) -> LibraryFolder:
    """The office (``by``) makes a folder shown to ``audience``."""
    return commands.create_folder(db.session, user(by), company, department, name, list(audience))


def publish(
    target: LibraryFolder,
    filename: str,
    content: bytes,
    name: str = "",
    description: str = "",
    by: str = "clerk",
) -> LibraryFile:
    """The office publishes a file in ``target``."""
    return commands.publish(
        db.session,
        user(by),
        target.id,
        commands.Upload(filename, content),
        name,
        description,
    )
