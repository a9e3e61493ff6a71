"""The templates' ``_()`` with the request's catalog looked up once per request.

Flask-Babel installs template callables that ask, on every call, for the request's context,
its locale (turned into a string) and the catalog cached under it: about 40 µs per message,
and a page of the inbox shows about a hundred (docs/performance.md, HTTP). The catalog of a
request only changes when its locale or domain does (``flask_babel.refresh()`` drops the
locale, a ``Domain.as_default()`` sets another), so it is kept on Flask-Babel's own
per-request namespace beside the locale and domain it was looked up for, and looked up
again whenever either is no longer the same object. Outside a request (a template rendered
by a Celery job) Flask-Babel's lookup runs as before.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import get_translations

_CACHED = "oa_translations"  # (locale, domain, catalog) on Flask-Babel's namespace


def init_app(app: Flask) -> None:
    """Replace the Jinja gettext callables Flask-Babel installed with ones that look the
    request's catalog up once (same behaviour: new-style, autoescaped, ``%`` formatting)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
    )


def _catalog() -> Any:
    """The current request's translations, as ``flask_babel.get_translations()`` gives them."""
    context = g.get("_flask_babel") if g else None
    if context is None:
        return get_translations()  # creates the namespace; the next call finds it
    cached = getattr(context, _CACHED, None)
    locale = getattr(context, "babel_locale", None)
    domain = getattr(context, "babel_domain", None)
    if cached is not None and locale is not None and cached[0] is locale and cached[1] is domain:
        return cached[2]
    catalog = get_translations()
    # The locale is set by the look-up when it was not yet: keep what it was made for.
    setattr(
        context,
        _CACHED,
        (getattr(context, "babel_locale", None), getattr(context, "babel_domain", None), catalog),
    )
    return catalog
