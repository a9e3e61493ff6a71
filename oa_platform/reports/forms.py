"""The overtime inspection's filter form, read from the query string (a GET form: it changes
nothing, so it carries no CSRF token and its links can be bookmarked and shared)."""

from __future__ import annotations

from datetime import date, tzinfo

from flask_babel import gettext, lazy_gettext
from flask_wtf.i18n import translations as wtforms_translations
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import DateField, Form, SelectField
from wtforms.validators import ValidationError

from oa_platform.accounts.models import OAUser
from oa_platform.org.directory import OrgDirectory
from oa_platform.org.models import person_name
from oa_platform.reports.overtime import OvertimeFilters
from oa_platform.reports.periods import Period, quarter_of
from oa_platform.runtime import inbox

_DATE_FORMAT = lazy_gettext("Enter a date as YYYY-MM-DD, for example 2026-07-01.")


def _handler_choices(session: Session) -> list[tuple[str, str]]:
    """Every account, those who left included: their overtime still counts (§8.5)."""
    query = select(OAUser.username, OAUser.first_name, OAUser.last_name, OAUser.name_zh).order_by(
        OAUser.last_name, OAUser.first_name, OAUser.username
    )
    return [
        (u, f"{person_name(first, last, name_zh)} ({u})")
        for u, first, last, name_zh in session.execute(query)
    ]


class OvertimeFilterForm(Form):
    """Period (default: the current quarter), department, process and handler."""

    class Meta:
        def get_translations(self, form: Form) -> object:
            """WTForms' own messages in the request's language, as Flask-WTF's forms have."""
            return wtforms_translations

    # Left out, a date is the current quarter's; given, it must parse (an empty one too).
    start = DateField(lazy_gettext("From"), invalid_value_message=_DATE_FORMAT)
    end = DateField(lazy_gettext("To (included)"), invalid_value_message=_DATE_FORMAT)
    # "" is "every ..." (the first choice); anything not listed is refused with the message.
    department = SelectField(
        lazy_gettext("Department"),
        default="",
        invalid_choice_message=lazy_gettext("Choose a department from the list."),
    )
    definition = SelectField(
        lazy_gettext("Process"),
        default="",
        invalid_choice_message=lazy_gettext("Choose a process from the list."),
    )
    handler = SelectField(
        lazy_gettext("Handler"),
        default="",
        invalid_choice_message=lazy_gettext("Choose a handler from the list."),
    )

    def __init__(self, session: Session, formdata: MultiDict, today: date, zone: tzinfo):
        """``today`` and the period's days are the company's (``zone``)."""
        quarter = quarter_of(today)
        super().__init__(formdata, start=quarter.first, end=quarter.last)
        self.zone = zone
        self.directory = OrgDirectory(session)
        self.department.choices = [
            ("", gettext("Every department")),
            *self.directory.department_choices(),
        ]
        self.definition.choices = [("", gettext("Every process")), *inbox.definitions(session)]
        self.handler.choices = [("", gettext("Everyone")), *_handler_choices(session)]

    def validate_end(self, field: DateField) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(gettext("The period cannot end before it starts."))
        if field.data == date.max:  # the period's end is the next midnight: there is none
            raise ValidationError(gettext("Choose a day before %(day)s.", day=date.max.isoformat()))

    @property
    def period(self) -> Period:
        return Period(self.start.data, self.end.data, self.zone)

    def filters(self) -> OvertimeFilters:
        """The validated choices as query filters (call after ``validate``)."""
        department = self.department.data
        return OvertimeFilters(
            period=self.period,
            department_id=self.directory.department_id(department) if department else None,
            definition=self.definition.data,
            handler=self.handler.data,
        )

    def query_args(self, **overrides: object) -> dict[str, object]:
        """The filters as URL arguments (empty ones left out), for links and the export."""
        args: dict[str, object] = {
            "start": self.start.data.isoformat() if self.start.data else None,
            "end": self.end.data.isoformat() if self.end.data else None,
            "department": self.department.data,
            "definition": self.definition.data,
            "handler": self.handler.data,
            **overrides,
        }
        return {key: value for key, value in args.items() if value}
