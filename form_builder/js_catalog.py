"""The scripts' words in the request's language, from the same gettext catalog as the pages
(issue 18): no build step, no second catalog.

A script marks its words as Python code does, ``_("Link address")`` or
``_("Row %(number)s", {number: 3})``; ``make i18n`` extracts them from the static folders
(babel.cfg's ``[javascript: ...]`` sections) into ``translations/`` like any other message.
A page that runs such a script renders :func:`js_catalog` (the ``js_catalog()`` template
global) before it: a JSON data block (no inline script, so the Content-Security-Policy is
unchanged) holding the translations of exactly the words the registered static folders'
scripts mark, in the request's language. ``static/form_builder/i18n.js`` reads it and gives
the scripts ``window.oaI18n.gettext`` (``_``), which falls back to the English text, and
``window.oaI18n.pgettext`` for a word whose Chinese depends on where it stands
(``pgettext("field access", "Read")`` is 只读 where ``_("Read")`` is the inbox's 已读); such a
message is keyed ``context + "\\x04" + id``, as gettext keys it.

The words are found by reading the scripts once per process (Babel's JavaScript extractor,
as ``make i18n`` reads them), so a script's new message needs no list kept by hand.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from babel.messages.extract import extract_javascript
from flask import current_app
from flask_babel import get_locale, gettext, pgettext
from markupsafe import Markup

KEYWORDS = ("_", "gettext", "pgettext")
CONTEXT = "\x04"  # between a message's context and its id, as in a compiled catalog
_folders: list[Path] = []
_found: list[str] | None = None
_lock = threading.Lock()


def register_folder(folder: str | Path) -> None:
    """Serve the words the scripts under ``folder`` mark (a blueprint's static folder)."""
    path = Path(folder).resolve()
    if path not in _folders:
        _folders.append(path)
        global _found
        _found = None


def script_messages() -> list[str]:
    """Every message id the registered folders' scripts mark, in order, each once; one
    marked with a context as ``context + "\\x04" + id``."""
    global _found
    if _found is None:
        with _lock:
            found: dict[str, None] = {}
            for folder in _folders:
                for script in sorted(folder.rglob("*.js")):
                    with open(script, "rb") as handle:
                        for _line, function, message, _comments in extract_javascript(
                            handle, KEYWORDS, [], {"encoding": "utf-8"}
                        ):
                            if function == "pgettext" and isinstance(message, tuple):
                                if all(isinstance(part, str) for part in message[:2]):
                                    found[CONTEXT.join(message[:2])] = None
                                continue
                            # A call with more arguments than the message comes as a tuple
                            # (the extractor counts the commas of ``{ a, b }`` too): the
                            # message is its first member, as ``make i18n`` takes it.
                            if isinstance(message, tuple):
                                message = message[0]
                            if isinstance(message, str):
                                found[message] = None
            _found = list(found)
    return _found


def catalog() -> dict[str, object]:
    """The request's language and the scripts' messages translated into it (an English
    request gets an empty table: the scripts' own text is English)."""
    language = str(get_locale() or current_app.config.get("BABEL_DEFAULT_LOCALE", "en"))
    messages = {}
    for message in script_messages():
        if CONTEXT in message:
            translated = pgettext(*message.split(CONTEXT, 1))
            if translated != message.split(CONTEXT, 1)[1]:
                messages[message] = translated
            continue
        translated = gettext(message)
        if translated != message:
            messages[message] = translated
    return {"language": language, "messages": messages}


def js_catalog() -> Markup:
    """The data block :file:`i18n.js` reads (render it before the scripts that use ``_``)."""
    text = json.dumps(catalog(), ensure_ascii=False, sort_keys=True)
    # In a <script> element "</" would end it: JSON allows "<\\/" for the same text.
    text = text.replace("</", "<\\/")
    return Markup(f'<script type="application/json" id="oa-i18n">{text}</script>')
