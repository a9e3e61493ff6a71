"""Freezing an approved notice (the ``notice_release`` node's job, §5.1): the notice row and
its audience, from the release instance's form values, in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.notices.models import Notice, NoticeAudience
from oa_platform.notices.policy import EVERYONE
from oa_platform.runtime.models import Instance
from oa_platform.unit_of_work import unit_of_work
from plugins.field_types.recipients import ENTRY, parse
from plugins.sanitize import clean_html

KINDS = ("announcement", "notice", "briefing")


def audience_entries(values: Mapping[str, Any], unit_key: str | None) -> list[tuple[str, str]]:
    """The (kind, key) rows of the drafted audience: everyone, the entries named, or (neither
    given) the publishing unit itself."""
    rows: list[tuple[str, str]] = [EVERYONE] if values.get("everyone") else []
    for entry in parse(values.get("audience")):
        match = ENTRY.match(entry)
        if match:
            rows.append((match.group(1), match.group(2).strip()))
    if not rows and unit_key:
        rows.append(("department", unit_key))
    return list(dict.fromkeys(rows))


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def release(session: Session, instance: Instance) -> Notice:
    """The notice of ``instance``, written with its audience."""
    values = instance.values
    author = instance.initiator
    department = author.department
    unit_key = f"{department.company.code}/{department.code}" if department else None
    rows = audience_entries(values, unit_key)
    notice = Notice(
        instance_id=instance.id,
        kind=values.get("kind") if values.get("kind") in KINDS else "notice",
        title=(values.get("title") or instance.title or "")[:255],
        body=clean_html(values.get("body")),
        attachments=list(values.get("attachments") or []),
        department_id=department.id if department else None,
        unit_name=department.name if department else "",
        author_id=author.id,
        major=bool(values.get("major")),
        pinned=bool(values.get("pinned")),
        expires_on=_day(values.get("expires_on")),
        audience=["everyone" if kind == "everyone" else f"{kind}:{key}" for kind, key in rows],
        published_at=utcnow(),
    )
    session.add(notice)
    session.flush()
    session.add_all(NoticeAudience(notice_id=notice.id, kind=k, key=key) for k, key in rows)
    return notice


def forbidden_terms(session: Session, values: Mapping[str, Any]) -> list[str]:
    """The forbidden terms IT keeps (the discussion area's list, §8.3) found in the notice's
    title or text: such a notice goes back to its drafter instead of out to its audience."""
    from html import unescape

    import nh3

    from oa_platform.discussion import moderation

    text = unescape(nh3.clean(values.get("body") or "", tags=set()))
    return moderation.check(session, values.get("title") or "", text)


def release_job(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The node's background job: release once (a second run finds the notice); a notice
    holding a forbidden term is not released (``held``, with the reason to give)."""
    from flask_babel import gettext

    from oa_platform.extensions import db

    def work() -> dict[str, Any]:
        instance = db.session.get(Instance, payload["instance_id"])
        notice = db.session.scalar(select(Notice).where(Notice.instance_id == instance.id))
        if notice is None:
            held = forbidden_terms(db.session, instance.values)
            if held:
                reason = gettext(
                    "The notice contains forbidden terms (§8.3): %(terms)s. Reword it and "
                    "submit it again.",
                    terms="、".join(held),
                )
                return {"held": held, "reason": reason}
            notice = release(db.session, instance)
        return {"notice_id": notice.id, "audience": notice.audience}

    return unit_of_work(db.session).run(work)
