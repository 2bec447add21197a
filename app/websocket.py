"""How the server speaks WebSocket: uvicorn's options, and a leaner connection protocol.

Thousands of dashboards stay connected doing nothing, so what one idle connection keeps is
what the server's memory is made of (target: under 50 KB per idle subscriber, everything
included). `LeanWebSocketProtocol` is uvicorn's own WebSocket protocol (websockets' sans-I/O
implementation, what uvicorn picks by default) with two things an idle connection keeps for
nothing taken away, about 6 KB of each:

- its inbox (`asyncio.Queue`) and write gate (`asyncio.Event`) hold four deques of ~0.6 KB
  each; a list and a future made only while someone waits do the same job;
- the handshake's request and response, with all their headers (~3 KB), stay referenced for
  the connection's lifetime although nothing reads them after the handshake.

Everything else (framing, keepalive pings, close handshake, flow control) is uvicorn's code.
`tests/test_websocket_protocol.py` checks the attributes this relies on, so an upgrade of
uvicorn that renames them fails the tests rather than quietly costing memory.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from app.settings import Settings


class Inbox:
    """The few methods of asyncio.Queue uvicorn uses (unbounded; any number of readers)."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            if self._waiter is None or self._waiter.done():
                self._waiter = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._waiter)  # a cancelled reader must not cancel the others' wait
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items


class Gate:
    """The few methods of asyncio.Event uvicorn uses: wait until set."""

    __slots__ = ("_open", "_waiter")

    def __init__(self) -> None:
        self._open = True
        self._waiter: asyncio.Future | None = None

    def is_set(self) -> bool:
        return self._open

    def set(self) -> None:
        self._open = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        self._waiter = None

    def clear(self) -> None:
        self._open = False

    async def wait(self) -> None:
        while not self._open:
            if self._waiter is None or self._waiter.done():
                self._waiter = asyncio.get_running_loop().create_future()
            await asyncio.shield(self._waiter)


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Gate()  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and self.request is not None:
            # Only the handshake reads them (the scope has its own copy of the headers). The
            # request stays referenced by websockets' parser, so empty its headers too.
            self.request.headers.clear()
            # uvicorn declares them non-optional; nothing reads them after the handshake.
            self.request = self.response = None  # type: ignore[assignment]


def uvicorn_websocket_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.run / uvicorn.Config options for WebSockets (the server and the live tests use them)."""
    return {
        "ws": LeanWebSocketProtocol,
        "ws_max_size": settings.max_request_bytes,  # as over HTTP; a bigger message closes the socket (1009)
        # Browsers offer permessage-deflate; accepting it keeps two zlib contexts per socket
        # (~40 KB, most of a subscriber's budget) to compress small JSON events. Off by default.
        "ws_per_message_deflate": settings.ws_per_message_deflate,
        "ws_ping_interval": settings.ws_ping_seconds or None,
        "ws_ping_timeout": settings.ws_ping_seconds or None,
    }
