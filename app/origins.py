"""Which browser pages may call the API: one list, `CORS_ORIGINS`, for HTTP (CORS) and for
the WebSocket handshake's `Origin` check.

Browsers apply CORS to `fetch`, not to WebSockets: a page on any origin may open a socket,
so the handshake's `Origin` is checked against the same list (Strawberry's view has its own
`allowed_origins` for that; it is given the same list and the same rule, `OriginPolicy`).

Always allowed: requests without `Origin` (not a browser), same-origin pages (the `Origin`
names the host and port the request was sent to), and, outside production, a loopback page
calling the server on the same port under another loopback name (`http://localhost:8000`
calling `http://127.0.0.1:8000`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from strawberry.http.websocket_origin import is_same_origin, normalize_origin

log = logging.getLogger("provider_orders.origins")

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
# What Apollo Client and urql send besides the safelisted headers, and our own.
ALLOWED_HEADERS = (
    "authorization",
    # the CSRF guard of multipart uploads (app.uploads.PREFLIGHT_HEADERS)
    "apollo-require-preflight",
    "x-apollo-operation-name",
    "graphql-preflight",
    "content-type",
    "accept",
    "x-request-id",
    "apollographql-client-name",
    "apollographql-client-version",
)
EXPOSED_HEADERS = ("X-Request-ID", "Retry-After")
ALLOWED_METHODS = ("GET", "POST")


class OriginPolicy:
    """The origins (normalised, as browsers send them) whose pages may call the API."""

    def __init__(self, origins: Iterable[str], *, loopback_alike: bool):
        self.origins = frozenset(origins)
        self.any = "*" in self.origins
        self.loopback_alike = loopback_alike

    def allows(self, origin: str, host: str | None) -> bool:
        """Whether a page on `origin` may call this server, reached as `host` (the Host header)."""
        if self.any or is_same_origin(origin, host):
            return True
        normalized = normalize_origin(origin)
        if normalized is None:
            return False
        return normalized in self.origins or (self.loopback_alike and _loopback_same_port(normalized, host))


def _loopback_same_port(origin: str, host: str | None) -> bool:
    if not host:
        return False
    try:
        page, server = urlsplit(origin), urlsplit(f"//{host.strip()}")
        page_port = page.port or {"http": 80, "https": 443}.get(page.scheme)
        server_port = server.port or {"http": 80, "https": 443}.get(page.scheme)
    except ValueError:
        return False
    return page.hostname in LOOPBACK_HOSTS and server.hostname in LOOPBACK_HOSTS and page_port == server_port


_request_host: ContextVar[str | None] = ContextVar("request_host", default=None)


class OriginCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware deciding by an OriginPolicy (which needs the request's Host)."""

    def __init__(self, app: Any, policy: OriginPolicy) -> None:
        super().__init__(
            app,
            allow_origins=sorted(policy.origins),
            allow_methods=ALLOWED_METHODS,
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
        )
        self.policy = policy

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _request_host.set(Headers(scope=scope).get("host"))
        try:
            await super().__call__(scope, receive, send)
        finally:
            _request_host.reset(token)

    def is_allowed_origin(self, origin: str) -> bool:
        return self.policy.allows(origin, _request_host.get())


def refused_websocket_origin(policy: OriginPolicy, scope: Any) -> str | None:
    """The `Origin` of a WebSocket handshake the policy refuses (logged here, once), else None."""
    headers = Headers(scope=scope)
    origin = headers.get("origin")
    if origin is None or headers.get("sec-fetch-site") == "same-origin" or policy.allows(origin, headers.get("host")):
        return None
    log.warning(
        "refused a WebSocket from origin %r (host %r): not in CORS_ORIGINS",
        origin[:200],
        (headers.get("host") or "")[:200],
    )
    return origin
