"""Drawing an inspection's sample (§8.5: IT randomly inspects), reproducibly and stratified
by definition.

The population is every submitted instance of the period (by submission, company days)
within the scope. Each definition is a stratum; the sample size (or rate) is shared among the
strata in proportion to their size (largest remainders, every non-empty stratum at least one
when the size allows). Within a stratum the instances are ranked by id and the ranks drawn by
``random.Random(f"{seed}:{definition}")``: the same inspection (seed, period, scope) draws the
same instances, whoever draws and however often.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from form_builder.models import ProcessDefinition
from oa_platform.accounts.models import OAUser
from oa_platform.inspection.models import Inspection
from oa_platform.org.models import Company, Department
from oa_platform.reports.periods import Period
from oa_platform.runtime.models import Instance
from oa_platform.runtime.states import InstanceStatus


def new_seed() -> str:
    """A fresh seed, recorded on the inspection."""
    return secrets.token_hex(8)


def period_of(inspection: Inspection, zone: str | None) -> Period:
    return Period(inspection.period_first, inspection.period_last, ZoneInfo(zone or "UTC"))


def population(inspection: Inspection, zone: str | None) -> Select:
    """(instance id, definition id) of the instances the inspection draws from."""
    period = period_of(inspection, zone)
    query = select(Instance.id, Instance.definition_id).where(
        Instance.submitted_at >= period.starts_at,
        Instance.submitted_at < period.ends_before,
        Instance.status != InstanceStatus.DRAFT,
    )
    scope = inspection.scope or {}
    if scope.get("definitions"):
        query = query.where(
            Instance.definition_id.in_(
                select(ProcessDefinition.id).where(ProcessDefinition.key.in_(scope["definitions"]))
            )
        )
    if scope.get("departments") or scope.get("companies"):
        initiators = select(OAUser.id).join(Department, Department.id == OAUser.department_id)
        if scope.get("departments"):
            initiators = initiators.where(Department.id.in_(scope["departments"]))
        if scope.get("companies"):
            initiators = initiators.join(Company, Company.id == Department.company_id).where(
                Company.code.in_(scope["companies"])
            )
        query = query.where(Instance.initiator_id.in_(initiators))
    return query


def allocate(counts: Mapping[int, int], size: int) -> dict[int, int]:
    """``size`` shared among strata of ``counts`` in proportion (largest remainders), each
    non-empty stratum one at least while the size allows, none more than it holds."""
    total = sum(counts.values())
    size = min(size, total)
    if size <= 0:
        return {key: 0 for key in counts}
    keys = sorted(key for key, n in counts.items() if n > 0)
    share = {key: 0 for key in counts}
    if size >= len(keys):
        for key in keys:
            share[key] = 1
    quotas = {key: size * counts[key] / total for key in keys}
    for key in keys:
        share[key] = min(counts[key], max(share[key], math.floor(quotas[key])))
    left = size - sum(share.values())
    by_remainder = sorted(keys, key=lambda key: (-(quotas[key] - math.floor(quotas[key])), key))
    while left > 0:
        moved = False
        for key in by_remainder:
            if left and share[key] < counts[key]:
                share[key] += 1
                left -= 1
                moved = True
        if not moved:
            break
    while left < 0:  # the minimum of one overshot: take back from the largest shares
        key = max(keys, key=lambda k: (share[k] - quotas[k], k))
        share[key] -= 1
        left += 1
    return share


def wanted(inspection: Inspection, total: int) -> int:
    """How many instances the inspection asks for out of ``total``."""
    if inspection.sample_size:
        return min(inspection.sample_size, total)
    rate = inspection.sample_rate or 0.0
    return min(total, math.ceil(total * rate))


def draw(
    session: Session, inspection: Inspection, zone: str | None
) -> tuple[int, list[tuple[int, int]]]:
    """(population size, [(instance id, definition id)]) of the inspection's sample.

    One read of the population's (definition, id) pairs, from the covering index on the
    submission time (``models.INSTANCE_SUBMITTED``): the strata and their ranks come from it.
    """
    base = population(inspection, zone).subquery()
    strata: dict[int, list[int]] = {}
    for definition, instance_id in session.execute(
        select(base.c.definition_id, base.c.id).order_by(base.c.definition_id, base.c.id)
    ):
        strata.setdefault(definition, []).append(instance_id)
    counts = {definition: len(ids) for definition, ids in strata.items()}
    total = sum(counts.values())
    shares = allocate(counts, wanted(inspection, total))
    drawn: list[tuple[int, int]] = []
    for definition in sorted(shares):
        k = shares[definition]
        if not k:
            continue
        ids = strata[definition]
        ranks = random.Random(f"{inspection.seed}:{definition}").sample(range(len(ids)), k)
        drawn.extend((ids[rank], definition) for rank in sorted(ranks))
    return total, drawn
