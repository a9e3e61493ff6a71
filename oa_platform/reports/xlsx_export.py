"""XLSX workbooks (openpyxl) for the reports' tables: one sheet per table, a bold header row,
numbers written as numbers, text cells made safe the same way as the CSV files
(:func:`oa_platform.reports.csv_export.safe_cell`: a cell starting with ``=`` is text, never a
formula run on the reader's machine).

Shared by the inspection report (issue 22, oa_platform/inspection/) and IT's usage view
(oa_platform/usage/).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from oa_platform.reports.csv_export import safe_cell

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Excel refuses these in sheet titles; titles are at most 31 characters.
_TITLE_REFUSED = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Sheet:
    """One table: its sheet title, header and rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]


def _title(title: str, taken: set[str]) -> str:
    base = (title.translate(_TITLE_REFUSED) or "Sheet")[:31]
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    taken.add(name)
    return name


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """The workbook's bytes: each :class:`Sheet` in order, the header row bold and frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for sheet in sheets:
        page = book.create_sheet(_title(sheet.title, taken))
        page.append([str(safe_cell(h)) for h in sheet.header])
        for cell in page[1]:
            cell.font = Font(bold=True)
        page.freeze_panes = "A2"
        for row in sheet.rows:
            page.append([safe_cell(value) for value in row])
    if not sheets:
        book.create_sheet("Sheet")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
