"""How long the texts people write into an instance may be: one rule for the pages, the REST
API and the commands, which enforce it (the trail is hash-chained, so an oversized text would
stay in it for good)."""

from __future__ import annotations

from oa_platform.runtime.exceptions import TextTooLongError

OPINION = 4000  # an opinion, a reason to revoke or to cancel
QUESTION = 4000  # a question or its answer
URGE_MESSAGE = 500


def bounded(what: str, text: str | None, limit: int) -> str:
    """``text`` stripped; refused, naming ``what``, when longer than ``limit`` characters."""
    stripped = (text or "").strip()
    if len(stripped) > limit:
        raise TextTooLongError(
            f"The {what} is {len(stripped):,} characters long; at most {limit:,} are kept."
        )
    return stripped
