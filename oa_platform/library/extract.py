"""The text of a library file, for the search (seed 2 §7.1: files to learn from are found by
what they say). PDF through pypdf, Word through python-docx, Excel through openpyxl,
PowerPoint and OpenDocument from their XML parts, text files as UTF-8.

Bounded: at most ``MAX_PAGES`` pages, ``MAX_ROWS`` rows a sheet and ``MAX_TEXT`` characters
are read, so one large file cannot hold a publishing transaction. A file whose text cannot
be read (damaged, encrypted, scanned images) still publishes: it is found by its name.
"""

from __future__ import annotations

import html
import io
import logging
import re
import zipfile
from collections.abc import Iterator

log = logging.getLogger(__name__)

MAX_TEXT = 200_000
MAX_PAGES = 300
MAX_ROWS = 5_000
_TAG = re.compile(r"<[^>]+>")
# The text runs of DrawingML (PowerPoint) and paragraphs of OpenDocument.
_PPTX_TEXT = re.compile(rb"<a:t>([^<]*)</a:t>")
_ODF_BREAK = re.compile(r"</text:(?:p|h)>")


def _pdf(content: bytes) -> Iterator[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    for page in reader.pages[:MAX_PAGES]:
        yield page.extract_text() or ""


def _docx(content: bytes) -> Iterator[str]:
    import docx

    document = docx.Document(io.BytesIO(content))
    for paragraph in document.paragraphs:
        yield paragraph.text
    for table in document.tables:
        for row in table.rows:
            yield " ".join(cell.text for cell in row.cells)


def _xlsx(content: bytes) -> Iterator[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            yield sheet.title
            for row in sheet.iter_rows(max_row=MAX_ROWS, values_only=True):
                yield " ".join(str(value) for value in row if value is not None)
    finally:
        book.close()


def _pptx(content: bytes) -> Iterator[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        slides = sorted(
            n for n in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)
        )
        for name in slides[:MAX_PAGES]:
            for run in _PPTX_TEXT.findall(archive.read(name)):
                yield html.unescape(run.decode("utf-8", "replace"))


def _odf(content: bytes) -> Iterator[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("content.xml").decode("utf-8", "replace")
    yield html.unescape(_TAG.sub(" ", _ODF_BREAK.sub("\n", xml)))


def _plain(content: bytes) -> Iterator[str]:
    yield content.decode("utf-8", "replace")


_READERS = {
    "pdf": _pdf,
    "docx": _docx,
    "xlsx": _xlsx,
    "pptx": _pptx,
    "odt": _odf,
    "ods": _odf,
    "txt": _plain,
    "csv": _plain,
}


def text_of(kind: str, content: bytes) -> str:
    """The readable text of a file of ``kind`` (an attachment kind key), bounded; "" when it
    has none or it cannot be read."""
    read = _READERS.get(kind)
    if read is None:
        return ""
    parts: list[str] = []
    size = 0
    try:
        for part in read(content):
            parts.append(part)
            size += len(part) + 1
            if size >= MAX_TEXT:
                break
    except Exception as error:  # a damaged file is published and found by its name
        log.warning("library: no text from a %s file (%s)", kind, error)
    return "\n".join(parts)[:MAX_TEXT]
