"""The Redis event bus against the Redis of this machine (each test on a channel of its own),
and two real server processes sharing one database: a change made through one reaches a
subscriber of the other, also across a lost pub/sub connection."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from contextlib import AsyncExitStack

import httpx
import pytest
import redis.asyncio as redis

from app.db import Database
from app.settings import Settings
from domain.ids import to_global_id
from models import OrderStatus
from resolvers.pagination import CursorCodec
from subscriptions.bus import RESYNC
from subscriptions.redis_bus import RedisBus
from tests.conftest import PARTNER, SUPPLIER
from tests.live import WS, add_comment, change_status
from tests.servers import LiveServer
from tests.test_subscriptions import ORDER_EVENTS, fixed_price_order

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MY_PORTS = "8200-8299"


@pytest.fixture
def channel() -> str:
    return f"po-test:{uuid.uuid4().hex}"


async def kill_reader(bus_name_prefix: str) -> int:
    """Cut this bus's pub/sub connection (and only it) from the Redis side."""
    admin = redis.from_url(REDIS_URL)
    try:
        clients = await admin.client_list()
        ids = [c["id"] for c in clients if c.get("name", "").startswith(bus_name_prefix)]
        for client_id in ids:
            await admin.client_kill_filter(_id=client_id)
        return len(ids)
    finally:
        await admin.aclose()


async def next_message(subscription, timeout: float = 3.0):
    return await asyncio.wait_for(subscription.get(), timeout)


async def test_a_message_published_by_one_process_reaches_the_subscribers_of_another(channel: str) -> None:
    one, other = RedisBus(REDIS_URL, channel), RedisBus(REDIS_URL, channel)
    try:
        async with one.subscribe() as mine, other.subscribe() as theirs:
            await one.wait_connected()
            await other.wait_connected()
            assert await next_message(mine) == RESYNC and await next_message(theirs) == RESYNC
            assert one.healthy and other.healthy
            await one.publish({"event_id": 7, "order_id": 1})
            assert await next_message(theirs) == {"event_id": 7, "order_id": 1}
            assert await next_message(mine) == {"event_id": 7, "order_id": 1}
    finally:
        await one.close()
        await other.close()


async def test_after_a_lost_connection_the_bus_reconnects_and_asks_for_a_resync(channel: str) -> None:
    bus = RedisBus(REDIS_URL, channel, min_backoff=0.3)
    publisher = redis.from_url(REDIS_URL)
    try:
        async with bus.subscribe() as subscription:
            await bus.wait_connected()
            assert await next_message(subscription) == RESYNC
            assert await kill_reader(bus.client_name) == 1
            # Published while nobody listens: Redis pub/sub drops it.
            await asyncio.sleep(0.05)
            assert await publisher.publish(channel, json.dumps({"event_id": 1})) == 0
            assert await next_message(subscription) == RESYNC  # re-read the stored events
            assert bus.healthy and bus.reconnects == 1
            await publisher.publish(channel, json.dumps({"event_id": 2}))
            assert await next_message(subscription) == {"event_id": 2}
    finally:
        await publisher.aclose()
        await bus.close()


async def test_publishing_without_redis_never_raises(channel: str) -> None:
    bus = RedisBus("redis://127.0.0.1:1/0", channel, min_backoff=0.05, publish_timeout=0.5)
    try:
        async with bus.subscribe() as subscription:
            await bus.publish({"event_id": 3})  # logged, not raised
            assert await next_message(subscription) == {"event_id": 3}  # local subscribers still told
            assert not bus.healthy
    finally:
        await bus.close()


async def test_the_app_reports_redis_in_readyz(database_url: str, channel: str) -> None:
    from app.server import create_app

    settings = Settings(
        database_url=database_url, PROVIDER_ORDERS_ENV="test", redis_url=REDIS_URL, redis_channel=channel
    )
    db = Database(settings)
    app = create_app(settings, db)
    try:
        await app.state.bus.start()
        await app.state.bus.wait_connected()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            body = (await http.get("/readyz")).json()
        assert body["checks"]["redis"] == "ok"
    finally:
        await app.state.bus.close()
        await db.dispose()


ADD_COMMENT = """mutation($input: AddCommentInput!) { addComment(input: $input) { errors { code message } } }"""
APPROVE = """mutation($input: ApproveOrderInput!) { approveOrder(input: $input) { errors { code message } } }"""


async def test_two_server_processes_deliver_each_others_changes_through_redis(
    database_url: str, channel: str, gql
) -> None:
    db = Database(Settings(database_url=database_url))
    order_id = await fixed_price_order(db)
    gid = to_global_id("Order", order_id)
    env = {"REDIS_URL": REDIS_URL, "REDIS_CHANNEL": channel, "EVENT_POLL_SECONDS": "60"}
    async with AsyncExitStack() as stack:
        stack.push_async_callback(db.dispose)
        servers = await asyncio.gather(
            *(stack.enter_async_context(LiveServer(database_url, env=env, ports=MY_PORTS)) for _ in range(2))
        )
        subscriber_side, writer_side = servers
        ws = await stack.enter_async_context(WS.connect(f"ws://127.0.0.1:{subscriber_side.port}/graphql"))
        assert (await ws.init(await gql.token(PARTNER)))["type"] == "connection_ack"
        # From the start of the order's events: nothing is missed however late the subscription registers.
        start = CursorCodec(Settings(database_url=database_url).jwt_secret).encode("EVENT", None, 0)
        await ws.subscribe("e", ORDER_EVENTS, {"orderId": gid, "after": start})

        async with httpx.AsyncClient(base_url=writer_side.url, timeout=10) as http:

            async def mutate(query: str, variables: dict, as_: str) -> None:
                response = await http.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {await gql.token(as_)}"},
                )
                payload = next(iter(response.json()["data"].values()))
                assert payload["errors"] == [], payload

            await mutate(ADD_COMMENT, {"input": {"orderId": gid, "body": "from the other process"}}, PARTNER)
            event = (await ws.next())["payload"]["data"]["orderEvents"]
            assert event["comment"] == {"body": "from the other process"}
            await mutate(APPROVE, {"input": {"orderId": gid}}, SUPPLIER)
            event = (await ws.next())["payload"]["data"]["orderEvents"]
            assert (event["from"], event["to"]) == ("PENDING_APPROVAL", "APPROVED")

        # The subscriber's process loses its pub/sub connection; an event whose message is lost
        # (stored, never published) still arrives, once, after the reconnect.
        lost = await add_comment(db, None, order_id, SUPPLIER, "stored while the bus was down")
        assert await kill_reader(f"po-bus-{subscriber_side.process.pid}-") == 1
        event = (await ws.next(timeout=5))["payload"]["data"]["orderEvents"]
        assert event["comment"] == {"body": "stored while the bus was down"}
        await change_status(db, None, order_id, OrderStatus.NOT_STARTED, "provider@demo.example")
        publisher = redis.from_url(REDIS_URL)
        await publisher.publish(channel, json.dumps({"event_id": lost + 1}))
        await publisher.aclose()
        event = (await ws.next())["payload"]["data"]["orderEvents"]
        assert event["to"] == "NOT_STARTED"
        await ws.nothing(0.3)
