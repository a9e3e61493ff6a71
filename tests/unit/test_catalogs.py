"""The catalogs (translations/, issue 18): every message the code marks has a zh_CN
translation that keeps its placeholders, and the committed .mo is the .po compiled.

Extraction runs here as ``make i18n`` runs it (babel.cfg, the same keywords), so a string
wrapped in gettext and not yet translated fails this test, not a Chinese reader.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
# zh_CN reads translations/zh: Babel names the locale zh_Hans_CN, whose gettext fallback is zh.
LANGUAGES = ["zh"]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "N_": None}
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*\d*(?:\.\d+)?[sdifr%]")


def _po(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def _extracted() -> set[tuple[str | None, str]]:
    """(context, id) of every marked message: ``pgettext("node", "Name")`` is a message of
    its own, apart from ``_("Name")``."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


def placeholders(text: str) -> list[str]:
    return sorted(p for p in _PLACEHOLDER.findall(text) if p != "%%")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_message_is_in_the_catalog(language):
    # A plural message's id is (singular, plural); extraction yields its singular.
    catalog = {
        (message.context, message.id[0] if isinstance(message.id, tuple) else message.id)
        for message in _po(language)
        if message.id
    }
    missing = sorted(_extracted() - catalog, key=lambda pair: (pair[0] or "", pair[1]))
    assert not missing, f"not in {language}'s catalog (run make i18n, then translate):\n" + (
        "\n".join(f"{context}: {text}" if context else text for context, text in missing)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_word_with_two_meanings_reads_as_each_meaning(language):
    """ "Read" is a task's 已读 in the inbox and 只读 in the designer's field-access matrix;
    "Name" is a person's 姓名 in the people lists and 名称 for a process or a node."""
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        words = gettext.GNUTranslations(handle)
    assert words.gettext("Read") == "已读"
    assert words.pgettext("field access", "Read") == "只读"
    assert words.gettext("Name") == "姓名"
    assert words.pgettext("process", "Name") == "名称"
    assert words.pgettext("node", "Name") == "名称"
    # A library file's or folder's name, and an inspection checklist item's, are 名称 too.
    assert words.pgettext("library", "Name") == "名称"
    assert words.pgettext("checklist item", "Name") == "名称"
    marked = _extracted()
    assert {("field access", "Read"), ("process", "Name"), ("node", "Name")} <= marked
    assert {("library", "Name"), ("checklist item", "Name")} <= marked


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_its_placeholders(language):
    problems = []
    for message in _po(language):
        if not message.id:
            continue
        # A plural message: every form says what its plural id says.
        source = message.id[-1] if isinstance(message.id, tuple) else message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(forms) or message.fuzzy:
            problems.append(f"untranslated: {message.id!r}")
        elif any(placeholders(source) != placeholders(form) for form in forms):
            problems.append(f"placeholders differ: {message.id!r} -> {message.string!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_the_po_compiled(language):
    folder = TRANSLATIONS / language / "LC_MESSAGES"
    with open(folder / "messages.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    source = {}
    for message in _po(language):
        if isinstance(message.id, tuple):  # gettext keys a plural's forms (singular, n)
            source.update({(message.id[0], n): form for n, form in enumerate(message.string)})
        elif message.id:
            # A message with a context (pgettext) is keyed "context\x04id", as gettext does.
            context = f"{message.context}\x04" if message.context else ""
            source[context + message.id] = message.string
    compiled = {key: value for key, value in compiled.items() if key}
    assert compiled == source, "run make i18n (or pybabel compile -d translations)"


def test_the_placeholder_check_sees_a_dropped_or_added_placeholder():
    assert placeholders("%(count)s to do") == ["%(count)s"]
    assert placeholders("100%% of %(n)d") == ["%(n)d"]
    assert placeholders("待办") != placeholders("%(count)s to do")
