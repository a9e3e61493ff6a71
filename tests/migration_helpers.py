"""A purchase request in two published versions, for the migration tests (issue 23 item 4).

Version 1: the applicant, the head's approval, the leader's legal check for contracts only,
then the HR check; fields ``item`` (required) and ``remark`` (optional). Version 2 drops the
legal check and the remark, gives the HR check the id ``verify`` (its name stays "Check")
and requires a ``priority``, defaulting to "normal".
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from oa_platform.runtime.models import Instance
from oa_platform.runtime.services import runtime
from tests.conftest import user
from tests.runtime_helpers import act, chain, live, node, refresh

KEY = "purchase_request"


def version_one() -> dict[str, Any]:
    document = chain(
        KEY,
        node("head_ok", "approval", ["head"], name="Head approval"),
        node("legal", "approval", ["leader"], name="Legal check"),
        node("check", "approval", ["hr"], name="Check"),
        fields=[
            {"key": "item", "type": "text", "label": "Item", "required": True, "max_length": 80},
            {"key": "remark", "type": "text", "label": "Remark", "max_length": 200},
        ],
    )
    document["edges"] = [
        {"from": "start", "to": "head_ok"},
        {"from": "head_ok", "to": "legal", "condition": "item == 'contract'"},
        {"from": "head_ok", "to": "check", "default": True},
        {"from": "legal", "to": "check"},
        {"from": "check", "to": "end"},
    ]
    return document


def version_two() -> dict[str, Any]:
    return chain(
        KEY,
        node("head_ok", "approval", ["head"], name="Head approval"),
        node("verify", "approval", ["hr"], name="Check"),
        fields=[
            {"key": "item", "type": "text", "label": "Item", "required": True, "max_length": 80},
            {
                "key": "priority",
                "type": "text",
                "label": "Priority",
                "required": True,
                "max_length": 20,
                "default": {"kind": "literal", "value": "normal"},
            },
        ],
    )


def request(item: str = "Printer paper", remark: str | None = "For the Sales office") -> Instance:
    formdata = MultiDict({"item": item, **({"remark": remark} if remark else {})})
    return runtime().submit(user("staff"), KEY, formdata)


def at_check(item: str = "Toner", remark: str | None = None) -> Instance:
    """A request the head approved: it waits at HR's check (or the legal check)."""
    instance = request(item, remark)
    [task] = live(refresh(instance))
    return refresh(act("head", task, "agree"))
