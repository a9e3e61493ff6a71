"""The scripts' words come from the same catalog as the pages (issue 18): a page that runs
form.js (or the designer's modules) carries the translations of every word the platform's
scripts mark, in the request's language, as a JSON data block that i18n.js reads."""

from __future__ import annotations

import json
import re

from form_builder import js_catalog
from tests.conftest import login

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
_BLOCK = re.compile(r'<script type="application/json" id="oa-i18n">(.*?)</script>', re.DOTALL)


def _catalog(html: str) -> dict:
    found = _BLOCK.findall(html)
    assert len(found) == 1, "the page carries one catalog of its scripts' words"
    return json.loads(found[0])


def test_a_form_page_carries_its_scripts_words_in_the_readers_language(client):
    login(client, "staff")
    chinese = client.get("/processes/expense_claim/start", headers=CHINESE).get_data(as_text=True)
    catalog = _catalog(chinese)
    assert catalog["language"].startswith("zh")
    assert catalog["messages"]["Yes"] == "是"
    assert catalog["messages"]["Link address (https://…)"] == "链接地址（https://…）"
    # i18n.js is loaded before the script that uses it.
    assert chinese.index("form_builder/i18n.js") < chinese.index("form_builder/form.js")

    english = client.get("/processes/expense_claim/start").get_data(as_text=True)
    assert _catalog(english)["messages"] == {}  # the scripts' own words are English


def test_the_words_are_found_in_the_scripts_as_make_i18n_finds_them(app):
    with app.app_context():
        words = js_catalog.script_messages()
    assert {"Yes", "No", "Link address (https://…)"} <= set(words)
    assert len(words) == len(set(words))
    # A message given several parameters (``_("...", { old, key })``) is found too.
    assert "'%(old)s' is now '%(key)s' wherever it was named." in words


def test_a_translation_cannot_end_the_data_block(app, monkeypatch):
    monkeypatch.setattr(js_catalog, "script_messages", lambda: ["</script><b>"])
    with app.test_request_context():
        block = str(js_catalog.js_catalog())
    assert block.count("</script>") == 1 and block.endswith("</script>")
    assert json.loads(_BLOCK.findall(block)[0])["messages"] == {}


def test_a_script_word_with_a_context_has_its_own_translation(app):
    """The field-access matrix's "Read" is 只读 (``pgettext("field access", "Read")``), not the
    inbox's 已读; a node's "Name" is 名称, not a person's 姓名."""
    with app.app_context():
        words = js_catalog.script_messages()
    assert "field access\x04Read" in words and "node\x04Name" in words
    with app.test_request_context(headers=CHINESE):
        messages = js_catalog.catalog()["messages"]
    assert messages["field access\x04Read"] == "只读"
    assert messages["node\x04Name"] == "名称"
    assert messages["process\x04Name"] == "名称"
