"""The navigation menu, rendered once per set of grants instead of on every page.

Flask-AppBuilder renders its menu on every page: a permission check, a URL and a translation
per entry, about a third of an empty page's time (benchmarks/http_load.py, ``layout_only``).
What it shows depends only on what the viewer's roles grant and on the language, so the
HTML is kept per (language, built-in role names, database roles' grants) for the life of the
app. Built-in roles are configuration, fixed for the life of the process; the grants of
database roles are read per request (:mod:`oa_platform.accounts.access_cache`), so a changed
role shows its new menu on the next request, as every permission check does.

The menu is FAB's own template (``appbuilder/navbar_menu.html`` of its blueprint), which the
platform's template of the same name replaces with the cached HTML.
"""

from __future__ import annotations

from collections.abc import Hashable

from flask import Flask, current_app
from flask_babel import get_locale
from flask_login import current_user
from jinja2 import Template
from markupsafe import Markup

from form_builder.lru import LRUCache
from oa_platform.accounts import access_cache

_KEY = "oa_menus"
_FAB_MENU = "appbuilder/navbar_menu.html"


class _Menus:
    def __init__(self, template: Template) -> None:
        self.template = template
        self.rendered: LRUCache[Markup] = LRUCache(256)


def init_app(app: Flask) -> None:
    """Offer ``oa_menu()`` to templates: the viewer's menu entries as HTML."""
    loader = app.blueprints["appbuilder"].jinja_loader
    source, _filename, _uptodate = loader.get_source(app.jinja_env, _FAB_MENU)
    app.extensions[_KEY] = _Menus(app.jinja_env.from_string(source))
    app.jinja_env.globals["oa_menu"] = menu_html


def menu_html() -> Markup:
    """The menu entries the current viewer may see, rendered by FAB's template."""
    menus: _Menus = current_app.extensions[_KEY]
    appbuilder = current_app.appbuilder
    return menus.rendered.get_or_build(
        _grants_key(),
        lambda: Markup(menus.template.render(menu=appbuilder.menu, appbuilder=appbuilder)),
    )


def _grants_key() -> Hashable:
    """What decides which entries FAB shows (as its ``has_access`` decides): the language,
    and the signed-in viewer's built-in roles and database roles' grants, or the Public
    role's grants for someone not signed in."""
    security = current_app.appbuilder.sm
    language = str(get_locale())
    if not current_user.is_authenticated:
        public = access_cache.public_permissions(security.session, security.auth_role_public)
        return language, "public", public
    roles = security.get_user_roles(current_user)
    builtin = frozenset(role.name for role in roles if role.name in security.builtin_roles)
    database_roles = [role.id for role in roles if role.name not in security.builtin_roles]
    granted = (
        access_cache.permissions(security.session, database_roles)
        if database_roles
        else frozenset()
    )
    return language, builtin, granted
