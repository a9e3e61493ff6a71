"""Periodic usage-view work run by Celery beat: the daily rollup (§2.1.1)."""

from __future__ import annotations

from oa_platform.extensions import celery, db


@celery.task(name="oa_platform.usage.tasks.roll_up_closed_days")
def roll_up_closed_days() -> int:
    """Roll up the closed days not rolled up yet (after the company's midnight: yesterday;
    the first time: every day since the first activity); returns how many days. Run hourly
    and safe to run any time: a day is rolled up again only if asked for by range."""
    from form_builder.clock import utcnow
    from oa_platform.i18n import company_zone, local_time
    from oa_platform.usage.rollup import pending, roll_up

    zone = company_zone()
    today = local_time(utcnow()).date()
    days = pending(db.session, today, zone)
    if days is None:
        return 0
    return len(roll_up(db.session, days[0], days[1], today, zone))
