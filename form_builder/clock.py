"""The one place the platform reads the time, so tests can freeze it (form_builder and the
runtime both use it; it lives here because the runtime may import form_builder, not back).

Times are stored as naive UTC, because SQLite keeps no zone and PostgreSQL's ``timestamp``
columns then compare the same way on both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current time as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)
