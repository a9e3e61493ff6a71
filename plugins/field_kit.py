"""Building blocks field types share: WTForms validators and fields with the platform's
messages, the member schemas several types take, and the shape checks of posted values.

Messages leave out the label: the submission prefixes "Label: " or "Table, row N, Column: ".
Third-party field types may use all of it.
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

from plugins.field_contract import ShapeError

REQUIRED = "is required."
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


class InChoices:
    """Every selected value is one of the field's choices, read when validating (pickers get
    their choices at bind time)."""

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        allowed = {str(choice.value) for choice in field.iter_choices()}
        chosen = field.data if isinstance(field.data, list) else [field.data]
        for value in chosen:
            if value not in (None, "") and str(value) not in allowed:
                raise validators.ValidationError(f"{str(value)!r} is not one of the options.")


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
            raise validators.StopValidation("is not a number.")
        exponent = value.as_tuple().exponent
        if self.places is not None and isinstance(exponent, int) and -exponent > self.places:
            plural = "" if self.places == 1 else "s"
            raise validators.StopValidation(f"takes at most {self.places} decimal place{plural}.")


class RowCount:
    """A table has between ``min_rows`` and ``max_rows`` rows."""

    def __init__(self, min_rows: int, max_rows: int) -> None:
        self.min_rows = min_rows
        self.max_rows = max_rows

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        count = len(field.entries)
        if count < self.min_rows:
            raise validators.ValidationError(f"needs at least {_rows(self.min_rows)}.")
        if count > self.max_rows:
            raise validators.ValidationError(f"takes at most {_rows(self.max_rows)}.")


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def number_range(spec: Mapping[str, Any]) -> list[validators.NumberRange]:
    """The field's ``min``/``max`` as a validator (none without them)."""
    low, high = spec.get("min"), spec.get("max")
    if low is None and high is None:
        return []
    if low is not None and high is not None:
        message = f"must be between {_number_text(low)} and {_number_text(high)}."
    elif low is not None:
        message = f"must be at least {_number_text(low)}."
    else:
        message = f"must be at most {_number_text(high)}."
    return [validators.NumberRange(min=low, max=high, message=message)]


def length(spec: Mapping[str, Any]) -> list[validators.Length]:
    """The field's ``min_length``/``max_length`` as a validator (none without them)."""
    low, high = spec.get("min_length", -1), spec.get("max_length", -1)
    if low in (-1, 0) and high == -1:
        return []
    if low > 0 and high != -1:
        message = f"must be {low} to {high} characters long."
    elif low > 0:
        message = f"must be at least {low} characters long."
    else:
        message = f"must be at most {high} characters long."
    return [validators.Length(min=low, max=high, message=message)]


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
            raise validators.ValidationError("does not have the required format.")


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
        return [validators.InputRequired(message=REQUIRED)]  # 0 is a value
    return [validators.DataRequired(message=REQUIRED)]


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
    """``value`` as a list (None: empty), or :class:`ShapeError` "must be {what}"."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ShapeError(f"must be {what}")
    return value


def scalar(value: Any, what: str = "a single value") -> SCALAR | None:
    """``value`` if it is one JSON scalar (or None), else :class:`ShapeError`."""
    if value is not None and not isinstance(value, SCALAR):
        raise ShapeError(f"must be {what}")
    return value


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
