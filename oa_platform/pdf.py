"""PDF from HTML, with Chinese text: WeasyPrint lays out the same HTML a print view shows and
embeds the glyphs of the fonts installed on the server (Debian's fonts-noto-cjk), so a PDF
reads the same everywhere. Nothing is fetched at run time: addresses other than the platform's
own static files and ``data:`` are refused (no web fonts, no images from elsewhere).

Reusable: documents print their red header with it; approval sheets can print theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

# The CJK family Debian's fonts-noto-cjk installs; fontconfig finds the files.
CJK_FONTS = '"Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Serif CJK", serif'
_STATIC = Path(__file__).resolve().parent / "static"


class PdfFetchRefused(ValueError):
    """The HTML asked for a resource outside the platform: refused, never downloaded."""


def _local_only(url: str, timeout: int = 10, ssl_context=None) -> dict:
    from weasyprint import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    raise PdfFetchRefused(f"not fetched while printing: {url[:100]}")


def render_pdf(html: str, *, metadata: Mapping[str, str] | None = None) -> bytes:
    """The PDF of ``html`` (a whole page, its styles inline), with ``metadata`` (title,
    keywords, subject) in the document information."""
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=_local_only, base_url=str(_STATIC)).render()
    for key, value in (metadata or {}).items():
        setattr(document.metadata, key, value)
    return document.write_pdf()
