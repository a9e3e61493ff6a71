"""The kinds of official documents (seed 2 §4.1: documents, meeting notices, announcements,
briefings, information), each with its numbering pattern and its template (the red header's
heading and a body to start from); urgencies and security levels.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext

from plugins.field_types.security_level import CONFIDENTIAL, refusal

__all__ = ["CONFIDENTIAL", "KINDS", "LEVELS", "URGENCIES", "Kind", "kind", "refusal"]


@dataclass(frozen=True)
class Kind:
    """A kind of document: its label, numbering pattern and template."""

    code: str
    label: object  # a lazy string
    pattern: str  # {unit}, {year}, {seq}
    heading: str  # the red header's heading after the unit's name: 文件, 会议通知, ...
    body_template: str


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            "document",
            lazy_gettext("Document"),
            "{unit}〔{year}〕{seq}号",
            "文件",
            "<p>各单位：</p><p></p><p>特此通知。</p>",
        ),
        Kind(
            "meeting_notice",
            lazy_gettext("Meeting notice"),
            "{unit}会〔{year}〕{seq}号",
            "会议通知",
            "<p>一、会议时间：</p><p>二、会议地点：</p><p>三、参会人员：</p><p>四、会议议题：</p>",
        ),
        Kind(
            "announcement",
            lazy_gettext("Announcement"),
            "{unit}告〔{year}〕{seq}号",
            "公告",
            "<p></p><p>特此公告。</p>",
        ),
        Kind(
            "briefing",
            lazy_gettext("Briefing"),
            "{unit}简报〔{year}〕第{seq}期",
            "简报",
            "<h3>本期要目</h3><p></p>",
        ),
        Kind(
            "information",
            lazy_gettext("Information"),
            "{unit}信息〔{year}〕第{seq}期",
            "信息",
            "<p></p>",
        ),
        Kind("incoming", lazy_gettext("Incoming document"), "收文〔{year}〕{seq}号", "收文", ""),
    )
}

# Urgency (紧急程度) and the default hours before the unopened are reminded (§4.5).
URGENCIES: dict[str, object] = {
    "especially_urgent": lazy_gettext("Especially urgent (特急)"),
    "urgent": lazy_gettext("Urgent (加急)"),
    "routine": lazy_gettext("Routine (平件)"),
}
# Security levels; the confidential ones are refused (§6.3, ``refusal``).
LEVELS: dict[str, object] = {
    "ordinary": lazy_gettext("Ordinary"),
    "internal": lazy_gettext("Internal"),
    "secret": lazy_gettext("Secret (秘密)"),
    "confidential": lazy_gettext("Confidential (机密)"),
    "top_secret": lazy_gettext("Top secret (绝密)"),
}


class UnknownKindError(ValueError):
    """A kind no document has."""


def kind(code: str) -> Kind:
    """The kind ``code``, or :class:`UnknownKindError` naming it."""
    try:
        return KINDS[code]
    except KeyError:
        raise UnknownKindError(
            str(lazy_gettext("unknown document kind '%(kind)s'", kind=code))
        ) from None
