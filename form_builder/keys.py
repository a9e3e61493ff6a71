"""Keys and ids made from labels, Chinese ones included (issue 19, deliver 6).

A field's key and a node's id follow its label while the designer types it. English labels
are slugged in the page (``slug`` in designer/state.js: "Leave type" -> ``leave_type``); a
label in Chinese only has no letters to slug, so the page asks the server, which writes each
character in pinyin (pypinyin, maintained, offline): "报销金额" -> ``bao_xiao_jin_e``. One
syllable per character, joined by ``_``, so a key reads back unambiguously (``jin_e``, not
``jine``) and stays within the identifier pattern of the definition format.
"""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

# The format's identifier: ^[a-z][a-z0-9_]{0,62}$ (form_builder/schema/definition-2).
LONGEST = 63
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_LEADING = re.compile(r"^[^a-z]+")


def key_from_label(label: str) -> str:
    """An identifier for ``label``: pinyin for Chinese characters, the letters and digits of
    the rest, lower case, ``_`` between words; "" when nothing is left (the designer then
    keeps its "field" / "node" fallback)."""
    # ü is written v (lü -> lv) so it survives the ASCII identifier; one item per character.
    words = lazy_pinyin(label, style=Style.NORMAL, errors="default")
    text = "_".join(words)
    # Accented Latin letters lose their accents, as the page's slug does.
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _LEADING.sub("", _NOT_KEY.sub("_", text)).strip("_")
    return text[:LONGEST].rstrip("_")
