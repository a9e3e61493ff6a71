"""How long the texts people write into an instance may be: one rule for the pages, the REST
API and the commands, which enforce it (the trail is hash-chained, so an oversized text would
stay in it for good)."""

from __future__ import annotations

from flask_babel import gettext

from oa_platform.runtime.exceptions import TextTooLongError

OPINION = 4000  # an opinion, a reason to revoke or to cancel
QUESTION = 4000  # a question or its answer
URGE_MESSAGE = 500


def bounded(what: str, text: str | None, limit: int) -> str:
    """``text`` stripped; refused, naming ``what``, when longer than ``limit`` characters."""
    stripped = (text or "").strip()
    if len(stripped) > limit:
        raise TextTooLongError(
            gettext(
                "The %(what)s is %(length)s characters long; at most %(limit)s are kept.",
                what=what,
                length=format(len(stripped), ","),
                limit=format(limit, ","),
            )
        )
    return stripped
