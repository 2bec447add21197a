"""The WebSocket protocols' answers to bad input and bad auth, over a real socket: close codes
as graphql-transport-ws specifies them, the legacy protocol only when switched on, and no
other subscriber ever affected."""

from __future__ import annotations

import socket
from contextlib import AsyncExitStack

import pytest

from domain.ids import to_global_id
from models import OrderStatus
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.live import LEGACY_WS, WS, Live, add_comment, change_status
from tests.test_subscriptions import COMMENT_ADDED, STATUS_CHANGED, fixed_price_order

SUBSCRIBE = {"type": "subscribe", "payload": {"query": "subscription { orderStatusChanged { to } }"}}


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({}, 4403),
        ({"authorization": "Bearer not-a-token"}, 4403),
        ({"authorization": "Basic x"}, 4403),
        ("not an object", 4400),
    ],
)
async def test_connection_init_without_a_valid_token_is_refused(live: Live, payload, code) -> None:
    async with WS.connect(live.url) as ws:
        await ws.send({"type": "connection_init", "payload": payload})
        assert (await ws.closed())[0] == code


async def test_an_expired_token_is_refused_and_a_token_that_expires_ends_the_subscription(live: Live) -> None:
    async with WS.connect(live.url) as ws:
        await ws.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {await live.token(PARTNER, ttl=-5)}"}}
        )
        assert (await ws.closed())[0] == 4403
    async with WS.connect(live.url) as ws:
        assert (await ws.init(await live.token(PARTNER, ttl=3)))["type"] == "connection_ack"
        await ws.subscribe("s", STATUS_CHANGED)
        code, reason = await ws.closed(timeout=6)
        assert code == 4403 and "expired" in reason


@pytest.mark.parametrize(
    ("messages", "code"),
    [
        ([SUBSCRIBE | {"id": "1"}], 4401),  # subscribe before connection_ack
        (["init", {"type": "what"}], 4400),  # unknown message type
        (["init", "{not json"], 4400),  # malformed JSON
        (["init", "[" * 5000], 4400),  # deeper than the JSON decoder recurses
        (["init", '{"id": ' + "1" * 5000 + "}"], 4400),  # more digits than Python converts
        (["init", {"id": "1", "type": "subscribe"}], 4400),  # no payload
        (["init", {"id": "1", "type": "subscribe", "payload": {"query": "subscription {"}}], 4400),  # syntax error
        (["init", SUBSCRIBE | {"id": "1"}, SUBSCRIBE | {"id": "1"}], 4409),  # duplicate operation id
        (["init", {"type": "connection_init", "payload": {}}], 4429),  # too many connection_init
    ],
)
async def test_bad_input_gets_the_protocol_close_code(live: Live, messages, code) -> None:
    token = await live.token(PARTNER)
    async with AsyncExitStack() as stack:
        bystander = await live.client(stack, SUPPLIER)
        await bystander.subscribe("s", STATUS_CHANGED)
        await live.subscribed(1)
        async with WS.connect(live.url) as ws:
            for message in messages:
                if message == "init":
                    await ws.init(token)
                else:
                    await ws.send(message)
            assert (await ws.closed())[0] == code
        # The server and its other subscribers are unaffected.
        order_id = await fixed_price_order(live.db)
        await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
        assert (await bystander.next())["payload"]["data"]["orderStatusChanged"]["to"] == "APPROVED"


async def test_the_query_limits_hold_for_subscriptions_too(live: Live) -> None:
    deep = (
        "subscription { commentAdded { author { organization { ... on Provider { services { provider { services "
        "{ provider { services { provider { services { provider { services { provider { name } } } } } } } } } } "
        "} } } } }"
    )
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PROVIDER)
        await ws.subscribe("deep", deep)
        error = await ws.receive()
        assert error["type"] == "error" and "exceeds maximum operation depth" in error["payload"][0]["message"]
        await ws.subscribe("long", "subscription { commentAdded { " + "id " * 6000 + "} }")
        code, reason = await ws.closed()
        assert code == 4400 and "more than 5000 tokens" in reason


async def test_queries_and_mutations_over_the_socket_run_with_the_connection_viewer(live: Live) -> None:
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.send({"id": "q", "type": "subscribe", "payload": {"query": "{ viewer { user { email } } }"}})
        assert (await ws.next())["payload"]["data"] == {"viewer": {"user": {"email": PARTNER}}}


async def test_the_legacy_protocol_is_off_by_default(live: Live) -> None:
    async with WS.connect(live.url, LEGACY_WS) as ws:
        assert (await ws.closed())[0] == 4406  # subprotocol not acceptable


async def test_the_legacy_protocol_when_switched_on(serve) -> None:
    live = await serve(legacy_graphql_ws=True)
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    async with AsyncExitStack() as stack:
        # A bad token: connection_error, then the socket closes.
        refused = await stack.enter_async_context(WS.connect(live.url, LEGACY_WS))
        assert (await refused.init("bad"))["type"] == "connection_error"
        await refused.closed()
        # Start before connection_init: 4401.
        early = await stack.enter_async_context(WS.connect(live.url, LEGACY_WS))
        await early.subscribe("1", STATUS_CHANGED)
        assert (await early.closed())[0] == 4401

        ws = await live.client(stack, PARTNER, LEGACY_WS)
        await ws.subscribe("s", STATUS_CHANGED, {"orderId": gid})
        await ws.subscribe("c", COMMENT_ADDED, {"orderId": gid})
        await ws.subscribe("x", STATUS_CHANGED, {"orderId": to_global_id("Order", 10**6)})
        error = await ws.receive()
        assert error["type"] == "error" and error["id"] == "x"
        await live.subscribed(2)
        await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
        message = await ws.next()
        assert message["type"] == "data" and message["id"] == "s"
        assert message["payload"]["data"]["orderStatusChanged"]["to"] == "APPROVED"
        await add_comment(live.db, live.bus, order_id, SUPPLIER, "hi")
        assert (await ws.next())["payload"]["data"]["commentAdded"]["body"] == "hi"
        # graphql-transport-ws still works beside it.
        modern = await live.client(stack, PARTNER)
        await modern.subscribe("s", STATUS_CHANGED, {"orderId": gid})
        await live.subscribed(3)
        await change_status(live.db, live.bus, order_id, OrderStatus.NOT_STARTED, "provider@demo.example")
        assert (await modern.next())["payload"]["data"]["orderStatusChanged"]["to"] == "NOT_STARTED"
        assert (await ws.next())["payload"]["data"]["orderStatusChanged"]["to"] == "NOT_STARTED"


async def test_a_slow_subscriber_is_closed_and_resumes_while_others_get_everything(serve) -> None:
    live = await serve(subscription_queue_size=4)
    order_id = await fixed_price_order(live.db)
    big = "x" * 200_000  # each event is large, so a client that stops reading blocks the server's sends
    query = "subscription { orderEvents { ... on CommentAddedEvent { cursor comment { body } } } }"
    count = 40
    async with AsyncExitStack() as stack:
        fast = await live.client(stack, SUPPLIER, max_size=2**22)
        await fast.subscribe("e", query)
        # The slow client: a tiny receive buffer and it never reads.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", int(live.url.split(":")[2].split("/")[0])))
        slow = await live.client(stack, PARTNER, sock=sock, max_size=2**22, max_queue=1)
        await slow.subscribe("e", query)
        await live.subscribed(2)

        received = []
        for i in range(count):
            await add_comment(live.db, live.bus, order_id, PARTNER, f"{i}:{big}")
            received.append(await fast.next(timeout=5))
        assert [m["payload"]["data"]["orderEvents"]["comment"]["body"].split(":")[0] for m in received] == [
            str(i) for i in range(count)
        ]
        # The slow one was closed with a clear code; what it read before is a cursor to resume from.
        code, reason = await slow.closed(timeout=5)
        assert code == 1013 and "orderEvents(after:)" in reason
        got = [m["payload"]["data"]["orderEvents"] for m in slow.drained if m.get("type") == "next"]
        assert len(got) < count

        # It resumes after the last event it did receive, and gets the rest, each once.
        resumed = await live.client(stack, PARTNER, max_size=2**22)
        await resumed.subscribe(
            "e",
            query.replace("orderEvents", "orderEvents(after: $after)").replace(
                "subscription", "subscription($after: String)"
            ),
            {"after": got[-1]["cursor"] if got else None},
        )
        rest = [(await resumed.next())["payload"]["data"]["orderEvents"] for _ in range(count - len(got))]
        bodies = [e["comment"]["body"].split(":")[0] for e in got + rest]
        assert bodies == [str(i) for i in range(count)]
        await resumed.nothing(0.2)
