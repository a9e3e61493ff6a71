"""Issue 16: templates look the request's catalog up once (oa_platform/request_translations.py)
and still follow the request's language wherever it changes: per request, and within one
when the locale is forced or refreshed, as Flask-Babel's own lookup does."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale, refresh

PAGE = "{{ _('Inbox') }} / {{ _('Opinion') }}"


def test_each_request_and_each_forced_language_reads_its_own_catalog(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert render_template_string(PAGE) == "待办事项 / 意见"
        with force_locale("en"):
            assert render_template_string(PAGE) == "Inbox / Opinion"
        assert render_template_string(PAGE) == "待办事项 / 意见"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(PAGE) == "Inbox / Opinion"


def test_a_language_chosen_during_the_request_shows_after_a_refresh(app):
    from flask import session

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(PAGE) == "Inbox / Opinion"
        session["locale"] = "zh_CN"  # the language menu's choice for someone signed out
        refresh()
        assert render_template_string(PAGE) == "待办事项 / 意见"
