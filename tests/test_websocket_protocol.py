"""The leaner WebSocket protocol (app.websocket): it works like uvicorn's own, and an open
connection keeps none of what it drops (which an upgrade of uvicorn could silently bring back)."""

from __future__ import annotations

import asyncio
import gc
import json
import uuid

import uvicorn
import websockets
from websockets.http11 import Request, Response

from app.settings import Settings
from app.websocket import Gate, Inbox, LeanWebSocketProtocol, uvicorn_websocket_options
from tests.live import bound_socket


async def echo(scope, receive, send) -> None:
    """Echoes text messages, and the request's X-Echo header first."""
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": dict(scope["headers"]).get(b"x-echo", b"").decode()})
    while (message := await receive())["type"] == "websocket.receive":
        await send({"type": "websocket.send", "text": message["text"]})


async def test_an_open_connection_works_and_keeps_no_queue_event_or_handshake() -> None:
    sock = bound_socket()
    config = uvicorn.Config(echo, log_level="warning", lifespan="off", **uvicorn_websocket_options(Settings()))
    assert config.ws is LeanWebSocketProtocol
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        url = f"ws://127.0.0.1:{sock.getsockname()[1]}/"
        marker = f"headers reach the app {uuid.uuid4()}"
        async with websockets.connect(url, additional_headers={"X-Echo": marker}) as ws:
            assert await ws.recv() == marker
            for text in ("one", "two", json.dumps({"three": 3})):
                await ws.send(text)
            assert [await ws.recv() for _ in range(3)] == ["one", "two", '{"three": 3}']

            [connection] = server.server_state.connections
            kept = list(vars(connection).values())
            assert not [v for v in kept if isinstance(v, asyncio.Queue | asyncio.Event | Request | Response)]
            assert isinstance(connection.queue, Inbox) and isinstance(connection.writable, Gate)
            # websockets' parser still references the request: its headers at least are gone.
            assert not [
                o
                for o in gc.get_objects()
                if isinstance(o, Request) and o is not ws.request and o.headers.get("X-Echo") == marker
            ]
        for _ in range(100):  # the client's close reaches the app, which returns
            if not server.server_state.connections:
                break
            await asyncio.sleep(0.01)
        assert not server.server_state.connections
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


async def test_the_inbox_hands_items_out_in_order_to_whoever_waits() -> None:
    inbox = Inbox()
    first = asyncio.create_task(inbox.get())
    cancelled = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    cancelled.cancel()  # a reader that gives up does not spoil the wait of the others
    inbox.put_nowait(1)
    inbox.put_nowait(2)
    assert await first == 1 and await inbox.get() == 2 and inbox.empty()


async def test_the_gate_holds_writers_while_closed() -> None:
    gate = Gate()
    await asyncio.wait_for(gate.wait(), 1)  # open: no wait
    gate.clear()
    writer = asyncio.create_task(gate.wait())
    await asyncio.sleep(0.01)
    assert not writer.done()
    gate.set()
    await asyncio.wait_for(writer, 1)
