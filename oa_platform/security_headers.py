"""Security headers on every answer (issue 17, defect 10).

- ``Content-Security-Policy`` (``OA_CONTENT_SECURITY_POLICY``): scripts only from the
  platform's own address, plus inline scripts that carry the request's nonce. The platform's
  templates have no inline script (their code is in static files); Flask-AppBuilder's put
  ``nonce="{{ baselib.get_nonce() }}"`` on theirs, which reads the ``csp_nonce`` template
  global defined here. ``frame-ancestors 'self'`` and ``X-Frame-Options: SAMEORIGIN`` keep
  pages out of other sites' frames (click-jacking); the designer frames its own preview.
  An answer that sets its own policy (attachment downloads: a sandbox) keeps it.
- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy`` (``OA_REFERRER_POLICY``).
- ``Cache-Control: no-store`` on every answer but static files: pages show one-time
  passwords (a reset), form values and instances' data, which must not stay in a shared or
  back-button cache (regulations §6.3, the company's confidentiality rules).
- ``Strict-Transport-Security`` when ``SESSION_COOKIE_SECURE`` is on, i.e. behind HTTPS.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request

_NONCE = "oa_csp_nonce"


def csp_nonce() -> str:
    """This request's nonce for inline scripts (made on first use)."""
    nonce = g.get(_NONCE)
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
        setattr(g, _NONCE, nonce)
    return nonce


def _add_headers(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    if "Content-Security-Policy" not in headers:
        policy = config["OA_CONTENT_SECURITY_POLICY"]
        headers["Content-Security-Policy"] = policy.replace("{nonce}", csp_nonce())
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", config["OA_REFERRER_POLICY"])
    static = request.endpoint is not None and request.endpoint.endswith("static")
    if not static:
        # Replaces what a view set (FAB sets none): nothing dynamic may be cached.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    if config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", f"max-age={int(config['OA_HSTS_SECONDS'])}")
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_add_headers)
