"""The designer's and the definitions list's marks (issue 23, item 5): the nodes whose
assignee would resolve to nobody in the organisation as it is, whoever starts the request
(``resolution.unresolvable_nodes``), registered with ``form_builder.org_health``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from oa_platform.orgchange.resolution import OrgSnapshot, unresolvable_nodes


def unresolvable(
    session: Session, documents: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, str]]:
    """{name: {node id: why}} for each document, read against one organisation snapshot."""
    names: set[str] = set()
    for document in documents.values():
        for node in document.get("nodes", []):
            names.update((node.get("assignee") or {}).get("users", []))
        for item in document.get("fields", []):
            value = (item.get("default") or {}).get("value")
            if item.get("type") == "user" and isinstance(value, str):
                names.add(value)
    snapshot = OrgSnapshot.read(session, names)
    return {name: unresolvable_nodes(snapshot, document) for name, document in documents.items()}
