"""``flask oa usage rollup``: compute the usage view's daily rollup for a range of closed days
(a backfill after installing, or again after a correction or a change of ``OA_TIMEZONE``)."""

from __future__ import annotations

import time
from datetime import date

import click
from flask.cli import with_appcontext


@click.group("usage")
def usage_cli() -> None:
    """IT's usage view (§2.1.1)."""


def _day(_context, parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"write a day as 2026-07-31, not {value!r}") from None


@usage_cli.command("rollup")
@click.option(
    "--from", "first", callback=_day, help="First day (default: after the newest rolled up)."
)
@click.option("--to", "last", callback=_day, help="Last day, included (default: yesterday).")
@with_appcontext
def rollup_command(first: date | None, last: date | None) -> None:
    """Roll up the closed days from --from to --to (company days), replacing what they held;
    without either, the days beat would roll up next."""
    from datetime import timedelta

    from form_builder.clock import utcnow
    from oa_platform.extensions import db
    from oa_platform.i18n import company_zone, local_time
    from oa_platform.usage.rollup import RollupError, first_activity_day, pending, roll_up

    zone = company_zone()
    today = local_time(utcnow()).date()
    if first is None and last is None:
        days = pending(db.session, today, zone)
        if days is None:
            click.echo("Every closed day is rolled up already.")
            return
        first, last = days
    last = last or today - timedelta(days=1)
    first = first or first_activity_day(db.session, zone) or last
    started = time.monotonic()

    def progress(rolled) -> None:
        if rolled.day.day == 1 or rolled.day == last:
            click.echo(f"  up to {rolled.day.isoformat()}")

    try:
        done = roll_up(db.session, first, last, today, zone, progress)
    except RollupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(rolled.rows for rolled in done)
    click.echo(
        f"Rolled up {len(done)} days from {first.isoformat()} to {last.isoformat()}"
        f" ({rows} rows) in {time.monotonic() - started:.1f} s."
    )
