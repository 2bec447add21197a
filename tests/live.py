"""Support for tests over a real WebSocket: a server on a port of its own, a protocol-level
client for both sub-protocols, ways to make order events happen, and the `serve` and `live`
fixtures (registered for every test module by conftest's `pytest_plugins`)."""

from __future__ import annotations

import asyncio
import json
import socket
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
import websockets
from sqlalchemy import select

from app.auth import mint_token
from app.db import Database
from app.server import create_app
from app.settings import Settings
from app.websocket import uvicorn_websocket_options
from domain.events import event_message, record_event
from domain.ids import to_global_id
from domain.unit_of_work import unit_of_work
from models import Comment, Order, OrderEvent, OrderEventKind, OrderStatus, StatusChange, User
from models.base import utcnow
from tests import factories
from tests.conftest import PARTNER
from tests.servers import bind_free_port

PORTS = range(8200, 8300)  # this range on the shared machine
TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
TIMEOUT = 3.0


def bound_socket() -> socket.socket:
    """A socket bound to a free port of this range: the server is handed it, so no race for the port."""
    return bind_free_port(f"{PORTS.start}-{PORTS.stop - 1}")


@asynccontextmanager
async def running_server(app: Any, sock: socket.socket | None = None):
    """The app served by uvicorn in this event loop, on `sock` (default: a free port of this
    range); yields the ws:// URL."""
    sock = sock or bound_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,
        **uvicorn_websocket_options(app.state.settings),
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if not server.started:
        sock.close()
        raise RuntimeError("could not start a server")
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


class WS:
    """A raw client: sends protocol messages, reads them, sees how the server closed."""

    def __init__(self, conn: Any, protocol: str):
        self.conn, self.protocol = conn, protocol

    @classmethod
    @asynccontextmanager
    async def connect(cls, url: str, protocol: str = TRANSPORT_WS, **kwargs: Any):
        async with websockets.connect(url, subprotocols=[protocol], open_timeout=TIMEOUT, **kwargs) as conn:
            yield cls(conn, protocol)

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.conn.send(message if isinstance(message, str) else json.dumps(message))

    async def receive(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.conn.recv(), timeout))
            if message.get("type") not in ("ka", "ping", "pong"):
                return message

    async def init(self, token: str | None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"} if token else {}})
        return await self.receive()

    async def subscribe(self, op_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send({"id": op_id, "type": kind, "payload": {"query": query, "variables": variables or {}}})

    async def next(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The payload of the next data message (fails on anything else)."""
        message = await self.receive(timeout)
        assert message["type"] in ("next", "data"), message
        assert not message["payload"].get("errors"), message
        return message

    async def nothing(self, within: float = 0.3) -> None:
        try:
            message = await self.receive(within)
        except TimeoutError:
            return
        raise AssertionError(f"expected nothing, got {message}")

    async def closed(self, timeout: float = TIMEOUT) -> tuple[int | None, str]:
        """Waits for the server to close the connection; its close code and reason. What arrived
        before the close is kept in `drained`."""
        self.drained: list[dict[str, Any]] = []
        try:
            while True:
                self.drained.append(json.loads(await asyncio.wait_for(self.conn.recv(), timeout)))
        except websockets.ConnectionClosed as closed:
            frame = closed.rcvd
            return (frame.code, frame.reason) if frame else (None, "")


async def user_id(db: Database, email: str) -> int:
    async with db.read_session() as session:
        return (await session.scalars(select(User.id).where(User.email == email))).one()


async def change_status(
    db: Database, bus: Any, order_id: int, to: OrderStatus, actor: str, reason: str | None = None
) -> int:
    """What a transition mutation does (minus its rules): the change, its event, then publish."""
    actor_id = await user_id(db, actor)
    async with unit_of_work(db.write_session(), db.settings) as uow:
        session = uow.session
        order = await session.get(Order, order_id)
        change = StatusChange(
            order_id=order.id, from_status=order.status, to_status=to, action="TEST", actor_id=actor_id, reason=reason
        )
        order.status = to
        if to is OrderStatus.APPROVED and order.approved_at is None:
            order.approved_at = utcnow()
        session.add(change)
        await session.flush()
        event = await record_event(uow, order, OrderEventKind.STATUS_CHANGED, change.id, actor_id)
    if bus is not None:
        await bus.publish(event_message(event))
    return await stored_event_id(db, event)


async def stored_event_id(db: Database, event: OrderEvent) -> int:
    """The committed event's id (on PostgreSQL the commit replaced the draft id the object holds)."""
    async with db.read_session() as session:
        return await session.scalar(
            select(OrderEvent.id).where(
                OrderEvent.kind == event.kind,
                OrderEvent.subject_id == event.subject_id,
                OrderEvent.order_id == event.order_id,
            )
        )


async def add_comment(db: Database, bus: Any, order_id: int, author: str, body: str) -> int:
    author_id = await user_id(db, author)
    async with unit_of_work(db.write_session(), db.settings) as uow:
        session = uow.session
        order = await session.get(Order, order_id)
        comment = Comment(order_id=order.id, author_id=author_id, body=body)
        session.add(comment)
        order.comment_count += 1
        await session.flush()
        event = await record_event(uow, order, OrderEventKind.COMMENT_ADDED, comment.id, author_id)
    if bus is not None:
        await bus.publish(event_message(event))
    return await stored_event_id(db, event)


SUBMIT = (
    """mutation($input: SubmitOrderInput!) { submitOrder(input: $input) { order { id } errors { code message } } }"""
)


class Live:
    """A running server with its database and bus, and tokens of the demo users."""

    def __init__(self, url: str, db: Database, app: Any, settings: Settings):
        self.url, self.db, self.app, self.settings = url, db, app, settings
        self.bus = app.state.bus
        self.tokens: dict[str, str] = {}

    async def token(self, email: str, ttl: int | None = None) -> str:
        async with self.db.read_session() as session:
            user = await session.scalar(select(User).where(User.email == email))
        return mint_token(self.settings, user, ttl)

    async def mutate(self, query: str, as_: str, **variables: Any) -> dict:
        """A mutation over HTTP on this server; its payload, which must carry no errors."""
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                self.url.replace("ws://", "http://"),
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {await self.token(as_)}"},
            )
        payload = next(iter(response.json()["data"].values()))
        assert payload["errors"] == [], payload
        return payload

    async def submit_order(self, service_name: str) -> str:
        async with self.db.read_session() as session:
            service = await factories.service(session, service_name)
        payload = await self.mutate(
            SUBMIT,
            PARTNER,
            input={
                "serviceId": to_global_id("Service", service.id),
                "name": f"{service_name} order",
                "origin": "MARKETPLACE",
                "paymentMethod": "PARTNER_FUNDED",
            },
        )
        return payload["order"]["id"]

    async def subscribed(self, count: int) -> None:
        """Waits until `count` subscriptions listen to the server's event feed."""
        feed = self.app.state.feed
        for _ in range(300):
            if feed.subscriber_count >= count:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{feed.subscriber_count} subscriptions listening, expected {count}")

    async def client(self, stack: AsyncExitStack, email: str | None, protocol: str = TRANSPORT_WS, **kw: Any) -> WS:
        ws = await stack.enter_async_context(WS.connect(self.url, protocol, **kw))
        if email is not None:
            ack = await ws.init(await self.token(email))
            assert ack["type"] == "connection_ack", ack
        return ws


@pytest.fixture
async def serve(database_url: str):
    """serve(**settings) -> a Live server on a fresh copy of the demo database."""
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> Live:
            settings = Settings(database_url=database_url, PROVIDER_ORDERS_ENV="test", **overrides)
            db = Database(settings)
            stack.push_async_callback(db.dispose)
            app = create_app(settings, db)
            url = await stack.enter_async_context(running_server(app))
            return Live(url, db, app, settings)

        yield start


@pytest.fixture
async def live(serve) -> Live:
    return await serve()
