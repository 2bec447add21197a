"""Graceful shutdown: open WebSockets are closed with 1001 (going away) so clients reconnect.

Uvicorn, on SIGTERM/SIGINT, stops accepting connections, lets in-flight HTTP requests finish
(up to `timeout_graceful_shutdown`), and only then runs the lifespan shutdown. It would close
the WebSockets it still holds itself, with 1012, before that; so the app chains a handler in
front of uvicorn's: it closes them with 1001 first, then passes the signal on. /readyz
answers 503 from that moment. The lifespan shutdown closes whatever is left (servers that
send no signal, in-process tests).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("provider_orders.shutdown")

GOING_AWAY = 1001
CLOSE_TIMEOUT = 2.0  # seconds the close frames may take before the server's shutdown goes on
EXIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)

Close = Callable[[int, str], Awaitable[None]]


class OpenWebSockets:
    """The accepted WebSocket connections of this process, and a way to close them all."""

    def __init__(self) -> None:
        self._open: dict[int, Close] = {}
        self._ids = itertools.count()
        self.shutting_down = False

    def __len__(self) -> int:
        return len(self._open)

    async def serve(self, app: Any, scope: Any, receive: Any, send: Any) -> None:
        """Run the ASGI `app` for one WebSocket, registered while it is open."""
        key = next(self._ids)
        closed = False

        async def close(code: int, reason: str) -> None:
            nonlocal closed
            if closed:
                return
            closed = True
            self._open.pop(key, None)
            await send({"type": "websocket.close", "code": code, "reason": reason})

        async def tracked_send(message: dict[str, Any]) -> None:
            nonlocal closed
            if closed:
                return  # closed for shutdown; the handler's late frames have nowhere to go
            if message["type"] == "websocket.accept":
                if self.shutting_down:
                    await close(GOING_AWAY, "server shutting down")
                    return
                self._open[key] = close
            elif message["type"] == "websocket.close":
                closed = True
                self._open.pop(key, None)
            await send(message)

        try:
            await app(scope, receive, tracked_send)
        finally:
            self._open.pop(key, None)

    async def close_all(self, code: int = GOING_AWAY, reason: str = "server shutting down") -> None:
        self.shutting_down = True
        closing = list(self._open.values())
        if closing:
            log.info("closing %d websocket(s) for shutdown", len(closing))
        results = await asyncio.gather(*(close(code, reason) for close in closing), return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.debug("websocket already gone at shutdown: %r", result)


def close_on_exit_signals(websockets: OpenWebSockets) -> Callable[[], None]:
    """Chain a SIGINT/SIGTERM handler that closes the WebSockets before the server's own runs.

    Returns a function restoring the previous handlers. Does nothing off the main thread or
    where no Python handler is installed (then the signal ends the process anyway).
    """
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}
    tasks: set[asyncio.Task] = set()

    async def close_then_pass_on(signum: int, frame: Any) -> None:
        # The server's handler runs only once the close frames are out: it starts its own
        # shutdown at once, and that would close the sockets first, with 1012.
        try:
            await asyncio.wait_for(websockets.close_all(), CLOSE_TIMEOUT)
        except Exception:
            log.exception("closing websockets for shutdown failed")
        finally:
            pass_on(signum, frame)

    def pass_on(signum: int, frame: Any) -> None:
        handler = previous.get(signum)
        if callable(handler):
            handler(signum, frame)

    def start(signum: int, frame: Any) -> None:
        task = loop.create_task(close_then_pass_on(signum, frame))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def on_signal(signum: int, frame: Any) -> None:
        if websockets.shutting_down or loop.is_closed():
            pass_on(signum, frame)  # a second signal: let the server force its exit
            return
        websockets.shutting_down = True
        loop.call_soon_threadsafe(start, signum, frame)

    try:
        for sig in EXIT_SIGNALS:
            current = signal.getsignal(sig)
            if callable(current):
                previous[sig] = signal.signal(sig, on_signal)
    except ValueError:  # not the main thread
        pass

    def restore() -> None:
        for sig, handler in previous.items():
            if signal.getsignal(sig) is on_signal:
                signal.signal(sig, handler)

    return restore
