"""Who may read and write: a token (like Jupyter's), a CSRF check on every write.

- Bound to a loopback address, pages and the API can be read without the token
  (by a loopback Host name only: no DNS rebinding);
  bound to any other address, a token is required for everything (the server
  refuses to start without one, and `ghminer serve` generates and prints one).
- Writes always need the token: in a header (`Authorization: Bearer T` or
  `X-Ghminer-Token: T`, what an API client sends: a page of another site cannot
  set it), or the session cookie (set by opening `/?token=T`; HttpOnly,
  SameSite=Strict) together with the CSRF token of the session's pages in
  `X-CSRF-Token`. A request whose Origin is not this server is refused.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

COOKIE = "ghminer_token"


class InsecureBind(ValueError):
    """A non-loopback address without a token."""


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Guard:
    def __init__(self, token: str, reads_need_token: bool):
        self.token = token
        self.reads_need_token = reads_need_token
        self.csrf = hmac.new(token.encode(), b"ghminer-csrf", hashlib.sha256).hexdigest()

    @classmethod
    def for_bind(cls, host: str, token: str | None) -> "Guard":
        """Loopback: reads open, writes need the token (a random one when not given).
        Any other address: a token must be given (InsecureBind otherwise)."""
        if not is_loopback(host) and not token:
            raise InsecureBind(f"binding {host} (not loopback) needs --token")
        return cls(token or new_token(), reads_need_token=not is_loopback(host))

    def _equal(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    def header_token(self, request) -> bool:
        auth = request.headers.get("authorization", "")
        given = auth[7:] if auth.lower().startswith("bearer ") else \
            request.headers.get("x-ghminer-token")
        return self._equal(given)

    def authenticated(self, request) -> bool:
        return self.header_token(request) or self._equal(request.cookies.get(COOKIE))

    def may_read(self, request) -> bool:
        return not self.reads_need_token or self.authenticated(request)

    def host_allowed(self, request) -> bool:
        """Open reads (loopback) only for a loopback Host: a page of another site whose
        name an attacker points at 127.0.0.1 (DNS rebinding) is refused. Requests that
        carry the token are allowed whatever the name."""
        if self.reads_need_token or self.authenticated(request):
            return True
        host = urlsplit("//" + request.headers.get("host", "")).hostname or ""
        return is_loopback(host) or host == "testserver"  # (the ASGI test client's name)

    def write_refusal(self, request) -> str | None:
        """Why a write is refused, or None."""
        origin = request.headers.get("origin")
        if origin and origin != "null":
            o = urlsplit(origin)
            if o.netloc != request.headers.get("host", ""):
                return "origin not allowed"
        elif origin == "null":
            return "origin not allowed"
        if self.header_token(request):
            return None
        if not self._equal(request.cookies.get(COOKIE)):
            return "token required"
        if not hmac.compare_digest(request.headers.get("x-csrf-token", "").encode(),
                                   self.csrf.encode()):
            return "CSRF token missing or wrong"
        return None
