"""The one HTML sanitizer for rich text: an explicit allow-list for office documents.

Rich text is cleaned when it is submitted and cleaned again before it is marked safe for a
page, so a value stored by an older (or buggy) allow-list never reaches a browser unchecked.
"""

from __future__ import annotations

import nh3

# Formatting an office letter or memo needs: paragraphs, headings, emphasis, lists, links,
# simple tables. No images (they would fetch from anywhere), no forms, no styling.
TAGS = frozenset(
    {
        "p",
        "br",
        "h1",
        "h2",
        "h3",
        "h4",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
        "div",
        "span",
    }
)
ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
# Relative links stay allowed (they point into the platform); javascript:, data:, vbscript:
# and every other scheme are dropped with the attribute.
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer",
    # Their content is code, not text: drop it with the tag instead of keeping it as text.
    clean_content_tags={"script", "style"},
    strip_comments=True,
)


def clean_html(html: str | None) -> str:
    """The allowed part of ``html``: tags and attributes outside the allow-list are removed,
    ``<script>``/``<style>`` with their content, links get ``rel="noopener noreferrer"``."""
    if not html:
        return ""
    return _CLEANER.clean(html)
