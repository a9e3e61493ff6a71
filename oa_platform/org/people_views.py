"""The people picker's one JSON endpoint (issue 19, "The task page"): a unit's children in
the organisation tree, or the people a search finds, a page at a time.

    GET /people/picker?unit=d12&page=1     units inside department 12 and its people
    GET /people/picker?q=zw                people whose name, user name or pinyin begins so

Any signed-in person may ask (``can_search``): every page that picks someone is a staff
page. Whom it offers is ``org.policy``'s rule, the same as the flat lists'. A GET changes
nothing, so it carries no CSRF token; bad input is a 400 naming the parameter, an unknown
unit a 404.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Flask, Response, jsonify, make_response, request
from flask_appbuilder import AppBuilder, BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext

from form_builder import people_picker as picker_script
from oa_platform.extensions import db
from oa_platform.org import people_picker, person_terms

LAST_PAGE = 1000


def _error(message: str, status: int) -> Response:
    return make_response(jsonify({"error": message}), status)


class PeoplePickerView(BaseView):
    """The organisation tree and the search behind every people picker."""

    route_base = "/people"
    default_view = "picker"

    @expose("/picker")
    @has_access
    @permission_name("search")
    def picker(self):
        """``{"units", "people", "more", "path", "page"}``: see the module's docstring."""
        text = request.args.get("page", "1")
        # isascii: str.isdigit also takes "²", which int() refuses.
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= LAST_PAGE:
            return _error(gettext("page: a whole number from 1 to %(last)s.", last=LAST_PAGE), 400)
        page = int(text)
        query = request.args.get("q", "")
        if len(query) > people_picker.LONGEST_QUERY:
            return _error(
                gettext("q: at most %(count)s characters.", count=people_picker.LONGEST_QUERY),
                400,
            )
        if query.strip():
            listing = people_picker.search(db.session, query, page)
        else:
            try:
                listing = people_picker.children(db.session, request.args.get("unit", ""), page)
            except people_picker.UnitNotFoundError:
                return _error(gettext("unit: no such company or department."), 404)
        return jsonify({**asdict(listing), "page": page})


def init_app(app: Flask, appbuilder: AppBuilder) -> None:
    """Register the endpoint, keep the search terms with the accounts, and tell the
    picker's script where to ask."""
    appbuilder.add_view_no_menu(PeoplePickerView)
    person_terms.init_app()
    picker_script.init_app(app, "PeoplePickerView.picker")
