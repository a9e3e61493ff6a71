"""Quarterly inspection (§8.5), responsibility (§8.6) and red and white tickets (§8.7).

IT opens an inspection for a period, draws a reproducible sample stratified by definition,
fills each sampled instance's checklist with findings; each finding names who answers for
it from the org structure as it was at the time (``responsibility``) and proposes a ticket
that an inspector confirms. The person is told, may appeal once, and their leader in charge
decides. ``policy`` is the one owner of who may see and do what.
"""
