"""Quick opinion phrases (常用语): the sentences a person writes again and again, kept per
person and offered beside the opinion box (issue 19, deliver 2).

Until someone keeps phrases of their own, the common ones below are offered, in their
language.
"""

from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from flask_babel import gettext, lazy_gettext
from sqlalchemy import DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from form_builder.clock import utcnow
from oa_platform.runtime.exceptions import RuntimeCommandError
from oa_platform.unit_of_work import command

MAX_PHRASES = 30
MAX_LENGTH = 200
COMMON = (
    lazy_gettext("Agreed."),
    lazy_gettext("Agreed; please follow the regulations."),
    lazy_gettext("Please add the supporting documents."),
    lazy_gettext("Please check the amounts again."),
)


class OpinionPhrase(Model):
    """One phrase of one person, in the order they added them."""

    __tablename__ = "opinion_phrase"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(String(MAX_LENGTH), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


def phrases_of(session: Session, user_id: int) -> list[OpinionPhrase]:
    query = select(OpinionPhrase).where(OpinionPhrase.user_id == user_id)
    return list(session.scalars(query.order_by(OpinionPhrase.id)))


def offered(session: Session, user_id: int) -> list[str]:
    """The phrases offered beside ``user_id``'s opinion box: theirs, else the common ones."""
    own = [p.text for p in phrases_of(session, user_id)]
    return own or [str(text) for text in COMMON]


@command
def add_phrase(session: Session, user_id: int, text: str) -> OpinionPhrase:
    """Keep ``text`` as one of ``user_id``'s phrases (refused empty, too long, or too many)."""
    text = " ".join((text or "").split())
    if not text:
        raise RuntimeCommandError(gettext("Phrase: write the sentence to keep."))
    if len(text) > MAX_LENGTH:
        raise RuntimeCommandError(
            gettext("Phrase: at most %(count)s characters.", count=MAX_LENGTH)
        )
    count = session.scalar(
        select(func.count(OpinionPhrase.id)).where(OpinionPhrase.user_id == user_id)
    )
    if count >= MAX_PHRASES:
        raise RuntimeCommandError(
            gettext("Keep at most %(count)s phrases; delete one first.", count=MAX_PHRASES)
        )
    phrase = OpinionPhrase(user_id=user_id, text=text)
    session.add(phrase)
    return phrase


@command
def delete_phrase(session: Session, user_id: int, phrase_id: int) -> bool:
    """Delete ``user_id``'s phrase ``phrase_id``; another person's is left alone (False)."""
    phrase = session.get(OpinionPhrase, phrase_id)
    if phrase is None or phrase.user_id != user_id:
        return False
    session.delete(phrase)
    return True
