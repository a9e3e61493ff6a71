"""What a signature on an official document covers (seed 2 §4.3), shared by the signing node
type and the documents package: the SHA-256 of the header and body as they stand.

Kept apart from both so that the digest a reviewer signed and the digest an issued document
carries are computed by the same code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# The fields of the issuing definition a signature covers: what the document says and to whom.
SIGNED_FIELDS = (
    "kind",
    "issuing_unit",
    "title",
    "urgency",
    "security_level",
    "main_recipients",
    "copy_recipients",
    "body",
    "attachments",
)


def content_digest(values: Mapping[str, Any], fields: tuple[str, ...] = SIGNED_FIELDS) -> str:
    """SHA-256 (hex) of ``fields`` of ``values`` in a canonical JSON form (keys sorted, no
    white space); attachments count by their content digest or id, not their display."""
    content = {key: _canonical(values.get(key)) for key in fields}
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [entry.get("sha256") or entry.get("id") for entry in value]
    return value
