"""The small forms of the staff pages (each a FlaskForm: every post carries a CSRF token),
and the read-only form shown to people who do not handle the current node.

The task form's own fields carry the prefix ``oa-``: definition field keys are lower-case
identifiers, so ``oa-opinion`` can never collide with a field the form designer named
``opinion``.
"""

from __future__ import annotations

import dataclasses
import json
from types import MappingProxyType

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from form_builder.compiler import EDIT, READ, CompiledForm, NodeForm
from oa_platform.runtime import texts

ACTION_PREFIX = "oa-"
POSITIONS = [
    SelectChoice("parallel", lazy_gettext("In parallel with me")),
    SelectChoice("before", lazy_gettext("Before me (I sign after them)")),
    SelectChoice("after", lazy_gettext("After me (they sign once I agree)")),
]


class ActionForm(FlaskForm):
    """A handler's action on a task: the opinion and what the chosen action needs."""

    action = StringField("Action", validators=[DataRequired("Choose an action.")])
    opinion = TextAreaField("Opinion", validators=[Length(max=texts.OPINION)])
    target = SelectField("Roll back to", choices=[], validate_choice=False)
    resubmit_to_me = BooleanField("On resubmission, come straight back to me")
    users = SelectMultipleField("People", choices=[], validate_choice=False)
    position = SelectField("Where they sign", choices=POSITIONS, default="parallel")
    task_ids = SelectMultipleField(
        "Signers to remove", choices=[], coerce=int, validate_choice=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix=ACTION_PREFIX, **kwargs)


class AskForm(FlaskForm):
    """A question to the initiator or another participant (regulations §3.3, §3.6)."""

    to = SelectField("Ask", choices=[], validators=[DataRequired("Choose whom to ask.")])
    text = TextAreaField(
        "Question", validators=[DataRequired("Write the question."), Length(max=texts.QUESTION)]
    )


class AnswerForm(FlaskForm):
    text = TextAreaField(
        "Answer", validators=[DataRequired("Write the answer."), Length(max=texts.QUESTION)]
    )


class RevokeForm(FlaskForm):
    opinion = TextAreaField("Why revoke", validators=[Optional(), Length(max=texts.OPINION)])


class UrgeForm(FlaskForm):
    message = StringField("Message", validators=[Optional(), Length(max=texts.URGE_MESSAGE)])


class ReinitiateForm(FlaskForm):
    reason = TextAreaField(
        "Why cancel",
        validators=[DataRequired("Say why it is cancelled."), Length(max=texts.OPINION)],
    )


def read_only(compiled: CompiledForm) -> CompiledForm:
    """``compiled`` with every editable field made read-only; hidden fields stay hidden.

    People who may see an instance but do not handle its current node see the form this way.
    """
    access = MappingProxyType(
        {key: READ if level == EDIT else level for key, level in compiled.access.items()}
    )
    spec = dict(compiled.client_spec)
    spec["fields"] = [
        {**field, "access": READ if field["access"] == EDIT else field["access"]}
        for field in spec["fields"]
    ]
    return dataclasses.replace(
        compiled,
        form_class=NodeForm,
        access=access,
        client_spec=MappingProxyType(spec),
        client_spec_json=json.dumps(spec, separators=(",", ":")),
    )
