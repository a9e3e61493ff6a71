"""Whether each node's assignee would resolve to somebody in the organisation as it is now
(regulations §2.1.2; issue 23): the designer marks the nodes that would resolve to nobody and
the definitions list flags such definitions.

``form_builder`` never imports the application (ARCHITECTURE.md, "Dependency direction"): the
application registers the check with :func:`init_app`, as it registers the org look-ups
(``form_builder.designer.org``). Without one, nothing is marked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

_KEY = "form_builder_org_health"

Check = Callable[[Session, Mapping[str, Mapping[str, Any]]], dict[str, dict[str, str]]]
"""(session, {name: document}) -> {name: {node id: why its assignee finds nobody}}."""


def init_app(app: Flask, check: Check) -> None:
    """Give the designer and the definitions list the application's check (once)."""
    app.extensions[_KEY] = check


def unresolvable(documents: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """For each named document, its nodes whose assignee would resolve to nobody now."""
    check = current_app.extensions.get(_KEY)
    if check is None or not documents:
        return {}
    from form_builder import services

    return check(services.session(), documents)
