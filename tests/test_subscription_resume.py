"""Resuming `orderStatusChanged` and `commentAdded`: every event carries its cursor, and a client
that subscribes again with `after:` gets exactly the events it missed, then live ones."""

from __future__ import annotations

from contextlib import AsyncExitStack

from domain.ids import to_global_id
from models import OrderStatus
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.live import Live, add_comment, change_status
from tests.test_subscriptions import fixed_price_order

STATUS_CHANGED = """subscription($orderId: ID, $after: String) {
  orderStatusChanged(orderId: $orderId, after: $after) { cursor from to }
}"""
COMMENT_ADDED = """subscription($orderId: ID, $after: String) {
  commentAdded(orderId: $orderId, after: $after) { eventCursor body }
}"""
ORDER_EVENTS = """subscription {
  orderEvents { ... on CommentAddedEvent { cursor comment { body eventCursor } } }
}"""


async def test_order_status_changed_resumes_after_its_cursor_without_loss_or_doubling(live: Live) -> None:
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("s", STATUS_CHANGED, {"orderId": gid})
        await live.subscribed(1)
        await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
        first = (await ws.next())["payload"]["data"]["orderStatusChanged"]
        assert first["to"] == "APPROVED" and first["cursor"]
    # While disconnected: two status changes, and a comment that is not this subscription's business.
    await change_status(live.db, live.bus, order_id, OrderStatus.NOT_STARTED, PROVIDER)
    await add_comment(live.db, live.bus, order_id, PROVIDER, "starting soon")
    await change_status(live.db, live.bus, order_id, OrderStatus.IN_PROGRESS, PROVIDER)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("s", STATUS_CHANGED, {"orderId": gid, "after": first["cursor"]})
        missed = [(await ws.next())["payload"]["data"]["orderStatusChanged"] for _ in range(2)]
        assert [(c["from"], c["to"]) for c in missed] == [("APPROVED", "NOT_STARTED"), ("NOT_STARTED", "IN_PROGRESS")]
        await live.subscribed(1)
        await change_status(live.db, live.bus, order_id, OrderStatus.COMPLETED, PROVIDER)
        now = (await ws.next())["payload"]["data"]["orderStatusChanged"]
        assert (now["from"], now["to"]) == ("IN_PROGRESS", "COMPLETED")
        await ws.nothing(0.2)
    cursors = [first["cursor"], *(c["cursor"] for c in missed), now["cursor"]]
    assert len(set(cursors)) == 4


async def test_comment_added_carries_its_event_cursor_and_resumes_after_it(live: Live) -> None:
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, SUPPLIER)
        await ws.subscribe("c", COMMENT_ADDED, {"orderId": gid})
        await live.subscribed(1)
        await add_comment(live.db, live.bus, order_id, PARTNER, "one")
        first = (await ws.next())["payload"]["data"]["commentAdded"]
        assert first["body"] == "one" and first["eventCursor"]
    await add_comment(live.db, live.bus, order_id, PARTNER, "two")
    await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)  # not a comment
    await add_comment(live.db, live.bus, order_id, SUPPLIER, "three")
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, SUPPLIER)
        await ws.subscribe("c", COMMENT_ADDED, {"orderId": gid, "after": first["eventCursor"]})
        missed = [(await ws.next())["payload"]["data"]["commentAdded"] for _ in range(2)]
        assert [c["body"] for c in missed] == ["two", "three"]
        await live.subscribed(1)
        await add_comment(live.db, live.bus, order_id, PARTNER, "four")
        now = (await ws.next())["payload"]["data"]["commentAdded"]
        assert now["body"] == "four"
        await ws.nothing(0.2)
    cursors = [first["eventCursor"], *(c["eventCursor"] for c in missed), now["eventCursor"]]
    assert len(set(cursors)) == 4


async def test_a_comments_event_cursor_is_its_events_cursor_and_null_outside_a_subscription(live: Live, gql) -> None:
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("e", ORDER_EVENTS)
        await live.subscribed(1)
        await add_comment(live.db, live.bus, order_id, SUPPLIER, "hello")
        event = (await ws.next())["payload"]["data"]["orderEvents"]
        assert event["comment"] == {"body": "hello", "eventCursor": event["cursor"]}
        # A cursor of one subscription resumes another: they are positions in one sequence.
        await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
        await ws.next()
        resumed = await live.client(stack, PARTNER)
        await resumed.subscribe("s", STATUS_CHANGED, {"orderId": gid, "after": event["cursor"]})
        assert (await resumed.next())["payload"]["data"]["orderStatusChanged"]["to"] == "APPROVED"

    query = "query($id: ID!) { node(id: $id) { ... on Order { comments(first: 5) { body eventCursor } } } }"
    data = await gql.data(query, {"id": gid}, as_=PARTNER)
    assert data["node"]["comments"] == [{"body": "hello", "eventCursor": None}]


async def test_latest_event_cursor_leaves_no_gap_between_a_query_and_the_subscription(live: Live, gql) -> None:
    order_id = await fixed_price_order(live.db)
    cursor = (await gql.data("{ latestEventCursor }", as_=PARTNER))["latestEventCursor"]
    # Events committed after the read, before the subscription listens: delivered, each once.
    await add_comment(live.db, live.bus, order_id, SUPPLIER, "early")
    await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("c", COMMENT_ADDED, {"after": cursor})
        await ws.subscribe("s", STATUS_CHANGED, {"after": cursor})
        received = {}
        for _ in range(2):
            message = await ws.next()
            received[message["id"]] = message["payload"]["data"]
        assert received["c"]["commentAdded"]["body"] == "early"
        assert received["s"]["orderStatusChanged"]["to"] == "APPROVED"
        await ws.nothing(0.2)
