"""An event integration: remembers every finished instance (a real one would call a CRM)."""

from __future__ import annotations

from plugins.events import hookimpl

FINISHED: list[tuple[int, str, str]] = []


@hookimpl
def instance_finished(instance_id: int, definition: str, status: str) -> None:
    FINISHED.append((instance_id, definition, status))
