"""Cross-site protection of the desk's review writes: a CSRF token bound to the browser's cookie, and
the request's Origin (or Referer) must be the desk itself. Pages carry a strict Content-Security-Policy."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request

COOKIE = "desk_session"
FIELD = "csrf_token"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class Guard:
    """Tokens signed with a secret of this server process (a restart asks the form to be reloaded)."""

    def __init__(self, secret: bytes | None = None):
        self.secret = secret or secrets.token_bytes(32)

    @staticmethod
    def new_session() -> str:
        return secrets.token_urlsafe(24)

    def token(self, session: str) -> str:
        return hmac.new(self.secret, session.encode(), hashlib.sha256).hexdigest()

    def refusal(self, request: Request, form: dict[str, str]) -> str | None:
        """Why a POST is refused (None: allowed): a foreign origin, or a missing or wrong token."""
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        origin = request.headers.get("origin")
        if origin is None:
            referer = urlsplit(request.headers.get("referer", ""))
            origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else None
        if origin is None:
            return "the request does not say where it comes from (no Origin or Referer)"
        if origin != own:
            return f"the request comes from another site ({origin})"
        session = request.cookies.get(COOKIE)
        sent = form.get(FIELD, "")
        if not session or not sent or not hmac.compare_digest(sent, self.token(session)):
            return "the form's security token is missing or out of date: reload the page and try again"
        return None
