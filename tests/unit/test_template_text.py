"""Every word a person reads in our templates goes through gettext (issue 18).

A template's Jinja parts are taken out (an expression becomes a mark without letters, so
``{{ _("Inbox") }}`` and ``{{ task.title }}`` read the same: not bare text), and what is left
is read as HTML: text outside ``<script>`` and ``<style>``, and the attributes people read
(``title``, ``placeholder``, ``alt``, ``aria-label``), must hold no letters.

Templates not converted yet are listed in ``NOT_YET_CONVERTED``; the list can only shrink: a
listed template that has become clean fails too, so whoever converts one removes it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "oa_platform" / "templates", ROOT / "form_builder" / "templates"]

# Templates with English still written into them (relative to their templates folder).
NOT_YET_CONVERTED: set[str] = set()

# Text that is not a word of any language: units, marks and standards' names people read the
# same everywhere.
ALLOWED = {"v", "#", "KB", "SHA-256"}

VISIBLE_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self._check(value, f"{tag}[{name}]")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self._check(data, "text")

    def _check(self, text: str, where: str) -> None:
        for word in text.replace("\x00", " ").split():
            if _LETTER.search(word) and word.strip(".,:;()·—-") not in ALLOWED:
                self.found.append(f"{where}: {text.strip()!r}")
                return


def bare_text(source: str) -> list[str]:
    """Visible text in ``source`` that does not come from an expression."""
    parser = _Text()
    parser.feed(_JINJA.sub("\x00", source))
    parser.close()
    return parser.found


def templates() -> dict[str, Path]:
    found = {}
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*.html")):
            found[path.relative_to(folder).as_posix()] = path
    return found


@pytest.mark.parametrize("name", sorted(templates()))
def test_template_text_goes_through_gettext(name):
    problems = bare_text(templates()[name].read_text(encoding="utf-8"))
    if name in NOT_YET_CONVERTED:
        assert problems, f"{name} is converted: take it off NOT_YET_CONVERTED"
    else:
        assert not problems, f"{name} has text outside gettext:\n" + "\n".join(problems)


def test_the_list_names_only_existing_templates():
    assert set(templates()) >= NOT_YET_CONVERTED


def test_the_checker_sees_bare_text_and_passes_translated_text():
    assert bare_text('<p title="Help">{{ _("Inbox") }}</p>') == ["p[title]: 'Help'"]
    assert bare_text("<h2>Inbox <small>{{ n }}</small></h2>") == ["text: 'Inbox'"]
    assert bare_text('<h2>{{ _("Inbox") }} <small title="{{ _("x") }}">{{ n }}</small></h2>') == []
    assert bare_text("<script>const a = 'words';</script>") == []
