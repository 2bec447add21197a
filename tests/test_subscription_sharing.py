"""One execution and one JSON encoding per (event, user, query), over a real WebSocket: what a
subscriber receives never depends on who else listens, and never comes from another user's,
another query's, other variables' or another connection's result (subscriptions.sharing).

Every test opens at least two sockets per (user, query), so that all but the first of each take
the shared, pre-encoded path, and checks it was taken."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack
from typing import Any

import pytest
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation

from domain.ids import to_global_id
from models import OrderStatus
from subscriptions import connection, resolvers
from tests.conftest import PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER
from tests.live import LEGACY_WS, WS, Live, add_comment, change_status
from tests.test_subscriptions import fixed_price_order, quote_request

EVENTS = """subscription {
  orderEvents {
    __typename
    ... on OrderEventBase { cursor order { id view status availableActions } actor { email } }
    ... on StatusChangedEvent { from to }
    ... on CommentAddedEvent { comment { body } }
  }
}"""
WITH_NAME = """subscription($id: ID, $withName: Boolean!) {
  orderStatusChanged(orderId: $id) { to order { id name @include(if: $withName) } }
}"""
OTHER_QUERY = "subscription($id: ID) { orderStatusChanged(orderId: $id) { from to reason } }"


class Sends:
    """Counts the data messages sent through Strawberry and those sent pre-encoded."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.strawberry = self.shared = 0
        send_next, transport, legacy = (
            Operation.send_next,
            connection._NextDelivery.send_payload,
            connection._DataDelivery.send_payload,
        )
        send_data = connection.LegacyWSHandler.send_data_message

        async def counted_next(op: Any, *args: Any) -> None:
            self.strawberry += 1
            await send_next(op, *args)

        async def counted_data(handler: Any, *args: Any) -> None:
            self.strawberry += 1
            await send_data(handler, *args)

        def shared(original: Any) -> Any:
            async def counted(delivery: Any, payload: str) -> bool:
                self.shared += 1
                return await original(delivery, payload)

            return counted

        monkeypatch.setattr(Operation, "send_next", counted_next)
        monkeypatch.setattr(connection.LegacyWSHandler, "send_data_message", counted_data)
        monkeypatch.setattr(connection._NextDelivery, "send_payload", shared(transport))
        monkeypatch.setattr(connection._DataDelivery, "send_payload", shared(legacy))


async def raw(ws: WS) -> str:
    """The next message's text as the server sent it (keep-alives skipped)."""
    while True:
        text = await ws.conn.recv()
        if json.loads(text).get("type") not in ("ka", "ping", "pong"):
            return text


async def clients(live: Live, stack: AsyncExitStack, email: str, count: int, protocol: str = "graphql-transport-ws"):
    return [await live.client(stack, email, protocol) for _ in range(count)]


async def test_the_shared_message_is_byte_for_byte_what_strawberry_sends(serve, monkeypatch) -> None:
    """Both sub-protocols, on the same event and the same execution: each socket gets its own
    operation id in its own protocol's message, around the same payload."""
    live = await serve(legacy_graphql_ws=True)
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    sends = Sends(monkeypatch)
    async with AsyncExitStack() as stack:
        modern = await clients(live, stack, PARTNER, 3)
        legacy = await clients(live, stack, PARTNER, 3, LEGACY_WS)
        for i, ws in enumerate(modern + legacy):
            await ws.subscribe(f"op-{i % 3}", WITH_NAME, {"id": gid, "withName": True})
        await live.subscribed(6)

        await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
        texts = [await raw(ws) for ws in modern + legacy]
        assert sends.strawberry == 1 and sends.shared == 5
        payloads = {json.dumps(json.loads(text)["payload"]) for text in texts}
        assert len(payloads) == 1
        for i, (text, ws) in enumerate(zip(texts, modern + legacy, strict=True)):
            message = json.loads(text)
            assert message["id"] == f"op-{i % 3}"
            assert message["type"] == ("next" if ws in modern else "data")
            # What Strawberry itself sends for this message (its encoder, the keys in its order).
            assert text == json.dumps(message, separators=(",", ":"))
        assert json.loads(texts[0])["payload"] == {
            "data": {"orderStatusChanged": {"to": "APPROVED", "order": {"id": gid, "name": "Test order"}}}
        }


async def test_users_who_see_an_event_differently_each_get_their_own_view(live: Live, monkeypatch) -> None:
    """Same event, same query: the supplier sees the quote request in full with its own actions,
    the invited provider as a quote request and its comments not at all, a provider not invited
    and another partner nothing."""
    order_id = await quote_request(live.db)  # Taylor Marketing (PROVIDER) invited
    gid = to_global_id("Order", order_id)
    sends = Sends(monkeypatch)
    async with AsyncExitStack() as stack:
        sockets = {email: await clients(live, stack, email, 3) for email in (SUPPLIER, PROVIDER, PROVIDER2, PARTNER2)}
        for group in sockets.values():
            for ws in group:
                await ws.subscribe("e", EVENTS)
        await live.subscribed(12)

        # A status change the invited provider may still see the order after (quotes are still
        # collected): a cancellation would end its view, and with it the event (test_access_at_delivery).
        await change_status(live.db, live.bus, order_id, OrderStatus.PENDING_QUOTES, PARTNER, reason="more time")
        await add_comment(live.db, live.bus, order_id, SUPPLIER, "for the partner's side only")

        seen = {
            email: [[json.loads(await raw(ws)) for _ in range(count)] for ws in sockets[email]]
            for email, count in ((SUPPLIER, 2), (PROVIDER, 1))
        }
        for email in (SUPPLIER, PROVIDER):  # every socket of a user: the same messages
            assert all(messages == seen[email][0] for messages in seen[email])
        supplier, provider = seen[SUPPLIER][0], seen[PROVIDER][0]
        assert [m["payload"]["data"]["orderEvents"]["__typename"] for m in supplier] == [
            "StatusChangedEvent",
            "CommentAddedEvent",
        ]
        assert supplier[1]["payload"]["data"]["orderEvents"]["comment"] == {"body": "for the partner's side only"}
        status = provider[0]["payload"]["data"]["orderEvents"]
        assert status["__typename"] == "StatusChangedEvent" and status["to"] == "PENDING_QUOTES"
        assert status["order"]["view"] == "QUOTE_REQUEST"
        assert supplier[0]["payload"]["data"]["orderEvents"]["order"]["view"] == "FULL"
        assert status["order"] != supplier[0]["payload"]["data"]["orderEvents"]["order"]
        for email in (SUPPLIER, PROVIDER, PROVIDER2, PARTNER2):
            for ws in sockets[email]:
                await ws.nothing(0.1)
        # One execution per user and event (supplier: 2, provider: 1); the other sockets shared it.
        assert sends.strawberry == 3 and sends.shared == 6
        assert gid == supplier[0]["payload"]["data"]["orderEvents"]["order"]["id"]


async def test_the_same_user_with_other_variables_or_another_query_gets_its_own_result(live: Live, monkeypatch) -> None:
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    sends = Sends(monkeypatch)
    async with AsyncExitStack() as stack:
        named, unnamed, other = [await clients(live, stack, PARTNER, 2) for _ in range(3)]
        for ws in named:
            await ws.subscribe("s", WITH_NAME, {"id": gid, "withName": True})
        for ws in unnamed:
            await ws.subscribe("s", WITH_NAME, {"id": gid, "withName": False})
        for ws in other:
            await ws.subscribe("s", OTHER_QUERY, {"id": gid})
        await live.subscribed(6)

        await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER, reason="fine")
        got = [
            [json.loads(await raw(ws))["payload"]["data"]["orderStatusChanged"] for ws in group]
            for group in (named, unnamed, other)
        ]
        assert got[0] == [{"to": "APPROVED", "order": {"id": gid, "name": "Test order"}}] * 2
        assert got[1] == [{"to": "APPROVED", "order": {"id": gid}}] * 2
        assert got[2] == [{"from": "PENDING_APPROVAL", "to": "APPROVED", "reason": "fine"}] * 2
        assert sends.strawberry == 3 and sends.shared == 3


async def test_a_result_with_errors_goes_through_strawberry_for_each_subscriber(live: Live, monkeypatch) -> None:
    """A field fails for one user only (unexpected: masked, with each connection's own request
    id); that user's subscribers each get their own error message, the other user's share theirs."""
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    query = "subscription($id: ID) { orderStatusChanged(orderId: $id) { cursor to } }"
    cursor = resolvers.event_cursor

    def failing_for_the_supplier(info: Any, event_id: int) -> str:
        if info.context.viewer.email == SUPPLIER:
            raise RuntimeError("cursor store unavailable")
        return cursor(info, event_id)

    monkeypatch.setattr(resolvers, "event_cursor", failing_for_the_supplier)
    sends = Sends(monkeypatch)
    async with AsyncExitStack() as stack:
        suppliers, partners = await clients(live, stack, SUPPLIER, 3), await clients(live, stack, PARTNER, 3)
        for ws in suppliers + partners:
            await ws.subscribe("s", query, {"id": gid})
        await live.subscribed(6)

        await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
        failed = [json.loads(await raw(ws)) for ws in suppliers]
        fine = [json.loads(await raw(ws)) for ws in partners]
        request_ids = set()
        for message in failed:
            assert message["type"] == "next" and message["payload"]["data"] is None
            [error] = message["payload"]["errors"]
            assert error["message"] == "Internal server error"
            assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
            request_ids.add(error["extensions"]["requestId"])
        assert len(request_ids) == 3  # each connection's own, never another's
        assert all(m == fine[0] for m in fine) and "errors" not in fine[0]["payload"]
        assert fine[0]["payload"]["data"]["orderStatusChanged"]["to"] == "APPROVED"
        assert sends.strawberry == 3 + 1 and sends.shared == 2

        # The subscriptions live on: the next event, without the failure, is shared again.
        monkeypatch.setattr(resolvers, "event_cursor", cursor)
        await change_status(live.db, live.bus, order_id, OrderStatus.NOT_STARTED, PROVIDER)
        for ws in suppliers + partners:
            assert (await ws.next())["payload"]["data"]["orderStatusChanged"]["to"] == "NOT_STARTED"
        assert sends.strawberry == 4 + 2 and sends.shared == 2 + 4


async def listening(live: Live, count: int) -> None:
    """Waits until exactly `count` subscriptions listen to the server's event feed."""
    feed = live.app.state.feed
    for _ in range(300):
        if feed.subscriber_count == count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{feed.subscriber_count} subscriptions listening, expected {count}")


async def test_a_completed_closed_or_expired_subscriber_gets_nothing_more_and_the_others_go_on(
    live: Live, monkeypatch
) -> None:
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    sends = Sends(monkeypatch)
    query = "subscription($id: ID) { orderStatusChanged(orderId: $id) { to } }"
    async with AsyncExitStack() as stack:
        first, completing, staying = await clients(live, stack, PARTNER, 3)
        leaving_stack = await stack.enter_async_context(AsyncExitStack())
        leaving = await live.client(leaving_stack, PARTNER)
        expiring = await stack.enter_async_context(WS.connect(live.url))
        # Long enough to outlast the set-up below on a loaded machine, short enough to wait for.
        assert (await expiring.init(await live.token(PARTNER, ttl=5)))["type"] == "connection_ack"
        everyone = (first, completing, staying, leaving, expiring)
        for ws in everyone:
            await ws.subscribe("s", query, {"id": gid})
        await listening(live, 5)
        await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
        for ws in everyone:
            assert (await ws.next())["payload"]["data"]["orderStatusChanged"]["to"] == "APPROVED"
        assert sends.strawberry == 1 and sends.shared == 4

        await completing.send({"id": "s", "type": "complete"})
        await leaving_stack.aclose()  # the client goes away
        code, reason = await expiring.closed(timeout=10)  # the same user's token, ending sooner
        assert code == 4403 and "expired" in reason
        await listening(live, 2)
        await change_status(live.db, live.bus, order_id, OrderStatus.NOT_STARTED, PROVIDER)
        for ws in (first, staying):
            assert (await ws.next())["payload"]["data"]["orderStatusChanged"]["to"] == "NOT_STARTED"
        await completing.nothing(0.2)
        assert sends.strawberry == 2 and sends.shared == 5
