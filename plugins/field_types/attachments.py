"""Attachments (附件): uploaded files, stored as a list of ``{"id", "name", "size", "type"}``.

The form field takes new uploads and the ids of the current files to keep; the submission
checks the uploads against the field's policy (``max_files``, ``max_size_mb``, ``accept``) and
stores them (form_builder/submission.py, form_builder/attachments.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import wtforms
from wtforms import SelectChoice
from wtforms.fields.core import UnboundField

from plugins import field_kit
from plugins.contract import N_
from plugins.field_contract import FieldType, Post

FILE_TYPES = [
    "pdf", "png", "jpg", "gif", "webp", "docx", "xlsx", "pptx", "odt", "ods", "txt", "csv", "zip",
]  # fmt: skip
SAMPLE = {"id": "sample", "name": "sample.pdf", "size": 1024, "type": "pdf"}


class Attachments(FieldType):
    name = "attachments"
    label = N_("Attachments")
    icon = "fa-paperclip"
    category = N_("Files")
    rank = 140
    members = {
        "max_files": {"type": "integer", "minimum": 1, "maximum": 20},
        "max_size_mb": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
        "accept": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"enum": FILE_TYPES},
        },
    }
    default_kinds = frozenset()
    widget = "attachments"
    uploads = True
    expression_type = "list"

    def form_field(self, spec: Mapping[str, Any]) -> UnboundField:
        # Required-ness and the upload policy need the kept files too: checked on submission.
        return wtforms.FormField(field_kit.AttachmentsForm, **field_kit.field_kwargs(spec))

    def prepare(self, spec: Mapping[str, Any], field: wtforms.Field, stored: Any) -> None:
        # Only current files may be kept: a posted id of another file is refused.
        field.form.keep.choices = [SelectChoice(item["id"], item["name"]) for item in stored or ()]

    def to_form_data(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return {"keep": [item["id"] for item in stored]}

    def to_stored(self, spec: Mapping[str, Any], data: Any, previous: Any = None) -> Any:
        """The current files kept; new uploads are added by the submission, which stores them."""
        keep = set((data or {}).get("keep") or ())
        return [item for item in previous or () if item["id"] in keep]

    def expression_value(self, spec: Mapping[str, Any], stored: Any) -> Any:
        return list(stored)

    def sample_value(self, spec: Mapping[str, Any]) -> Any:
        return [dict(SAMPLE)]

    def encode_post(self, spec: Mapping[str, Any], name: str, value: Any, post: Post) -> None:
        # New files come as uploads; the ids listed are the current files to keep.
        for item in field_kit.listed(value, N_("a list of file ids")):
            kept = item.get("id") if isinstance(item, Mapping) else item
            kept = field_kit.scalar(kept, N_("a list of file ids"))
            post.add(f"{name}-keep", field_kit.post_text(kept))
