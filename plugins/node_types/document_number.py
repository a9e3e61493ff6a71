"""Uniform numbering (统一编号, seed 2 §4.2): gives the document its number and stores it in a
form field.

The number is taken in a background job (``oa_platform.documents.numbering:number_job``), in
its own short transaction that locks the counter row of the issuing unit, the kind and the
year, so two documents numbered at the same moment get consecutive numbers and none is
skipped or given twice. The pattern names ``{unit}`` (the unit's abbreviation from
``units``, else its code), ``{year}`` and ``{seq}`` (``{seq:03d}`` pads it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.contract import N_, NodeContext, NodeKind, NodeType

NUMBER_JOB = "oa_platform.documents.numbering:number_job"
FIELD = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}


class DocumentNumber(NodeType):
    name = "document_number"
    label = N_("Document number")
    icon = "fa-hashtag"
    kind = NodeKind.SERVICE
    job_retries = 3
    job_backoff = 1.0
    config_field_members = ("kind_field", "unit_field", "number_field")
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "kind": {"type": "string", "description": "A fixed kind (else the kind field)."},
            "kind_field": {**FIELD, "default": "kind"},
            "unit_field": {**FIELD, "default": "issuing_unit"},
            "number_field": {**FIELD, "default": "number"},
            "units": {
                "type": "object",
                "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 32},
                "description": "Abbreviation of each issuing unit in numbers (集团办).",
            },
            "patterns": {
                "type": "object",
                "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 100},
                "description": "Pattern per kind, e.g. {unit}〔{year}〕{seq}号.",
            },
        },
    }

    def on_enter(self, ctx: NodeContext) -> None:
        config = ctx.config
        field = config.get("number_field", "number")
        if ctx.values.get(field):
            ctx.complete("numbered")  # numbered already (a retry): a number is never taken twice
            return
        kind = config.get("kind") or ctx.values.get(config.get("kind_field", "kind")) or ""
        unit = ctx.values.get(config.get("unit_field", "issuing_unit")) or ""
        ctx.run_job(
            NUMBER_JOB,
            {
                "instance_id": ctx.instance_id,
                "kind": kind,
                "unit": unit,
                "abbreviation": config.get("units", {}).get(unit, unit.rsplit("/", 1)[-1]),
                "pattern": config.get("patterns", {}).get(kind),
            },
        )

    def on_job_done(self, ctx: NodeContext, result: Mapping[str, Any]) -> None:
        ctx.set_value(ctx.config.get("number_field", "number"), result["number"])
        ctx.audit("document_numbered", number=result["number"], seq=result["seq"])
        ctx.complete("numbered")
