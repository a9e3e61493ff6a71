"""Helpers for notice tests: a draft of the shipped release definition (examples/definitions/
notice_release.json) and its approval.

The demo's chain for a draft by the Sales Department's staff: the unit head (head) approves;
a major principle issue then goes to the leader in charge (leader) as the company leader.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from oa_platform.extensions import db
from oa_platform.notices.models import Notice
from oa_platform.runtime.models import Instance
from oa_platform.runtime.services import runtime
from tests.conftest import user
from tests.runtime_helpers import act_at, refresh

KEY = "notice_release"
BODY = "<p>各位同事：</p><p>本周五下午进行消防演练，请准时参加。</p>"


def notice_form(**overrides: Any) -> MultiDict:
    """A valid post of the drafter's form (overrides win; None leaves a field out)."""
    values = {
        "kind": "notice",
        "title": "关于消防演练的通知",
        "everyone": "y",
        "audience": "",
        "body": BODY,
        **overrides,
    }
    return MultiDict([(k, v) for k, v in values.items() if v is not None])


def draft(drafter: str = "staff", **overrides: Any) -> Instance:
    """``drafter`` submits a notice for release."""
    return runtime().submit(user(drafter), KEY, notice_form(**overrides))


def approve(instance: Instance, head: str = "head") -> Instance:
    """The unit head agrees to the release."""
    return refresh(act_at(instance, head, "agree", "head_approval"))


def released(instance: Instance) -> Notice | None:
    """The notice the instance released (None: none was)."""
    db.session.expire_all()
    return db.session.scalars(select(Notice).where(Notice.instance_id == instance.id)).first()


def publish(drafter: str = "staff", **overrides: Any) -> Notice:
    """A notice drafted by ``drafter`` and approved by the head (no major issue)."""
    notice = released(approve(draft(drafter, **overrides)))
    assert notice is not None
    return notice


def shown_to(username: str) -> list[str]:
    """Titles on ``username``'s dashboard list, in its order."""
    from oa_platform.documents.distribution import today
    from oa_platform.notices import queries

    db.session.expire_all()
    return [row.notice.title for row in queries.for_reader(db.session, user(username), today())]


def publish_with_attachment(drafter: str = "staff", **overrides: Any) -> Notice:
    """A released notice with one PDF attached (for the attachment pages)."""
    import io

    from werkzeug.datastructures import FileStorage

    from tests.runtime_helpers import PDF

    upload = FileStorage(io.BytesIO(PDF), filename="演练路线图.pdf", name="attachments-files")
    instance = runtime().submit(
        user(drafter), KEY, notice_form(**overrides), MultiDict([("attachments-files", upload)])
    )
    notice = released(approve(instance))
    assert notice is not None and notice.attachments
    return notice
