"""Flask-AppBuilder model views that change data only on a POST carrying the CSRF token.

FAB routes ``/delete/<pk>`` and ``/action/<name>/<pk>`` for GET and POST alike and refuses
the GET inside the view with a flash and a redirect, which still reads as success to a link
another site plants (a relative link survives the rich-text sanitizer). Here the routes take
POST only, so a GET is 405 before any view code runs, and Flask-WTF's ``CSRFProtect``
(``oa_platform/csrf.py``) refuses a POST without the session's token with 400. FAB's list and
show pages already post their delete and action buttons through a hidden form that carries
the token (``appbuilder/general/lib.html``).

Every model view is built through :func:`post_only_deletes` (or subclasses
:class:`OAModelView`): FAB's own security views through the security manager's view
attributes, the platform's directly. ``tests/integration/test_security_hardening.py`` walks
the URL map so a view registered without it fails the suite.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.baseviews import BaseCRUDView

V = TypeVar("V", bound=type[BaseCRUDView])

# What a state change through a model view may arrive as.
CHANGING_METHODS = ["POST"]


class PostOnlyDeletes:
    """Mixin for FAB CRUD views: delete and single-item actions answer POST only."""

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


def post_only_deletes(view: V) -> V:
    """``view`` with :class:`PostOnlyDeletes` mixed in, under the same class name: FAB names
    the view's permissions, endpoints and default route after the class, so roles, links and
    ``url_for`` calls stay as they were."""
    if issubclass(view, PostOnlyDeletes):
        return view
    namespace = {"__module__": view.__module__, "__doc__": view.__doc__}
    return type(view.__name__, (PostOnlyDeletes, view), namespace)  # type: ignore[return-value]


class OAModelView(PostOnlyDeletes, ModelView):
    """The platform's base for model views (companies, departments, positions, ...)."""
