"""A person chosen on an application page (My Agents, a deactivated account's successor),
posted as the account's id: the WTForms field the people picker enhances (issue 19).

FAB's ``QuerySelectField`` lists, and validates against, every row its query gives: with the
people picker standing in for the list, that was every offered account on each page view
(2 s at 100,000 accounts). This field lists only the person it holds (posted, or set as
data) and accepts a posted id exactly when :func:`oa_platform.org.policy.offered_people`
offers that account, the rule every picker asks.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.fields import QuerySelectField
from sqlalchemy import select

from oa_platform.accounts.models import OAUser
from oa_platform.extensions import db
from oa_platform.org.policy import offered_people

_OFFERED = select(OAUser).where(offered_people())


def person_label(user: OAUser) -> str:
    """ "name (user name)", the name in the reader's language, as the picker shows it."""
    return f"{user.get_full_name()} ({user.username})"


class PersonField(QuerySelectField):
    """One offered person, chosen with the people picker (``data-oa-people="id"``); without
    script, a list of the person held and the blank."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        render_kw = {"data-oa-people": "id", **kwargs.pop("render_kw", {})}
        super().__init__(
            label,
            validators,
            query_func=self._held,
            get_pk_func=lambda user: user.id,
            get_label=person_label,
            render_kw=render_kw,
            **kwargs,
        )

    def _get_object_list(self) -> list[tuple[str, OAUser]]:
        # Not cached: what the field holds may be posted, then set as data by the page.
        return [(str(user.id), user) for user in self._held()]

    def _held(self) -> list[OAUser]:
        """The offered account the field holds now, if any (one primary-key read)."""
        wanted = self._formdata if self._formdata is not None else getattr(self._data, "id", None)
        try:
            key = int(wanted)
        except (TypeError, ValueError):
            return []  # nothing held, or not an id: "Not a valid choice"
        return list(db.session.scalars(_OFFERED.where(OAUser.id == key)))
