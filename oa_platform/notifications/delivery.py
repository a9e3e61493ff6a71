"""How notices leave the bell: by mail, one at a time or in a daily digest, as each person
chose, and to the enterprise messengers an integration connects (DingTalk, WeCom, Feishu).

People choose on the notifications settings page which kinds are mailed and whether they are
mailed at once or gathered into one digest at an hour of their day (company time zone).
Without a choice every kind is mailed at once, as before there was a choice. Operations'
alerts (``kinds.ALWAYS_MAILED``) are not a choice: always mailed at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.notifications.kinds import ALWAYS_MAILED, KINDS
from oa_platform.notifications.models import NotificationSetting
from plugins.events import event_manager

EVERY_KIND = tuple(KINDS)


@dataclass(frozen=True)
class Choice:
    """A person's choice: the kinds mailed, and the digest hour (None: at once)."""

    email_kinds: frozenset[str]
    digest_hour: int | None

    def mails_now(self, kind: str) -> bool:
        if kind in ALWAYS_MAILED:
            return True
        return kind in self.email_kinds and self.digest_hour is None


DEFAULT = Choice(frozenset(EVERY_KIND), None)


def choices(session: Session, user_ids: Iterable[int]) -> dict[int, Choice]:
    """Each person's choice (the default for those who made none), in one query."""
    wanted = set(user_ids)
    found = {user_id: DEFAULT for user_id in wanted}
    if wanted:
        query = select(NotificationSetting).where(NotificationSetting.user_id.in_(wanted))
        for setting in session.scalars(query):
            found[setting.user_id] = Choice(frozenset(setting.email_kinds), setting.digest_hour)
    return found


def choice_of(session: Session, user_id: int) -> Choice:
    return choices(session, [user_id])[user_id]


def mailed_now(session: Session, written: Sequence[Any]) -> list[int]:
    """The ids of the new notices (rows with ``id``, ``user_id``, ``kind``) to mail at once;
    the rest wait for their person's digest, or are not mailed at all."""
    chosen = choices(session, {row.user_id for row in written})
    return [row.id for row in written if chosen[row.user_id].mails_now(row.kind)]


def messengers_listen() -> bool:
    """Whether an installed integration wants every notice (the ``notified`` event)."""
    return bool(event_manager().hook.notified.get_hookimpls())


def digest_window(setting: NotificationSetting, now: datetime) -> datetime:
    """Since when a digest sent at ``now`` gathers notices: the last one, at most a day."""
    day_ago = now - timedelta(days=1)
    sent = setting.digest_sent_at
    return max(sent, day_ago) if sent is not None else day_ago
