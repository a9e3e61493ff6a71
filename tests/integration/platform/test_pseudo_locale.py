"""Every word of the main pages goes through gettext (issue 18, "Done when", second line).

The pages are rendered in a pseudo-locale: a translations object, for this test only, that
returns every translated message between ⟦ and ⟧ (templates' ``_()``, ``gettext`` and
``lazy_gettext`` in Python, Flask-AppBuilder's own templates alike). What a person reads on
the page (text outside scripts and styles, and the ``title``, ``placeholder``, ``alt`` and
``aria-label`` attributes) is taken, the marked parts are taken out, and what is left must be
data: each remaining phrase must be found among the values stored in the database (names,
titles, definitions' labels and options, form values) or be a date or amount written by
Babel's own locale data. A word written into a template or a Python string without gettext
stays unmarked, is not data, and fails the test with the page and the text.

Machine text people copy rather than read (``<code>``, ``<pre>``, ``<textarea>``: keys,
JSON documents) is left out, as are the designer's editors, built by its scripts from the
catalog the page carries (``form_builder/js_catalog.py``).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from babel import Locale
from babel.support import NullTranslations
from flask_babel import Domain
from sqlalchemy import JSON, MetaData, String, Text, select

from oa_platform.extensions import db
from tests.conftest import login
from tests.runtime_helpers import live, start

OPEN, CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧
UNITS = ("KB",)  # read the same in every language (as tests/unit/test_template_text.py)


class PseudoTranslations(NullTranslations):
    """English, every message marked: ⟦message⟧."""

    def gettext(self, message):
        return OPEN + message + CLOSE

    def ngettext(self, singular, plural, n):
        return OPEN + (singular if n == 1 else plural) + CLOSE

    def pgettext(self, context, message):
        return self.gettext(message)

    def npgettext(self, context, singular, plural, n):
        return self.ngettext(singular, plural, n)

    ugettext, ungettext = gettext, ngettext
    upgettext, unpgettext = pgettext, npgettext


@pytest.fixture
def pseudo(monkeypatch):
    """Every Flask-Babel domain answers with the pseudo-locale's translations."""
    translations = PseudoTranslations()
    monkeypatch.setattr(Domain, "get_translations", lambda self: translations)
    return translations


SKIPPED = {"script", "style", "code", "pre", "textarea", "template"}
VISIBLE_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class _Visible(HTMLParser):
    """The text a person reads, element by element (attributes separately)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if self.skipping or tag in SKIPPED:
            if tag not in VOID:
                self.skipping.append(tag)
            return
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.texts.append(value)
            if tag == "input" and name == "value" and ("type", "submit") in attrs and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return parser.texts


_MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", re.DOTALL)
# Where a phrase of data ends: separators, digits and the marks' remains.
_SEPARATORS = re.compile(
    "[\\d#\u2014\u2013·:;,.()\\[\\]{}/|+*=<>«»“”\"'!?%&@$¥€\\-_\\s]{2,}|[\\n\\d#\u2014\u2013·:;,()/|]"
)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def unmarked(text: str) -> str:
    """``text`` with every marked part taken out (innermost first: marks nest)."""
    while True:
        shorter = _MARKED.sub(" ", text)
        if shorter == text:
            return text
        text = shorter


def _strings(value) -> list[str]:
    if isinstance(value, str):
        try:
            return [*_strings(json.loads(value)), value]
        except (ValueError, TypeError):
            return [value]
    if isinstance(value, dict):
        return [s for item in value.items() for v in item for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def data_corpus(app) -> str:
    """Every text the database holds (the demo, the test's instances), lower case, one
    per line, with what Babel's locale data writes (month and day names, currencies) and
    the application's configured name."""
    # The product's name and the language menu's names, each in its own language.
    texts: list[str] = [app.config["APP_NAME"]]
    texts.extend(language["name"] for language in app.config["LANGUAGES"].values())
    with app.app_context():
        tables = MetaData()
        tables.reflect(bind=db.engine)  # the platform's tables and Flask-AppBuilder's
        for table in tables.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for value in row:
                    texts.extend(_strings(value))
        # A person's name is shown whole; it is stored in two columns.
        names = MetaData()
        names.reflect(bind=db.engine, only=["ab_user"])
        person = names.tables["ab_user"].c
        for first, last in db.session.execute(select(person.first_name, person.last_name)):
            texts.append(f"{first} {last}")
    english = Locale("en")
    for names in (english.months, english.days):
        for context in names.values():
            for width in context.values():
                texts.extend(width.values())
    texts.extend(english.currency_symbols.values())
    texts.extend(UNITS)
    return "\n".join(texts).lower()


_VERSION = re.compile(r"\bv\d+\b")  # "v3": a version's number


def leftovers(html: str, corpus: str) -> list[str]:
    """The phrases of ``html``'s visible text that are neither marked nor data. A marked
    message may hold elements (a number in <strong>): the marks are matched across the
    page's texts, in order."""
    text = unmarked("\n".join(visible_texts(html)))
    found = []
    for phrase in _SEPARATORS.split(_VERSION.sub(" ", text)):
        phrase = phrase.strip(" .-_'\"")
        if _LETTER.search(phrase) and not in_corpus(phrase, corpus):
            found.append(phrase)
    return found


def in_corpus(phrase: str, corpus: str) -> bool:
    """Whether ``phrase`` is stored data: found in the corpus as whole words ("OK" is not
    data because "book" is)."""
    pattern = re.escape(phrase.lower())
    if phrase[0].isascii():
        pattern = r"(?<![a-z0-9])" + pattern
    if phrase[-1].isascii():
        pattern += r"(?![a-z0-9])"
    return re.search(pattern, corpus) is not None


def test_the_checker_tells_marked_words_and_data_from_bare_words():
    corpus = "sam wu\nexpense claim\nbook"
    html = (
        f"<h2>{OPEN}Inbox{CLOSE} <small>Sam Wu</small></h2><p title='Help'>"
        f"{OPEN}Started by {OPEN}Expense claim{CLOSE} — Sam Wu{CLOSE} 12</p>"
        "<script>var words = 'not read';</script><code>expense_claim</code><p>Save</p><p>OK</p>"
    )
    assert leftovers(html, corpus) == ["Help", "Save", "OK"]


def assert_every_word_marked(app, pages: dict[str, list[str]], corpus: str) -> None:
    """Each user's pages answer 200 in the pseudo-locale and show no word that is neither
    marked nor data (``corpus``); every problem of every page in one failure."""
    problems: list[str] = []
    for username, paths in pages.items():
        browser = app.test_client()
        login(browser, username)
        for path in paths:
            answer = browser.get(path)
            if answer.status_code != 200:
                problems.append(f"{username} {path}: answered {answer.status_code}")
                continue
            html = answer.get_data(as_text=True)
            assert OPEN in html, f"{path} was not rendered in the pseudo-locale"
            problems.extend(f"{username} {path}: {p!r}" for p in leftovers(html, corpus))
    assert not problems, "visible text outside gettext:\n" + "\n".join(sorted(set(problems)))


def _pages(instance_id: int, handler: str) -> dict[str, list[str]]:
    """Who opens which of the main pages."""
    admin = [
        "/",
        "/processes/",
        "/processes/expense_claim/start",
        *(
            f"/inbox/?tab={tab}"
            for tab in ("todo", "done", "initiated", "cc", "questions", "documents")
        ),
        "/definitions/",
        "/definitions/expense_claim/",
        "/definitions/expense_claim/v1/",
        "/definitions/import",
        "/reports/overtime/",
        "/usage/",  # IT's usage view (issue 22)
        "/inspection/",  # the inspections, tickets and checklist (issue 22)
        "/inspection/tickets",
        "/inspection/checklist",
        "/agents/",
        "/changepassword/form",
        "/importusers/",
        "/users/list/",
        "/designer/expense_claim",
        "/admin/node-types/",
        "/admin/instance-errors/",
        "/admin/failed-timers/",
        "/admin/instance-migration/",
    ]
    return {
        "admin": admin,
        handler: [f"/instances/{instance_id}", "/inbox/?tab=todo", "/myteam/", "/agents/"],
        "staff": [
            "/",
            f"/instances/{instance_id}",
            f"/instances/{instance_id}/sheet",  # the approval sheet (issue 19)
            "/inbox/?tab=initiated",
        ],
    }


def test_the_main_pages_show_no_word_outside_gettext(pseudo, client):
    app = client.application
    instance = start("staff", "expense_claim")
    handler = live(instance)[0].assignee.username
    pages = _pages(instance.id, handler)
    corpus = data_corpus(app)

    assert_every_word_marked(app, pages, corpus)


def test_the_action_dialog_and_log_in_page_are_marked(pseudo, client):
    app = client.application
    instance = start("staff", "expense_claim")
    handler = live(instance)[0].assignee.username
    corpus = data_corpus(app)
    anonymous = app.test_client()
    login_page = anonymous.get("/login/").get_data(as_text=True)
    assert leftovers(login_page, corpus) == []
    browser = app.test_client()
    login(browser, handler)
    page = browser.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert 'role="dialog"' in page or "modal" in page  # the opinion dialog is on the page
    assert leftovers(page, corpus) == []
