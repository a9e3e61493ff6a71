"""Building blocks field types share: WTForms validators and fields with the platform's
messages, the member schemas several types take, and the shape checks of posted values.

Messages leave out the label: the submission prefixes "Label: " or "Table, row N, Column: ".
They are in the reader's language: each check translates its message when it runs
(:func:`plugins.contract.gettext`), since the compiled form holding the checks is cached and
shared by readers of every language. Third-party field types may use all of it.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from typing import Any

import re2
import wtforms
from babel.numbers import format_currency
from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_wtf.file import MultipleFileField
from wtforms import SelectChoice, validators
from wtforms.fields.core import UnboundField

from plugins.contract import N_, gettext
from plugins.field_contract import ShapeError

REQUIRED = N_("is required.")  # the English message; readers get :func:`required_message`
BLANK = SelectChoice("", "")  # "nothing chosen", first in single-choice lists
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# The schema's ceiling for max_rows; a table without max_rows still accepts no more rows.
ROW_CEILING = 500
SCALAR = str | int | float | bool

# Member schemas several types take (a member name means one thing across types).
RANGE_MEMBERS = {"min": {"type": "number"}, "max": {"type": "number"}}
LENGTH_MEMBERS = {
    "min_length": {"type": "integer", "minimum": 0},
    "max_length": {"type": "integer", "minimum": 1},
}
PATTERN_MEMBER = {"pattern": {"type": "string", "minLength": 1, "maxLength": 500}}
OPTIONS_MEMBER = {"options": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/option"}}}


def attribute_name(key: str) -> str:
    """The Python attribute of a field in a compiled form (its HTML name is ``key``): a key
    such as ``data`` must not shadow WTForms' own attributes."""
    return f"f_{key}"


# --- Validators ------------------------------------------------------------------------------


class RequiredMessage(str):
    """The message of a missing required value, in the reader's language. A draft may be
    saved without required values: the submission tells these messages by their class, since
    their words depend on the reader."""


def required_message() -> RequiredMessage:
    """The message "is required." in the request's language, as a :class:`RequiredMessage`."""
    return RequiredMessage(gettext(REQUIRED))


class _SaysRequired:
    """A WTForms presence check whose refusal is :func:`required_message`."""

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        try:
            super().__call__(form, field)  # type: ignore[misc]
        except validators.StopValidation:
            raise validators.StopValidation(required_message()) from None


class DataRequired(_SaysRequired, validators.DataRequired):
    """Something truthy was entered (WTForms' check, the platform's message)."""


class InputRequired(_SaysRequired, validators.InputRequired):
    """Something was entered, 0 included (WTForms' check, the platform's message)."""


class InChoices:
    """Every selected value is one of the field's choices, read when validating (pickers get
    their choices at bind time)."""

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        allowed = {str(choice.value) for choice in field.iter_choices()}
        chosen = field.data if isinstance(field.data, list) else [field.data]
        for value in chosen:
            if value not in (None, "") and str(value) not in allowed:
                raise validators.ValidationError(
                    gettext("%(value)s is not one of the options.", value=repr(str(value)))
                )


class Places:
    """A finite number with at most ``places`` decimals."""

    def __init__(self, places: int | None) -> None:
        self.places = places

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        if field.process_errors:
            raise validators.StopValidation()  # "is not a number" is said already
        value = field.data
        if not isinstance(value, decimal.Decimal):
            return
        if not value.is_finite():
            raise validators.StopValidation(gettext("is not a number."))
        exponent = value.as_tuple().exponent
        if self.places is not None and isinstance(exponent, int) and -exponent > self.places:
            if self.places == 1:
                raise validators.StopValidation(gettext("takes at most 1 decimal place."))
            raise validators.StopValidation(
                gettext("takes at most %(places)s decimal places.", places=self.places)
            )


class RowCount:
    """A table has between ``min_rows`` and ``max_rows`` rows."""

    def __init__(self, min_rows: int, max_rows: int) -> None:
        self.min_rows = min_rows
        self.max_rows = max_rows

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        count = len(field.entries)
        if count < self.min_rows:
            if self.min_rows == 1:
                raise validators.ValidationError(gettext("needs at least 1 row."))
            raise validators.ValidationError(
                gettext("needs at least %(count)s rows.", count=self.min_rows)
            )
        if count > self.max_rows:
            if self.max_rows == 1:
                raise validators.ValidationError(gettext("takes at most 1 row."))
            raise validators.ValidationError(
                gettext("takes at most %(count)s rows.", count=self.max_rows)
            )


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class _OwnRefusal:
    """A WTForms check (and its HTML flags) that refuses with the platform's message: the
    subclass's ``refusal()``, in the request's language."""

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        try:
            super().__call__(form, field)  # type: ignore[misc]
        except validators.ValidationError:
            raise validators.ValidationError(self.refusal()) from None  # type: ignore[attr-defined]


class NumberRange(_OwnRefusal, validators.NumberRange):
    """WTForms' range check (its ``min``/``max`` flags too), the platform's message."""

    def refusal(self) -> str:
        """What a number out of the range is told, in the request's language."""
        low, high = self.min, self.max
        if low is not None and high is not None:
            return gettext(
                "must be between %(low)s and %(high)s.",
                low=_number_text(low),
                high=_number_text(high),
            )
        if low is not None:
            return gettext("must be at least %(low)s.", low=_number_text(low))
        return gettext("must be at most %(high)s.", high=_number_text(high))


class Length(_OwnRefusal, validators.Length):
    """WTForms' length check (its ``minlength``/``maxlength`` flags too), the platform's
    message."""

    def refusal(self) -> str:
        """What a text of the wrong length is told, in the request's language."""
        low, high = self.min, self.max
        if low > 0 and high != -1:
            return gettext("must be %(low)s to %(high)s characters long.", low=low, high=high)
        if low > 0:
            return gettext("must be at least %(low)s characters long.", low=low)
        return gettext("must be at most %(high)s characters long.", high=high)


def number_range(spec: Mapping[str, Any]) -> list[NumberRange]:
    """The field's ``min``/``max`` as a validator (none without them)."""
    low, high = spec.get("min"), spec.get("max")
    if low is None and high is None:
        return []
    return [NumberRange(min=low, max=high)]


def length(spec: Mapping[str, Any]) -> list[Length]:
    """The field's ``min_length``/``max_length`` as a validator (none without them)."""
    low, high = spec.get("min_length", -1), spec.get("max_length", -1)
    if low in (-1, 0) and high == -1:
        return []
    return [Length(min=low, max=high)]


def linear_pattern(text: str) -> Any:
    """``text`` compiled by RE2, which matches in time linear in the input: a designer's
    ``^(a+)+$`` would take Python's backtracking ``re`` exponential time on every submission
    (issue 17, defect 5). Raises ``re2.error`` for what RE2 cannot match that way
    (back-references, look-around)."""
    options = re2.Options()
    options.log_errors = False  # the caller reports the error, on the field
    return re2.compile(text, options)


class FullMatch:
    """The whole value matches the field's ``pattern`` (RE2, linear time)."""

    def __init__(self, text: str) -> None:
        self.compiled = linear_pattern(text)

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        value = field.data
        if isinstance(value, str) and value and self.compiled.fullmatch(value) is None:
            raise validators.ValidationError(gettext("does not have the required format."))


def pattern(spec: Mapping[str, Any]) -> list[FullMatch]:
    """The field's ``pattern`` as a validator of the whole value (none without one)."""
    if "pattern" not in spec:
        return []
    # The whole value must match: designers write "[0-9]{6}" meaning six digits, not "contains".
    return [FullMatch(spec["pattern"])]


def presence(spec: Mapping[str, Any], *, input_required: bool = False) -> list[Any]:
    """``required`` as the first validators. ``input_required`` for types where a falsy value
    is a value (0, a date): then something must have been entered rather than be truthy."""
    if not spec.get("required"):
        # Optional also drops a blank number's "not a number" error: empty is allowed.
        return [validators.Optional()]
    if input_required:
        return [InputRequired()]  # 0 is a value
    return [DataRequired()]


# --- Fields ----------------------------------------------------------------------------------


class DirectorySelectField(wtforms.SelectField):
    """A user or department picker; its choices come from the org directory at bind time.

    A user picker's select is marked for the people picker (issue 19): with script, the org
    tree and pinyin search stand in for the list of every user; the select stays in the form
    and posts the user name, so validation does not change.
    """

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        if source == "user":
            kwargs["render_kw"] = {"data-oa-people": "username", **kwargs.get("render_kw", {})}
        super().__init__(*args, **kwargs)
        self.source = source


class _ReadsInvalidValue:
    """A field whose ``invalid_value_message`` (English, marked with ``N_``) is told in the
    request's language, when a post it cannot read is processed."""

    invalid_value_message: str | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError:
            if not self.invalid_value_message:
                raise  # WTForms' own message, translated by its own means
            raise ValueError(gettext(self.invalid_value_message)) from None


class DateField(_ReadsInvalidValue, wtforms.DateField):
    """WTForms' date field; a post that is no date is told so in the reader's language."""


class DateTimeLocalField(_ReadsInvalidValue, wtforms.DateTimeLocalField):
    """WTForms' date and time field; a post that is none is told so in the reader's
    language."""


class DecimalField(_ReadsInvalidValue, wtforms.DecimalField):
    """WTForms' number field; a post that is no number is told so in the reader's
    language."""


class AttachmentsForm(wtforms.Form):
    """An attachments field: new uploads, and which current files to keep (ids)."""

    files = MultipleFileField()
    keep = wtforms.SelectMultipleField(choices=[], validate_choice=False, validators=[InChoices()])


def field_kwargs(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Label, help text and HTML name of a field's WTForms field."""
    return {"label": spec["label"], "description": spec.get("help", ""), "name": spec["key"]}


def option_choices(spec: Mapping[str, Any]) -> list[SelectChoice]:
    """The field's ``options`` as WTForms choices."""
    return [SelectChoice(option["value"], option["label"]) for option in spec.get("options", ())]


def strip(value: Any) -> Any:
    """A WTForms filter: text without surrounding white space."""
    return value.strip() if isinstance(value, str) else value


def text_field(spec: Mapping[str, Any], field_class: type = wtforms.StringField) -> UnboundField:
    """A text field with the ``required``, length and pattern rules of ``spec``."""
    return field_class(
        validators=[*presence(spec), *length(spec), *pattern(spec)],
        filters=[strip],
        **field_kwargs(spec),
    )


# --- Shapes of posted values -----------------------------------------------------------------


def listed(value: Any, what: str) -> Sequence[Any]:
    """``value`` as a list (None: empty), or :class:`ShapeError` "must be {what}" in the
    request's language (mark ``what`` with ``N_`` for the catalogs)."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ShapeError(_must_be(what))
    return value


def scalar(value: Any, what: str = N_("a single value")) -> SCALAR | None:
    """``value`` if it is one JSON scalar (or None), else :class:`ShapeError`."""
    if value is not None and not isinstance(value, SCALAR):
        raise ShapeError(_must_be(what))
    return value


def _must_be(what: str) -> str:
    return gettext("must be %(what)s", what=gettext(what))


def post_text(value: Any) -> str:
    """A scalar as a browser posts it (a ticked box as "y")."""
    if isinstance(value, bool):
        return "y" if value else ""
    return "" if value is None else str(value)


def money_text(value: decimal.Decimal | int | float | str, currency: str = "CNY") -> str:
    """An amount as money in the request's language: ¥1,234.50 (zh_CN), CN¥1,234.50 (en)."""
    # form_builder also renders on a bare Flask app (no Flask-Babel): English there.
    babel = has_app_context() and "babel" in current_app.extensions
    locale = str((get_locale() if babel else None) or "en")
    return format_currency(decimal.Decimal(str(value)), currency, locale=locale)
