"""Every page's layout (Flask-AppBuilder's, with the platform's caches of what does not change
between requests: oa_platform/static_urls.py and menu_cache.py)."""

from __future__ import annotations

from flask import render_template_string

from tests.conftest import login

STYLE = "{{ url_for('appbuilder.static', filename='css/ab.css') }}"


def test_static_addresses_are_routed_once_and_follow_where_the_app_is_mounted(app):
    with app.test_request_context("/"):
        assert render_template_string(STYLE) == "/static/appbuilder/css/ab.css"
        # Anything else is routed as before, arguments and all.
        assert render_template_string("{{ url_for('InboxView.index', tab='done') }}") == (
            "/inbox/?tab=done"
        )
    with app.test_request_context("/", base_url="http://localhost/oa/"):
        assert render_template_string(STYLE) == "/oa/static/appbuilder/css/ab.css"


def test_a_page_links_the_layouts_files_and_only_the_menu_its_viewer_may_use(client):
    login(client, "staff")
    page = client.get("/inbox/").get_data(as_text=True)
    assert 'href="/static/appbuilder/css/bootstrap.min.css"' in page
    assert 'href="/inbox/"' in page  # Staff have the inbox in their menu
    assert "List Users" not in page  # but not HR's user administration
    client.post("/logout/")

    login(client, "hr")
    assert "List Users" in client.get("/inbox/").get_data(as_text=True)


def test_someone_signed_out_sees_only_what_the_public_role_grants(client):
    from flask import current_app

    assert "Inbox</a>" not in client.get("/login/").get_data(as_text=True)

    sm = current_app.appbuilder.sm
    sm.add_permission_role(
        sm.find_role("Public"), sm.add_permission_view_menu("menu_access", "Inbox")
    )
    assert "Inbox</a>" in client.get("/login/").get_data(as_text=True)
