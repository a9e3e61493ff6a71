"""The small WTForms forms of the definition pages (each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, InputRequired

from form_builder.words import lazy_gettext


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class OpinionForm(FlaskForm):
    opinion = TextAreaField(lazy_gettext("Opinion"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("Reason"), validators=[DataRequired(lazy_gettext("Say why."))]
    )


class DraftForm(FlaskForm):
    document = TextAreaField(lazy_gettext("Definition (JSON)"), validators=[InputRequired()])


class ImportForm(FlaskForm):
    files = MultipleFileField(
        lazy_gettext("Definition files (.json)"), validators=[InputRequired()]
    )
