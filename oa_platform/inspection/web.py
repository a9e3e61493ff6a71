"""Wires the inspection into the application: its pages and menu, its REST API, and the
org history listener (§8.6 needs the structure as it was)."""

from __future__ import annotations

from flask_appbuilder import AppBuilder


def N_(text: str) -> str:
    """A menu word: FAB keeps it English as the item's name and translates it when shown."""
    return text


def init_app(appbuilder: AppBuilder) -> None:
    from oa_platform.inspection import history
    from oa_platform.inspection.api import InspectionApi
    from oa_platform.inspection.views import InspectionView

    history.init_app()
    appbuilder.add_view(
        InspectionView,
        N_("Inspections"),
        href="/inspection/",
        icon="fa-search",
        category=N_("Reports"),
        category_icon="fa-bar-chart",
    )
    appbuilder.add_link(
        N_("My Tickets"),
        href="/inspection/tickets",
        icon="fa-ticket",
    )
    appbuilder.add_api(InspectionApi)
