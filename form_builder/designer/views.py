"""The designer's pages: a new definition, a definition's draft, and the live preview frame.

The page carries the document as JSON and edits it in the browser; saving and submitting go
through :mod:`.api`. A definition whose working version is under review (submitted or
approved) takes no edits until it is published or rejected: the page says so and shows the
version instead.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_wtf.csrf import generate_csrf

from form_builder import org_health, services
from form_builder.designer import preview as previews
from form_builder.designer.access import PERMISSION_VIEW, designer_page
from form_builder.designer.document import blank_document, field_type_palette, node_type_palette
from form_builder.models import ProcessDefinition, VersionStatus
from plugins.registry import field_types


class DesignerView(BaseView):
    """``/designer/``: IT builds forms and node chains without writing JSON (§2.1.2, §3.1)."""

    route_base = "/designer"
    default_view = "new"
    class_permission_name = PERMISSION_VIEW

    @expose("/")
    @designer_page
    def new(self):
        """An empty designer: the first save creates the definition its key names."""
        return self._page(blank_document(), definition=None)

    @expose("/<key>")
    @designer_page
    def edit(self, key: str):
        """The definition's draft, or a new draft starting from its latest version."""
        lifecycle = services.lifecycle()
        definition = lifecycle.definition(key, missing_ok=True)
        if definition is None or not definition.versions:
            abort(404)
        working = lifecycle.working_version(definition)
        if working is not None and working.status is not VersionStatus.DRAFT:
            flash(
                f"Version {working.number} is {working.status}: it can be designed again "
                "once it is published or rejected.",
                "warning",
            )
            return redirect(url_for("DefinitionsView.version", key=key, number=working.number))
        return self._page((working or definition.versions[-1]).document, definition=definition)

    @expose("/preview", methods=["POST"])
    @designer_page
    def preview(self):
        """The preview frame: the posted document's form as ``node``'s handler sees it."""
        result = previews.preview(request.form.get("document", ""), request.form.get("node", ""))
        return self.render_template("designer/preview.html", preview=result)

    def _page(self, document: dict[str, Any], definition: ProcessDefinition | None):
        working = published = None
        if definition is not None:
            working = services.lifecycle().working_version(definition)
            published = definition.latest_published()
        # Nodes whose assignee would resolve to nobody in today's organisation (issue 23).
        unresolved = org_health.unresolvable({"document": document}).get("document", {})
        return self.render_template(
            "designer/designer.html",
            definition=definition,
            working=working,
            published=published,
            unresolved=unresolved,
            boot={
                "unresolvable": unresolved,
                "document": document,
                "key": definition.key if definition is not None else None,
                "nodeTypes": node_type_palette(services.services().node_types()),
                "fieldTypes": field_type_palette(field_types()),
                "csrfToken": generate_csrf(),
                "urls": {
                    "check": url_for("DesignerApi.check"),
                    "save": url_for("DesignerApi.save"),
                    "submit": url_for("DesignerApi.submit"),
                    "org": url_for("DesignerApi.org_choices", kind="KIND"),
                    "key": url_for("DesignerApi.key"),
                    "rename": url_for("DesignerApi.rename"),
                    "preview": url_for("DesignerView.preview"),
                    "new": url_for("DesignerView.new"),
                },
            },
        )
