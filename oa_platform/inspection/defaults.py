"""The checklist and ticket rules an installation starts with; IT changes them on the
Checklist page. Written once, when the tables are still empty."""

from __future__ import annotations

from flask_babel import lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oa_platform.inspection.models import ChecklistItem, TicketRule

# code, English, Chinese, who answers (§8.6), colour, points. The English names are marked
# for the catalogs as well: a starting item IT has not renamed reads in the reader's language.
_NAMES = (
    lazy_gettext("Opinions clear where §3.5 requires them"),
    lazy_gettext("Deadlines kept"),
    lazy_gettext("Right approvers for the amount"),
    lazy_gettext("Attachments present"),
    lazy_gettext("Content free of errors"),
)
ITEMS = (
    (
        "opinions",
        "Opinions clear where §3.5 requires them",
        "按§3.5要求签署明确意见",
        "handler",
        "red",
        1,
    ),
    ("deadlines", "Deadlines kept", "按时限办理", "handler", "white", 1),
    ("approvers", "Right approvers for the amount", "审批人与金额权限相符", "leadership", "red", 2),
    ("attachments", "Attachments present", "附件齐全", "business", "white", 1),
    ("content", "Content free of errors", "内容无差错", "content", "red", 1),
)

# code, kind, threshold, colour, points
RULES = (
    ("overtime_8h", "overtime_hours", 8.0, "white", 1),
    ("missing_opinions_2", "missing_opinions", 2.0, "red", 2),
)

RULE_KINDS = {
    "overtime_hours": lazy_gettext("Overtime above N hours"),
    "missing_opinions": lazy_gettext("Missing opinions at least N times in the period"),
}

MISSING_OPINIONS_ITEM = "opinions"

WHITE_MEANINGS = {
    "warning": lazy_gettext("warning"),
    "commendation": lazy_gettext("commendation"),
}


def white_meaning() -> str:
    """What a white ticket means here (``OA_WHITE_TICKET``: warning or commendation, §8.7 "as
    the company configures"); a red ticket is a penalty."""
    from flask import current_app

    key = current_app.config.get("OA_WHITE_TICKET") or "warning"
    return str(WHITE_MEANINGS.get(key, WHITE_MEANINGS["warning"]))


def item_label(item: ChecklistItem) -> str:
    """An item's name as the reader reads it: a starting item under its own English name in
    the request's language; any other by its stored names (Chinese for a Chinese reader)."""
    from oa_platform.org.models import shown_name

    for code, name, *_rest in ITEMS:
        if item.code == code and item.name == name:
            return str(_NAMES[[c for c, *_ in ITEMS].index(code)])
    return shown_name(item.name, item.name_zh)


def ensure(session: Session) -> None:
    """Add the starting checklist and rules where none exist (does not commit)."""
    if not session.scalar(select(func.count()).select_from(ChecklistItem)):
        for position, (code, name, name_zh, who, colour, points) in enumerate(ITEMS):
            session.add(
                ChecklistItem(
                    code=code,
                    name=name,
                    name_zh=name_zh,
                    responsibility=who,
                    colour=colour,
                    points=points,
                    position=position,
                )
            )
    if not session.scalar(select(func.count()).select_from(TicketRule)):
        for code, kind, threshold, colour, points in RULES:
            session.add(
                TicketRule(code=code, kind=kind, threshold=threshold, colour=colour, points=points)
            )
    session.flush()
