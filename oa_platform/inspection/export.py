"""The inspection report as a file (§8.5: exported and kept): XLSX with one sheet per table
(``reports.xlsx_export``) and PDF from the report's print page (``oa_platform.pdf``)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext

from oa_platform.inspection.queries import Report
from oa_platform.pdf import CJK_FONTS, render_pdf
from oa_platform.reports.xlsx_export import Sheet, to_xlsx


def xlsx(report: Report) -> bytes:
    """The report's tables, the same numbers as the page."""
    findings = gettext("Findings")
    return to_xlsx(
        [
            Sheet(
                gettext("By department"), [gettext("Department"), findings], report.by_department
            ),
            Sheet(
                gettext("By node"),
                [gettext("Process"), gettext("Node"), findings],
                report.by_node,
            ),
            Sheet(
                gettext("By person"),
                [gettext("Person"), gettext("Department"), findings],
                report.by_person,
            ),
            Sheet(
                gettext("Findings"),
                [
                    gettext("Instance"),
                    gettext("Title"),
                    gettext("Checklist item"),
                    gettext("Node"),
                    gettext("Person"),
                    gettext("Department"),
                    gettext("Note"),
                ],
                report.details,
            ),
        ]
    )


def pdf(report: Report) -> bytes:
    """The report's print page as PDF, with its headings."""
    html = render_template("inspection/report_print.html", report=report, fonts=CJK_FONTS)
    return render_pdf(html, metadata={"title": report.inspection.title})
