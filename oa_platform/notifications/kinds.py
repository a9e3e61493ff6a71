"""What a notice can be about: the kinds people choose to have mailed (settings page), and
the headings a digest groups them under."""

from __future__ import annotations

from flask_babel import lazy_gettext

# kind -> what people call it, in the order the settings page and digests list them.
KINDS = {
    "task": lazy_gettext("To-dos that reach me"),
    "copy": lazy_gettext("Copies for my information"),
    "returned": lazy_gettext("Forms returned to me"),
    "urged": lazy_gettext("Urges to handle sooner"),
    "reminder": lazy_gettext("Reminders before a deadline"),
    "overdue": lazy_gettext("Passed deadlines"),
    "escalated": lazy_gettext("To-dos passed to my head as overdue"),
    "agent": lazy_gettext("To-dos my agent took over"),
    "question": lazy_gettext("Questions to me"),
    "answer": lazy_gettext("Answers to my questions"),
    "approved": lazy_gettext("Approvals of my requests"),
    "terminated": lazy_gettext("My requests terminated"),
    "finished": lazy_gettext("My requests finished"),
    "review": lazy_gettext("Definitions submitted for review"),
    "reviewed": lazy_gettext("Reviews of my definitions"),
    "notice": lazy_gettext("Notices of process steps"),
    "ticket": lazy_gettext("Red and white tickets and their appeals"),
}


# Alerts that are not a preference: mailed at once to whom they reach, whatever kinds they
# chose to have mailed or their digest hour, and not on the settings page. An administrator
# must hear of a failed backup the day it fails (§7.2: backed up regularly, off-site too).
ALWAYS_MAILED = frozenset({"backup"})


def label(kind: str) -> str:
    """What people call notices of ``kind`` (the kind itself when it is not listed)."""
    found = KINDS.get(kind)
    return str(found) if found is not None else kind
