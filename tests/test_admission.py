"""One admission gate for HTTP and WebSocket operations (app.admission): slots, fairness between
users, bounded waits, caps on sockets and operations per user, and the mutation rate limit.

Executions are observed with a `viewer` resolver that waits for the test's say-so: how many are
inside at once is counted, never timed."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.admission import MutationRateLimit
from domain.ids import to_global_id
from models import Comment
from resolvers import portal
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.live import LEGACY_WS, WS, Live, add_comment
from tests.test_subscriptions import COMMENT, COMMENT_ADDED, fixed_price_order

VIEWER = "{ viewer { user { email } } }"
REDIS_URL = "redis://127.0.0.1:6379/0"
ROUNDS = 1000  # polls of 10 ms at most while waiting for the server to get somewhere


class Gauge:
    """The `viewer` resolver, held at a gate the test opens: counts executions inside it."""

    def __init__(self, only: str | None = None):
        self.only, self.inside, self.peak, self.done = only, 0, 0, 0
        self.by: dict[str, int] = {}
        self.open = asyncio.Event()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> Gauge:
        original = portal.resolve_viewer

        async def resolve_viewer(info: Any) -> Any:
            email = info.context.require_viewer().email
            if self.only is not None and email != self.only:
                return await original(info)
            self.inside += 1
            self.by[email] = self.by.get(email, 0) + 1
            self.peak = max(self.peak, self.inside)
            try:
                await self.open.wait()
                return await original(info)
            finally:
                self.inside -= 1
                self.by[email] -= 1
                self.done += 1

        monkeypatch.setattr(portal, "resolve_viewer", resolve_viewer)
        return self

    async def until(self, inside: int) -> None:
        for _ in range(ROUNDS):
            if self.inside >= inside:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"{self.inside} executions inside, expected {inside}")


async def http_post(live: Live, query: str, as_: str | None, **variables: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {await live.token(as_)}"} if as_ else {}
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.post(
            live.url.replace("ws://", "http://"), json={"query": query, "variables": variables}, headers=headers
        )


async def results(ws: WS, count: int) -> dict[str, dict[str, Any]]:
    """The final message (`next` of a query, or `error`) of `count` operations, by id."""
    final: dict[str, dict[str, Any]] = {}
    while len(final) < count:
        message = await ws.receive(timeout=30)
        if message["type"] in ("next", "error"):
            final[message["id"]] = message
    return final


def gate(live: Live) -> Any:
    return live.app.state.graphql.admission


async def until_idle(live: Live) -> None:
    for _ in range(ROUNDS):
        if gate(live).busy == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{gate(live).busy} slots still held")


async def test_websocket_queries_wait_at_the_gate_like_http_requests(serve, monkeypatch) -> None:
    live = await serve(max_concurrent_requests=2, max_concurrent_per_user=2)
    gauge = Gauge().install(monkeypatch)
    async with AsyncExitStack() as stack:
        sockets = [await live.client(stack, PARTNER) for _ in range(2)]
        for n, ws in enumerate(sockets):
            for i in range(10):
                await ws.subscribe(f"q{n}-{i}", VIEWER)
        http = asyncio.create_task(http_post(live, VIEWER, PARTNER))
        await gauge.until(2)
        assert gate(live).busy == 2
        gauge.open.set()
        answers = [await results(ws, 10) for ws in sockets]
        response = await http
    assert response.json()["data"]["viewer"]["user"]["email"] == PARTNER
    for answer in answers:
        assert all(m["type"] == "next" and m["payload"]["data"]["viewer"] for m in answer.values()), answer
    assert gauge.done == 21
    assert gauge.peak == 2  # never more than MAX_CONCURRENT_REQUESTS executing
    await until_idle(live)


async def test_one_users_flood_does_not_starve_another_user(serve, monkeypatch) -> None:
    live = await serve(max_concurrent_requests=2, max_concurrent_per_user=1)
    gauge = Gauge(only=PARTNER).install(monkeypatch)
    async with AsyncExitStack() as stack:
        sockets = [await live.client(stack, PARTNER) for _ in range(2)]
        for n, ws in enumerate(sockets):
            for i in range(10):
                await ws.subscribe(f"q{n}-{i}", VIEWER)
        flood = [asyncio.create_task(http_post(live, VIEWER, PARTNER)) for _ in range(5)]
        await gauge.until(1)

        # The partner's 25 operations wait in their own line; the provider's go past them,
        # over HTTP and over a socket, while the partner's first one is still held.
        response = await http_post(live, VIEWER, PROVIDER)
        assert response.json()["data"]["viewer"]["user"]["email"] == PROVIDER
        other = await live.client(stack, PROVIDER)
        await other.subscribe("mine", VIEWER)
        assert (await other.next())["payload"]["data"]["viewer"]["user"]["email"] == PROVIDER
        assert gauge.by[PARTNER] == 1 and gauge.done == 0

        gauge.open.set()
        answers = [await results(ws, 10) for ws in sockets]
        responses = await asyncio.gather(*flood)
    assert all(r.json()["data"]["viewer"]["user"]["email"] == PARTNER for r in responses)
    for answer in answers:
        assert all(m["type"] == "next" for m in answer.values()), answer
    assert gauge.peak == 1  # MAX_CONCURRENT_PER_USER
    assert gauge.done == 25


async def test_a_wait_past_the_timeout_is_refused_with_a_retry_hint(serve, monkeypatch) -> None:
    live = await serve(max_concurrent_requests=1, admission_timeout_seconds=0.2)
    gauge = Gauge(only=PARTNER).install(monkeypatch)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("held", VIEWER)
        await gauge.until(1)

        response = await http_post(live, VIEWER, PROVIDER)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        [error] = response.json()["errors"]
        assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 1}

        other = await live.client(stack, PROVIDER)
        await other.subscribe("waits", VIEWER)
        message = await other.receive()
        assert message["type"] == "error" and message["id"] == "waits"
        assert message["payload"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 1}

        gauge.open.set()
        assert (await ws.next())["payload"]["data"]["viewer"]["user"]["email"] == PARTNER
        await until_idle(live)
        # The socket lives on: the same operation again is served once there is room.
        await other.subscribe("again", VIEWER)
        assert (await other.next())["id"] == "again"


async def test_idle_subscribers_hold_no_slot_and_each_event_takes_one(serve) -> None:
    live = await serve(max_concurrent_requests=1)
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    async with AsyncExitStack() as stack:
        subscribers = [await live.client(stack, email) for email in (PARTNER, PARTNER, SUPPLIER)]
        for ws in subscribers:
            await ws.subscribe("c", COMMENT_ADDED, {"orderId": gid})
        await live.subscribed(3)
        await until_idle(live)

        response = await http_post(live, VIEWER, PROVIDER)  # the one slot is free
        assert response.json()["data"]["viewer"]["user"]["email"] == PROVIDER

        for body in ("first", "second"):
            await add_comment(live.db, live.bus, order_id, SUPPLIER, body)
            for ws in subscribers:
                message = await ws.next()
                assert message["payload"]["data"]["commentAdded"]["body"] == body
        await until_idle(live)


async def test_sockets_per_user_are_capped(serve) -> None:
    live = await serve(max_sockets_per_user=2, legacy_graphql_ws=True)
    async with AsyncExitStack() as stack:
        first = await live.client(stack, PARTNER)
        await live.client(stack, PARTNER, protocol=LEGACY_WS)
        for protocol in ("graphql-transport-ws", LEGACY_WS):
            async with WS.connect(live.url, protocol) as third:
                await third.send(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {await live.token(PARTNER)}"}}
                )
                code, reason = await third.closed()
                assert code == 4429, (protocol, code, reason)
                assert all(m["type"] != "connection_ack" for m in third.drained)
        await live.client(stack, PROVIDER)  # others are not concerned

        # The partner's sockets still work; one closed makes room for a new one.
        await first.subscribe("q", VIEWER)
        assert (await first.next())["id"] == "q"
        await first.conn.close()
        for _ in range(ROUNDS):
            async with WS.connect(live.url) as again:
                ack = await again.init(await live.token(PARTNER))
                if ack.get("type") == "connection_ack":
                    break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("a closed socket was not released")


async def test_operations_per_socket_and_per_user_are_capped(serve) -> None:
    live = await serve(max_operations_per_socket=2, max_operations_per_user=3)
    gid = to_global_id("Order", await fixed_price_order(live.db))
    async with AsyncExitStack() as stack:
        one = await live.client(stack, PARTNER)
        await one.subscribe("a", COMMENT_ADDED, {"orderId": gid})
        await one.subscribe("b", COMMENT_ADDED, {"orderId": gid})
        await live.subscribed(2)
        await one.subscribe("c", COMMENT_ADDED, {"orderId": gid})
        refused = await one.receive()
        assert refused["type"] == "error" and refused["id"] == "c"
        assert refused["payload"][0]["extensions"] == {"code": "TOO_MANY_OPERATIONS", "retryAfter": 1}

        two = await live.client(stack, PARTNER)
        await two.subscribe("d", COMMENT_ADDED, {"orderId": gid})
        await live.subscribed(3)
        await two.subscribe("e", VIEWER)
        refused = await two.receive()
        assert refused["type"] == "error" and refused["id"] == "e"
        assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_OPERATIONS"
        response = await http_post(live, VIEWER, PARTNER)
        assert response.status_code == 429 and response.headers["retry-after"] == "1"
        assert response.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_OPERATIONS"
        response = await http_post(live, VIEWER, PROVIDER)
        assert response.json()["data"]["viewer"]["user"]["email"] == PROVIDER

        # Completing a subscription makes room on the socket and for the user (once its task ended).
        await one.send({"id": "a", "type": "complete"})
        for attempt in range(ROUNDS):
            await one.subscribe(f"f{attempt}", VIEWER)
            message = await one.receive()
            if message["type"] == "next":
                break
            assert message["payload"][0]["extensions"]["code"] == "TOO_MANY_OPERATIONS"
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("a completed subscription still counts")


async def comments(live: Live, order_id: int) -> int:
    async with live.db.read_session() as session:
        return await session.scalar(select(func.count()).select_from(Comment).where(Comment.order_id == order_id))


@pytest.mark.parametrize("storage", ["memory", "redis"])
async def test_mutations_over_the_rate_limit_are_refused_before_they_write(serve, storage: str) -> None:
    redis = (
        {
            "redis_url": REDIS_URL,
            "rate_limit_key_prefix": f"po-test-{uuid.uuid4().hex}",
            "redis_channel": f"po-test-{uuid.uuid4().hex}",
        }
        if storage == "redis"
        else {}
    )
    live = await serve(mutation_rate_limit="2/minute", **redis)
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    for body in ("one", "two"):
        response = await http_post(live, COMMENT, PARTNER, id=gid, body=body)
        assert response.json()["data"]["addComment"]["errors"] == []
    assert await comments(live, order_id) == 2

    response = await http_post(live, COMMENT, PARTNER, id=gid, body="three")
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= error["extensions"]["retryAfter"] <= 60
    assert response.headers["retry-after"] == str(error["extensions"]["retryAfter"])
    assert await comments(live, order_id) == 2  # nothing written

    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("m", COMMENT, {"id": gid, "body": "four"})
        message = await ws.receive()
        assert message["type"] == "next"
        [error] = message["payload"]["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED" and 1 <= error["extensions"]["retryAfter"] <= 60
    assert await comments(live, order_id) == 2

    # Per user: the supplier's own limit is untouched.
    response = await http_post(live, COMMENT, SUPPLIER, id=gid, body="supplier")
    assert response.json()["data"]["addComment"]["errors"] == []
    assert await comments(live, order_id) == 3


async def test_the_redis_rate_limit_is_shared_by_every_process() -> None:
    prefix = f"po-test-{uuid.uuid4().hex}"
    first, second = (MutationRateLimit("3/minute", REDIS_URL, prefix) for _ in range(2))
    try:
        assert [await first.retry_after(7), await second.retry_after(7), await first.retry_after(7)] == [None] * 3
        retry_after = await second.retry_after(7)
        assert retry_after is not None and 1 <= retry_after <= 60
        assert await second.retry_after(8) is None  # another user
    finally:
        await first.close()
        await second.close()


async def test_without_redis_the_rate_limit_lets_mutations_through() -> None:
    limit = MutationRateLimit("1/minute", "redis://127.0.0.1:1/0", "po-test")  # nothing listens there
    try:
        assert [await limit.retry_after(7), await limit.retry_after(7)] == [None, None]
    finally:
        await limit.close()
