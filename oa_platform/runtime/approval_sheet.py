"""The approval sheet (审批单) of an instance: what a printed copy holds, as an HTML print view
and as a PDF (``oa_platform/pdf.py``, as documents print their red header).

The sheet holds its header (company, form, serial number, applicant, department, date), the
form's fields in the layout the designer gave them, every opinion (who, what, when) and the
trace (§6.1). It shows exactly the fields the reader may read: ``policy.readable_fields``
decides, as on the instance page; the sheet never re-decides. Times are the company's
(``format_when``) and words the reader's language, like the page. Money fields may show
their amount in Chinese capitals as well (大写金额, ``oa_platform/chinese_amounts.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import render_template, url_for
from markupsafe import Markup
from sqlalchemy.orm import Session

from form_builder import services as form_services
from form_builder.clock import utcnow
from form_builder.compiler import HIDDEN
from form_builder.rendering import Display, cells
from form_builder.views import current_viewer
from oa_platform.chinese_amounts import amount_in_capitals
from oa_platform.i18n import format_day, local_time
from oa_platform.org.directory import OrgDirectory
from oa_platform.pdf import CJK_FONTS, render_pdf
from oa_platform.runtime import policy, trace
from oa_platform.runtime.forms import read_only
from oa_platform.runtime.labels import status_label
from oa_platform.runtime.models import AuditEntry, Instance
from oa_platform.runtime.opinions import button
from plugins.fields import field_type

# Field widgets that take the sheet's whole width.
WIDE = frozenset({"section", "table", "rich_text", "textarea", "attachments"})


@dataclass(frozen=True)
class SheetField:
    """One field as printed: its label and read-only text (a table: its columns and rows)."""

    key: str
    label: str
    kind: str  # the field type's widget: "section", "table", "attachments", "rich_text"...
    text: str | Markup = ""
    capitals: str | None = None  # the amount in Chinese capitals, for money
    columns: Sequence[str] = ()
    rows: Sequence[Sequence[str | Markup]] = ()

    @property
    def wide(self) -> bool:
        return self.kind in WIDE


@dataclass(frozen=True)
class SheetOpinion:
    """One handler's action: where, who (for whom), what, the opinion and when."""

    node: str
    who: str
    action: str
    opinion: str
    when: datetime


@dataclass
class ApprovalSheet:
    """Everything the printed sheet shows of one instance, for one reader."""

    instance: Instance
    title: str
    company: str
    form_name: str
    serial: str
    applicant: str
    department: str
    date: str
    status: str
    rows: list[list[SheetField]] = field(default_factory=list)
    opinions: list[SheetOpinion] = field(default_factory=list)
    trace: list[trace.TraceNode] = field(default_factory=list)
    capitals: bool = True

    @property
    def fields(self) -> list[SheetField]:
        return [f for row in self.rows for f in row]


def serial_number(instance: Instance) -> str:
    """The sheet's serial number (流水号): the day it was submitted (the company's day) and the
    instance's number, e.g. 20261207-000042; unique because the number is."""
    when = local_time(instance.submitted_at or instance.created_at)
    return f"{when:%Y%m%d}-{instance.id:06d}"


def money_capitals(spec: dict[str, Any], value: Any) -> str | None:
    """The capitals of a money field's amount, or None (not money, empty, or negative: a
    refund shows in figures only)."""
    money = spec.get("type") == "money" or (
        spec.get("type") == "computed" and spec.get("result") == "money"
    )
    if not money or value in (None, ""):
        return None
    try:
        return amount_in_capitals(value)
    except ValueError:
        return None


def _field(spec: dict[str, Any], value: Any, display: Display, capitals: bool) -> SheetField:
    kind = field_type(spec).widget
    common = {"key": spec["key"], "label": spec.get("label", ""), "kind": kind}
    if kind == "section":
        return SheetField(**common)
    if kind == "table":
        columns = spec.get("columns", [])
        rows = [[display(c, (row or {}).get(c["key"])) for c in columns] for row in value or []]
        return SheetField(**common, columns=[c.get("label", "") for c in columns], rows=rows)
    if kind == "attachments":  # names only: a printed link leads nowhere
        return SheetField(**common, text="、".join(item.get("name", "") for item in value or []))
    return SheetField(
        **common,
        text=display(spec, value),
        capitals=money_capitals(spec, value) if capitals else None,
    )


def _rows(
    instance: Instance, user: Any, session: Session, capitals: bool
) -> list[list[SheetField]]:
    """The readable fields in the designer's layout: wide fields alone, the others in pairs."""
    tasks = list(instance.tasks)
    access = policy.readable_fields(instance, user, tasks)
    node = policy.access_node(instance, user, tasks)
    compiled = read_only(form_services.compiled(instance.definition_version, node))
    directory = OrgDirectory(session)
    bound = compiled.bind(
        viewer=current_viewer(directory), directory=directory, values=instance.values
    )
    display = Display(bound)
    rows: list[list[SheetField]] = []
    for layout_row in cells(bound):
        pair: list[SheetField] = []
        for cell in layout_row:
            if access.get(cell.key, HIDDEN) == HIDDEN or not cell.shown:
                continue  # the policy hides it from this reader, or the form does now
            printed = _field(dict(cell.spec), cell.value, display, capitals)
            if printed.wide:
                rows.extend([pair] if pair else [])
                rows.append([printed])
                pair = []
                continue
            pair.append(printed)
            if len(pair) == 2:
                rows.append(pair)
                pair = []
        if pair:
            rows.append(pair)
    return rows


def _opinions(
    entries: Iterable[AuditEntry], node_name: Callable[[str | None], str]
) -> list[SheetOpinion]:
    from flask_babel import gettext

    found = []
    for entry in entries:
        detail = entry.detail or {}
        who = entry.actor.signature() if entry.actor else gettext("system (the task was overdue)")
        if entry.on_behalf_of and entry.on_behalf_of_id != entry.actor_id:
            who += " " + gettext("on behalf of %(who)s", who=entry.on_behalf_of.signature())
        action = button(detail.get("action") or "")
        if detail.get("target"):
            action += f" → {node_name(detail['target'])}"
        found.append(
            SheetOpinion(
                node=node_name(entry.node_id) if entry.node_id else gettext("Initiator"),
                who=who,
                action=action,
                opinion=detail.get("opinion") or "",
                when=entry.at,
            )
        )
    return found


def build(
    session: Session,
    instance: Instance,
    user: Any,
    *,
    opinions: Iterable[AuditEntry],
    chain: trace.Trace,
    node_name: Callable[[str | None], str],
    capitals: bool = True,
) -> ApprovalSheet:
    """The sheet of ``instance`` as ``user`` may read it (the caller checked that they may
    see the instance: ``visibility.visible_instance``); ``opinions`` are its "action"
    entries and ``chain`` its trace, as the instance page gathers them."""
    initiator = instance.initiator
    department = initiator.department
    company = department.company if department else None
    reached = [node for node in chain.nodes if node.state != "pending" or node.steps]
    return ApprovalSheet(
        instance=instance,
        # The title in the reader's language where the instance keeps one per language.
        title=getattr(instance, "shown_title", None) or instance.title,
        company=company.shown_name if company else "",
        form_name=instance.definition.name,
        serial=serial_number(instance),
        applicant=initiator.signature(),
        department=department.shown_name if department else "—",
        date=format_day(instance.submitted_at or instance.created_at),
        status=status_label(instance.status),
        rows=_rows(instance, user, session, capitals),
        opinions=_opinions(opinions, node_name),
        trace=sorted(reached, key=lambda node: (node.x, node.y)),
        capitals=capitals,
    )


def sheet_html(sheet: ApprovalSheet, *, for_pdf: bool = False) -> str:
    """The sheet as a whole HTML page, its styles inline (the PDF has no other source)."""
    instance_id = sheet.instance.id
    return render_template(
        "runtime/approval_sheet.html",
        sheet=sheet,
        fonts=CJK_FONTS,
        for_pdf=for_pdf,
        printed_at=utcnow(),
        node_state_label=trace.node_state_label,
        pdf_url=None
        if for_pdf
        else url_for(
            "InstanceView.sheet_pdf", instance_id=instance_id, capitals=int(sheet.capitals)
        ),
        toggle_url=None
        if for_pdf
        else url_for(
            "InstanceView.sheet", instance_id=instance_id, capitals=int(not sheet.capitals)
        ),
    )


def sheet_pdf(sheet: ApprovalSheet) -> bytes:
    """The sheet as a PDF; its information names the form and the serial number."""
    return render_pdf(
        sheet_html(sheet, for_pdf=True),
        metadata={
            "title": f"{sheet.form_name} {sheet.serial}",
            "subject": sheet.title,
            "keywords": [sheet.serial, sheet.form_name],
        },
    )
