"""A person's choice of what is mailed and when (the notifications settings page)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import SelectChoice, SelectField, SelectMultipleField, widgets

from oa_platform.notifications.delivery import choice_of
from oa_platform.notifications.kinds import KINDS
from oa_platform.notifications.models import NotificationSetting
from oa_platform.unit_of_work import command

AT_ONCE = ""


class SettingsForm(FlaskForm):
    """Which kinds go by mail; one mail each, or one digest a day at an hour."""

    email_kinds = SelectMultipleField(
        lazy_gettext("Also mail me"),
        choices=[SelectChoice(kind, text) for kind, text in KINDS.items()],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    digest_hour = SelectField(
        lazy_gettext("When"),
        choices=[SelectChoice(AT_ONCE, lazy_gettext("One mail for each notice, at once"))]
        + [
            SelectChoice(str(hour), lazy_gettext("One digest a day at %(hour)02d:00", hour=hour))
            for hour in range(24)
        ],
    )


def form_for(session: Session, user_id: int, formdata=None) -> SettingsForm:
    """The settings form showing ``user_id``'s choice (or the default: every kind at once)."""
    choice = choice_of(session, user_id)
    return SettingsForm(
        formdata=formdata,
        data={
            "email_kinds": [kind for kind in KINDS if kind in choice.email_kinds],
            "digest_hour": AT_ONCE if choice.digest_hour is None else str(choice.digest_hour),
        },
    )


@command
def save_choice(
    session: Session, user_id: int, email_kinds: Iterable[str], digest_hour: int | None
) -> None:
    """Keep ``user_id``'s choice; unknown kinds are dropped, the hour must be 0-23."""
    if digest_hour is not None and not 0 <= digest_hour <= 23:
        raise ValueError("the digest hour is 0-23")
    setting = session.get(NotificationSetting, user_id) or NotificationSetting(user_id=user_id)
    setting.email_kinds = [kind for kind in KINDS if kind in set(email_kinds)]
    setting.digest_hour = digest_hour
    session.add(setting)
