"""Helpers for official-document tests: a valid draft of the shipped issuing definition
(examples/definitions/document_issue.json) and walking it through review and sign-off.

Everything runs inside an application context with the demo data loaded. The demo's chain for
a draft by the Group Office's clerk: department review by the office head (leader), office
check by the secretary, sign-off by the leader in charge (leader).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from oa_platform.documents.models import Document
from oa_platform.extensions import db
from oa_platform.runtime.models import Instance
from oa_platform.runtime.services import runtime
from tests.conftest import user
from tests.runtime_helpers import act_at, refresh

KEY = "document_issue"
BODY = "<p>各单位：</p><p>为规范费用报销，现将有关事项通知如下。</p><p>特此通知。</p>"


def draft_form(**overrides: Any) -> MultiDict:
    """A valid post of the drafter's form (overrides win; None leaves a field out)."""
    values = {
        "kind": "document",
        "issuing_unit": "GRP/OFFICE",
        "title": "关于规范费用报销的通知",
        "urgency": "urgent",
        "security_level": "internal",
        "main_recipients": "department:SLS/SALES\nuser:finance",
        "copy_recipients": "user:mc",
        "body": BODY,
        **overrides,
    }
    return MultiDict([(k, v) for k, v in values.items() if v is not None])


def draft(drafter: str = "clerk", **overrides: Any) -> Instance:
    """``drafter`` submits a new document for review."""
    return runtime().submit(user(drafter), KEY, draft_form(**overrides))


def sign_through(instance: Instance) -> Instance:
    """Department review, office check and sign-off all agree (the demo's chain)."""
    act_at(instance, "leader", "agree", "department_review")
    act_at(instance, "secretary", "agree", "office_check")
    act_at(instance, "leader", "agree", "sign_off")
    return refresh(instance)


def issued(instance: Instance) -> Document:
    """The document the instance issued."""
    db.session.expire_all()
    return db.session.scalars(select(Document).where(Document.instance_id == instance.id)).one()
