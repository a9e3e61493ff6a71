"""WTForms for the account pages (CSRF comes from FAB's DynamicForm / Flask-WTF)."""

from __future__ import annotations

from flask import current_app
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_babel import gettext, lazy_gettext
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from oa_platform.org.person_field import PersonField


def _rules_text() -> str:
    cfg = current_app.config
    age = int(cfg.get("OA_PASSWORD_MAX_AGE_DAYS", 90))
    text = gettext(
        "At least %(least)s characters; no runs such as 123456, 654321, 111111 or abcdef; "
        "not a common password; not containing your user name; none of your last "
        "%(history)s passwords.",
        least=cfg.get("OA_PASSWORD_MIN_LENGTH", 12),
        history=cfg.get("OA_PASSWORD_HISTORY", 5),
    )
    if age > 0:
        text += " " + gettext("It must be changed every %(days)s days.", days=age)
    return text


class ChangePasswordForm(DynamicForm):
    current_password = PasswordField(
        lazy_gettext("Current password"),
        validators=[DataRequired()],
        widget=BS3PasswordFieldWidget(),
    )
    new_password = PasswordField(
        lazy_gettext("New password"),
        validators=[DataRequired()],
        widget=BS3PasswordFieldWidget(),
    )
    confirm_password = PasswordField(
        lazy_gettext("Repeat the new password"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=lazy_gettext("The two new passwords differ.")),
        ],
        widget=BS3PasswordFieldWidget(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_password.description = _rules_text()


class DeactivateUserForm(DynamicForm):
    # A successor must be someone still here: the people picker's rule (org/policy.py).
    successor = PersonField(
        lazy_gettext("Successor (takes over open tasks; empty: the department head)"),
        allow_blank=True,
    )


class UserImportForm(DynamicForm):
    file = FileField(
        lazy_gettext(
            "CSV file (UTF-8 or GBK) or Excel workbook (.xlsx): name, username, email, "
            "company, department, position"
        ),
        validators=[
            FileRequired(lazy_gettext("Choose a CSV file or an Excel workbook to import."))
        ],
    )


class ConfirmForm(DynamicForm):
    """A button-only form: carries the CSRF token for one-click actions such as a reset."""
