"""Flask-AppBuilder model views hardened once, for every model view (issue 17).

**Changes take a POST with the CSRF token** (defect 2). FAB routes ``/delete/<pk>`` and
``/action/<name>/<pk>`` for GET and POST alike and refuses the GET inside the view with a
flash and a redirect, which still reads as success to a link another site plants (a
relative link survives the rich-text sanitizer). Here the routes take POST only, so a GET is
405 before any view code runs, and Flask-WTF's ``CSRFProtect`` (``oa_platform/csrf.py``)
refuses a POST without the session's token with 400. FAB's list and show pages already post
their delete and action buttons through a hidden form that carries the token
(``appbuilder/general/lib.html``).

**Query arguments are checked before FAB reads them** (defect 13). FAB converts
``page_<View>`` and ``psize_<View>`` with a bare ``int()`` and passes the number to the
database (``abc`` is a ValueError, ``99999999999999999999`` an overflow: both 500), sorts by
any column named in ``_oc_<View>`` (``password`` included: the order of the hashes leaks), and
looks up ``/show/<pk>`` with whatever number the address holds. A bad argument is 400 naming
it; a key no row can have is 404.

Every model view is built through :func:`guarded` (or subclasses :class:`OAModelView`):
FAB's own security views through the security manager's view attributes, the platform's
directly. ``tests/integration/security/test_csrf_on_changes.py`` walks the URL map, so a view
registered without it fails the suite.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, request
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.baseviews import BaseCRUDView
from flask_appbuilder.hooks import before_request

V = TypeVar("V", bound=type[BaseCRUDView])

# What a state change through a model view may arrive as.
CHANGING_METHODS = ["POST"]
# Far past any list the platform has; bigger numbers overflow the databases' integers.
MAX_PAGE = 1_000_000
# FAB's page-size menu offers 25 to 100.
MAX_PAGE_SIZE = 100
# The largest key a 64-bit integer column holds.
MAX_ID = 2**63 - 1
# FAB's file download of its own upload fields: none of the platform's models has one, and
# the route fails (no UPLOAD_FOLDER) with a 500 for anyone allowed to reach it.
UNUSED_ROUTES = frozenset({"download"})


class GuardedCRUD:
    """Mixin for FAB CRUD views: changes by POST only, query arguments checked."""

    @expose("/delete/<pk>", methods=CHANGING_METHODS)
    @has_access
    def delete(self, pk: Any):
        """Delete the row ``pk``: FAB's ``_delete`` (``pre_delete``, flash, redirect)."""
        pk = self._deserialize_pk_if_composite(pk)  # type: ignore[attr-defined]
        self._delete(pk)  # type: ignore[attr-defined]
        return self.post_delete_redirect()  # type: ignore[attr-defined]

    @expose("/action/<string:name>/<pk>", methods=CHANGING_METHODS)
    def action(self, name: str, pk: Any):
        """A single-item action (the show page's buttons); FAB checks its permission."""
        return super().action(name, pk)  # type: ignore[misc]

    @before_request
    def check_query_arguments(self) -> None:
        """400 naming a page, page size or sort column FAB would choke on; 404 for a key
        beyond the database's integers. Runs before every route of the view."""
        views = {type(self).__name__: self}
        views.update(
            (type(view).__name__, view) for view in getattr(self, "_related_views", ()) or ()
        )
        for name, value in request.args.items():
            for prefix, limit in (("page_", MAX_PAGE), ("psize_", MAX_PAGE_SIZE)):
                if name.startswith(prefix) and not _whole_number(value, limit):
                    abort(400, description=f"{name} must be a whole number from 0 to {limit}.")
            if name.startswith("_oc_"):
                view = views.get(name[len("_oc_") :])
                allowed = getattr(view, "order_columns", None) or ()
                if view is not None and value not in allowed:
                    abort(400, description=f"The list cannot be sorted by the column {value}.")
        pk = (request.view_args or {}).get("pk")
        if isinstance(pk, str) and pk.isdigit() and int(pk) > MAX_ID:
            abort(404)
        return None


def _whole_number(value: str, limit: int) -> bool:
    return value.isdigit() and int(value) <= limit


def guarded(view: V) -> V:
    """``view`` with :class:`GuardedCRUD` mixed in, under the same class name: FAB names the
    view's permissions, endpoints and default route after the class, so roles, links and
    ``url_for`` calls stay as they were."""
    if issubclass(view, GuardedCRUD):
        return view
    namespace = {
        "__module__": view.__module__,
        "__doc__": view.__doc__,
        "exclude_route_methods": set(view.exclude_route_methods) | UNUSED_ROUTES,
    }
    return type(view.__name__, (GuardedCRUD, view), namespace)  # type: ignore[return-value]


class OAModelView(GuardedCRUD, ModelView):
    """The platform's base for model views (companies, departments, positions, ...). A
    subclass that excludes routes of its own adds them to these."""

    exclude_route_methods = set(UNUSED_ROUTES)
