"""What people read for the runtime's statuses, in the request's language (issue 18).

Statuses are stored as their English names (``states.py``); pages, the API's messages and
refusals show them through :func:`status_label`. In Chinese they are the words of the
glossary (docs/glossary.md).
"""

from __future__ import annotations

from flask_babel import lazy_gettext

STATUSES = {
    # instances
    "draft": lazy_gettext("draft"),
    "running": lazy_gettext("running"),
    "returned": lazy_gettext("returned"),
    "completed": lazy_gettext("completed"),
    "terminated": lazy_gettext("terminated"),
    "cancelled": lazy_gettext("cancelled"),
    "error": lazy_gettext("error"),
    # tasks
    "waiting": lazy_gettext("waiting"),
    "open": lazy_gettext("open"),
    "held": lazy_gettext("on hold"),
    "done": lazy_gettext("done"),
}


def status_label(status: str | None) -> str:
    """An instance's or task's status as people read it (an unknown one: as stored)."""
    if status is None:
        return ""
    found = STATUSES.get(str(status))
    return str(found) if found is not None else str(status)
