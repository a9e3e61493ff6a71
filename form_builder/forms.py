"""The small WTForms forms of the definition pages (each carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import TextAreaField
from wtforms.validators import DataRequired, InputRequired


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class OpinionForm(FlaskForm):
    opinion = TextAreaField("Opinion")


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired("Say why.")])


class DraftForm(FlaskForm):
    document = TextAreaField("Definition (JSON)", validators=[InputRequired()])


class ImportForm(FlaskForm):
    files = MultipleFileField("Definition files (.json)", validators=[InputRequired()])
