"""Where the people picker's script (``static/form_builder/people_picker.js``) asks for the
organisation tree and searches (issue 19, "The task page").

``form_builder`` never imports the application (ARCHITECTURE.md, "Dependency direction"): the
application names its endpoint with :func:`init_app`, and pages (the designer's and the
application's alike) render ``{% include "form_builder/_people_picker.html" %}``, which loads
the script with the endpoint's address, or nothing when no application registered one (the
plain selects then stay as they are).
"""

from __future__ import annotations

from flask import Flask, current_app, url_for

_KEY = "form_builder_people_picker"


def init_app(app: Flask, endpoint: str) -> None:
    """Name the JSON endpoint that answers the picker (call once, while building the app)."""
    app.extensions[_KEY] = endpoint
    app.jinja_env.globals["people_picker_url"] = url


def url() -> str | None:
    """The picker endpoint's address, or None without one."""
    endpoint = current_app.extensions.get(_KEY)
    return url_for(endpoint) if endpoint else None
