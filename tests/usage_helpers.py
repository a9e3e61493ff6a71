"""Vocabulary for the usage view's tests (§2.1.1): a timeline with known handling times, and
readers of the page's figures and tables (``data-oa-*`` attributes)."""

from __future__ import annotations

import re
from datetime import datetime

import time_machine

from tests.conftest import login
from tests.runtime_helpers import act_at, away, refresh, start

USAGE = "/usage/"
# Inspected after the quarter: the inspectors' own sign-ins are not in Q3's activity.
INSPECTION = datetime(2026, 10, 5, 10, 0)
SUMMER = "2026-Q3"


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def known_handling_times():
    """Q3 2026, every time known to the minute (times UTC, as stored):

    - A, Sam's expense claim, Mon 6 July 09:00: Henry agrees at 10:00 (60 min), Fiona
      (Finance) at 13:00 (180 min); finished in 240 min.
    - B, Sam's expense claim, Tue 7 July 09:00, while Henry is away with Laura as his agent:
      Laura agrees for him at 12:00 (180 min); Fiona only a week later, Tue 14 July 12:00
      (10,080 min, past her deadline); finished in 10,260 min.
    - C, Sam's leave request, Mon 3 August 09:00: Henry disagrees at 11:00 (120 min).
    Returns (A, B, C)."""
    with at(datetime(2026, 7, 6, 9, 0)):
        a = start("staff", "expense_claim")
    with at(datetime(2026, 7, 6, 10, 0)):
        act_at(a, "head", "agree", "manager")
    with at(datetime(2026, 7, 6, 13, 0)):
        act_at(a, "finance", "agree", "finance")
    with at(datetime(2026, 7, 7, 8, 0)):
        away("head", "leader")
    with at(datetime(2026, 7, 7, 9, 0)):
        b = start("staff", "expense_claim")
    with at(datetime(2026, 7, 7, 12, 0)):
        act_at(b, "leader", "agree", "manager")
    with at(datetime(2026, 7, 14, 12, 0)):
        act_at(b, "finance", "agree", "finance")
    with at(datetime(2026, 8, 3, 9, 0)):
        c = start("staff", "leave_request", start_date="2026-09-01", end_date="2026-09-02")
    with at(datetime(2026, 8, 3, 11, 0)):
        act_at(c, "head", "disagree", "department_head", opinion="Not in the busy season")
    return refresh(a), refresh(b), refresh(c)


def get(client, username: str | None, path: str = USAGE, **args):
    """``path`` as ``username`` (None: signed out) sees it at the inspection."""
    with at(INSPECTION):
        client.post("/logout/")
        if username is not None:
            login(client, username)
        return client.get(path, query_string=args)


def figures(html: str) -> dict[str, float | int | None]:
    """The summary's figures by name (the overtime rate as a percentage)."""
    found: dict[str, float | int | None] = {}
    for name, rate, text in re.findall(
        r'data-oa-figure="(\w+)"(?: data-rate="([\d.]*)")?>([^<]*)<', html
    ):
        if name == "overtime_rate":
            found[name] = float(rate) if rate else None
        else:
            found[name] = int(text)
    return found


def _cells(row: str) -> dict[str, int | float | None]:
    values: dict[str, int | float | None] = {}
    for name, number in re.findall(r'data-oa-count="(\w+)">(\d+)<', row):
        values[name] = int(number)
    minutes = [int(m) if m else None for m in re.findall(r'data-minutes="(\d*)"', row)]
    if minutes:
        values["median"], values["p90"] = minutes
    rate = re.search(r'data-rate="([\d.]*)"', row)
    if rate:
        values["rate"] = float(rate.group(1)) if rate.group(1) else None
    return values


def rows(html: str, table: str, key: str) -> dict[str, dict[str, int | float | None]]:
    """A table's rows by their ``data-oa-<key>`` attribute, each row's figures by name."""
    body = re.search(rf'(?s)<table[^>]*id="usage-{table}".*?</table>', html).group(0)
    return {
        name: _cells(cells)
        for name, cells in re.findall(rf'(?s)<tr data-oa-{key}="([\w.-]+)"[^>]*>(.*?)</tr>', body)
    }
