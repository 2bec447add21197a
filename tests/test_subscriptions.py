"""Live dashboards over a real WebSocket (uvicorn on a port of 8200-8299): delivery, per-party
filtering, replay and resume, auth, the protocol's answers to bad input, slow subscribers."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

from app.db import Database
from domain.ids import to_global_id
from models import OrderStatus
from resolvers.pagination import CursorCodec
from tests import factories
from tests.conftest import OUTSIDER, PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER
from tests.live import Live, add_comment, change_status

STATUS_CHANGED = """subscription($orderId: ID, $after: String) {
  orderStatusChanged(orderId: $orderId, after: $after) {
    cursor from to reason at actor { email } order { id name status }
  }
}"""
COMMENT_ADDED = """subscription($orderId: ID) {
  commentAdded(orderId: $orderId) { id body author { email } order { id commentCount } }
}"""
ORDER_EVENTS = """subscription($after: String, $orderId: ID) {
  orderEvents(after: $after, orderId: $orderId) {
    __typename
    ... on OrderEventBase { cursor order { id view } actor { email } }
    ... on StatusChangedEvent { from to }
    ... on CommentAddedEvent { comment { body } }
  }
}"""

APPROVE = "mutation($id: ID!) { approveOrder(input: {orderId: $id}) { errors { code } order { status } } }"
REJECT = 'mutation($id: ID!) { rejectOrder(input: {orderId: $id, reason: ""}) { errors { code } } }'
COMMENT = "mutation($id: ID!, $body: String!) { addComment(input: {orderId: $id, body: $body}) { errors { code } } }"
CANCEL = (
    "mutation($id: ID!, $reason: String!) { cancelOrder(input: {orderId: $id, reason: $reason}) { errors { code } } }"
)


async def fixed_price_order(db: Database, **kwargs: Any) -> int:
    async with db.write_session() as session:
        order = await factories.make_order(
            session, status=OrderStatus.PENDING_APPROVAL, service_name="Social Media Starter Pack", **kwargs
        )
    return order.id


async def quote_request(db: Database, invited: tuple[str, ...] = ("Taylor Marketing",)) -> int:
    async with db.write_session() as session:
        order = await factories.make_order(session, status=OrderStatus.PENDING_QUOTES, invited=invited)
    return order.id


async def test_status_changes_and_comments_reach_the_subscriber(live: Live) -> None:
    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("s", STATUS_CHANGED, {"orderId": gid})
        await ws.subscribe("c", COMMENT_ADDED, {"orderId": gid})
        await live.subscribed(2)

        await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
        message = await ws.next()
        assert message["id"] == "s"
        change = message["payload"]["data"]["orderStatusChanged"]
        assert change["from"] == "PENDING_APPROVAL" and change["to"] == "APPROVED"
        assert change["actor"] == {"email": SUPPLIER}
        assert change["order"] == {"id": gid, "name": "Test order", "status": "APPROVED"}
        assert change["cursor"]

        await add_comment(live.db, live.bus, order_id, SUPPLIER, "Approved, go ahead")
        message = await ws.next()
        assert message["id"] == "c"
        comment = message["payload"]["data"]["commentAdded"]
        assert comment["body"] == "Approved, go ahead"
        assert comment["author"] == {"email": SUPPLIER}
        assert comment["order"]["commentCount"] == 1

        # The other order's change is not this subscription's business.
        other = await fixed_price_order(live.db, name="Other")
        await change_status(live.db, live.bus, other, OrderStatus.APPROVED, SUPPLIER)
        await ws.nothing()


async def test_subscribers_of_one_user_share_one_execution_per_event_and_users_never_share(
    live: Live, monkeypatch
) -> None:
    """Async resolvers (loaders, relay ids, availableActions) included: the event wakes every
    subscriber at once, and the first one's execution, still running, serves the others."""
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    executions = []
    execute = StrawberryGraphQLCoreExecutionContext.execute_operation

    def counted(self, *args, **kwargs):
        executions.append(self.context_value.viewer.email)
        return execute(self, *args, **kwargs)

    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    query = "subscription { commentAdded { id body author { email } order { id availableActions } } }"
    async with AsyncExitStack() as stack:
        clients = {email: [await live.client(stack, email) for _ in range(4)] for email in (PARTNER, SUPPLIER)}
        for sockets in clients.values():
            for ws in sockets:
                await ws.subscribe("c", query)
        await live.subscribed(8)
        monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "execute_operation", counted)

        await add_comment(live.db, live.bus, order_id, SUPPLIER, "one execution each")
        seen = {
            email: [(await ws.next())["payload"]["data"]["commentAdded"] for ws in sockets]
            for email, sockets in clients.items()
        }
        assert sorted(executions) == [PARTNER, SUPPLIER]
        for comments in seen.values():
            assert all(c == comments[0] for c in comments)
            assert comments[0]["body"] == "one execution each" and comments[0]["order"]["id"] == gid
        # Each user's own actions on the order: the supplier may approve it, the partner may not.
        assert "APPROVE_ORDER" in seen[SUPPLIER][0]["order"]["availableActions"]
        assert "APPROVE_ORDER" not in seen[PARTNER][0]["order"]["availableActions"]


async def test_each_party_sees_only_what_it_may_as_it_stood_then(live: Live) -> None:
    """Real mutations over HTTP. A provider sees an order's events from APPROVED on (and those of
    its quote request); a provider not invited, another partner, another portal: nothing."""
    watchers = [SUPPLIER, PARTNER, PARTNER2, PROVIDER, PROVIDER2, OUTSIDER]
    async with AsyncExitStack() as stack:
        clients = {email: await live.client(stack, email) for email in watchers}
        for ws in clients.values():
            await ws.subscribe("all", ORDER_EVENTS)
        await live.subscribed(len(watchers))

        fixed = await live.submit_order("Social Media Starter Pack")  # 1
        await live.mutate(COMMENT, PARTNER, id=fixed, body="before approval")  # 2
        await live.mutate(APPROVE, SUPPLIER, id=fixed)  # 3
        await live.mutate(COMMENT, PROVIDER, id=fixed, body="after approval")  # 4
        quote_request = await live.submit_order("SEO Consultation")  # 5: Taylor Marketing invited

        views: dict[str, str] = {}

        async def seen(email: str, count: int) -> list[str]:
            labels = []
            for _ in range(count):
                event = (await clients[email].next())["payload"]["data"]["orderEvents"]
                labels.append(event.get("comment", {}).get("body") or f"{event['from']}->{event['to']}")
                views[email] = event["order"]["view"]  # of the last event
            await clients[email].nothing(0.2)
            return labels

        # The assigned provider from APPROVED on; as invited provider, its quote request's start.
        assert await seen(PROVIDER, 3) == ["PENDING_APPROVAL->APPROVED", "after approval", "None->PENDING_QUOTES"]
        await live.mutate(COMMENT, PARTNER, id=quote_request, body="on the quote request")  # 6
        await live.mutate(CANCEL, PARTNER, id=quote_request, reason="changed plans")  # 7

        everything = [
            "None->PENDING_APPROVAL",
            "before approval",
            "PENDING_APPROVAL->APPROVED",
            "after approval",
            "None->PENDING_QUOTES",
            "on the quote request",
            "PENDING_QUOTES->CANCELLED",
        ]
        assert await seen(SUPPLIER, 7) == everything
        assert await seen(PARTNER, 7) == everything
        # Not the quote request's comments; nor its end: a cancelled order is no longer the invited
        # provider's to see (node(id:) is null for it), so neither are its events.
        for nobody in (PROVIDER, PARTNER2, PROVIDER2, OUTSIDER):
            await clients[nobody].nothing(0.1)
        # Same event, same query: each viewer still gets its own view of the order.
        assert views == {SUPPLIER: "FULL", PARTNER: "FULL", PROVIDER: "QUOTE_REQUEST"}


async def test_a_foreign_or_invisible_order_id_is_an_error_and_the_connection_lives_on(live: Live) -> None:
    order_id = await fixed_price_order(live.db)  # pending approval: not yet the provider's to see
    gid = to_global_id("Order", order_id)
    async with AsyncExitStack() as stack:
        for email in (OUTSIDER, PROVIDER, PARTNER2):
            ws = await live.client(stack, email)
            await ws.subscribe("x", STATUS_CHANGED, {"orderId": gid})
            error = await ws.receive()
            assert error["type"] == "error" and error["id"] == "x", error
            assert error["payload"][0]["extensions"]["code"] == "NOT_FOUND"
            await ws.subscribe("x", STATUS_CHANGED, {"orderId": "garbage"})
            assert (await ws.receive())["payload"][0]["extensions"]["code"] == "NOT_FOUND"
            # Same socket, a subscription it may have: works.
            await ws.subscribe("ok", STATUS_CHANGED)
        supplier = await live.client(stack, SUPPLIER)
        await supplier.subscribe("ok", STATUS_CHANGED, {"orderId": gid})
        await live.subscribed(4)
        await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
        assert (await supplier.next())["payload"]["data"]["orderStatusChanged"]["to"] == "APPROVED"


async def test_order_events_replays_after_a_disconnect_then_goes_on_live(live: Live) -> None:
    order_id = await fixed_price_order(live.db)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("e", ORDER_EVENTS)
        await live.subscribed(1)
        await add_comment(live.db, live.bus, order_id, PARTNER, "one")
        first = (await ws.next())["payload"]["data"]["orderEvents"]
        assert first["comment"] == {"body": "one"}
    # Disconnected: two more events happen meanwhile.
    await add_comment(live.db, live.bus, order_id, SUPPLIER, "two")
    await change_status(live.db, live.bus, order_id, OrderStatus.APPROVED, SUPPLIER)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("e", ORDER_EVENTS, {"after": first["cursor"]})
        replayed = [(await ws.next())["payload"]["data"]["orderEvents"] for _ in range(2)]
        assert replayed[0]["comment"] == {"body": "two"}
        assert replayed[1]["to"] == "APPROVED"
        await add_comment(live.db, live.bus, order_id, PROVIDER, "three")
        live_one = (await ws.next())["payload"]["data"]["orderEvents"]
        assert live_one["comment"] == {"body": "three"}
        await ws.nothing(0.2)
        cursors = [first["cursor"], *(e["cursor"] for e in replayed), live_one["cursor"]]
        assert len(set(cursors)) == 4


async def test_no_gap_and_no_duplicate_at_the_seam_between_replay_and_live(live: Live) -> None:
    """Events keep coming while a subscriber replays: it gets each one once, in order."""
    order_id = await fixed_price_order(live.db)
    first = await add_comment(live.db, live.bus, order_id, PARTNER, "0")
    count = 30

    async def writer() -> None:
        for i in range(1, count + 1):
            await add_comment(live.db, live.bus, order_id, PARTNER, str(i))
            await asyncio.sleep(0)

    async with AsyncExitStack() as stack:
        ws = await live.client(stack, SUPPLIER)
        cursor = CursorCodec(live.settings.jwt_secret).encode("EVENT", None, first)
        task = asyncio.create_task(writer())
        await asyncio.sleep(0.02)  # some are stored before the subscription, some after
        await ws.subscribe("e", ORDER_EVENTS, {"after": cursor, "orderId": to_global_id("Order", order_id)})
        bodies = [(await ws.next())["payload"]["data"]["orderEvents"]["comment"]["body"] for _ in range(count)]
        await task
        assert bodies == [str(i) for i in range(1, count + 1)]
        await ws.nothing(0.2)


async def test_a_bad_cursor_is_refused(live: Live) -> None:
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.subscribe("e", ORDER_EVENTS, {"after": "not-a-cursor"})
        error = await ws.receive()
        assert error["type"] == "error" and error["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_real_mutations_publish_after_commit_and_refused_ones_publish_nothing(live: Live) -> None:
    import httpx

    order_id = await fixed_price_order(live.db)
    gid = to_global_id("Order", order_id)
    http_url = live.url.replace("ws://", "http://")
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PROVIDER)  # the provider: sees the order from APPROVED on
        await ws.subscribe("e", ORDER_EVENTS)
        partner = await live.client(stack, PARTNER)
        await partner.subscribe("e", ORDER_EVENTS, {"orderId": gid})
        await live.subscribed(2)
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=5))

        async def mutate(query: str, as_: str, **variables: Any) -> dict:
            response = await http.post(
                http_url,
                json={"query": query, "variables": {"id": gid, **variables}},
                headers={"Authorization": f"Bearer {await live.token(as_)}"},
            )
            return next(iter(response.json()["data"].values()))

        assert (await mutate(APPROVE, PARTNER))["errors"][0]["code"] == "FORBIDDEN"  # refused: nothing
        assert (await mutate(REJECT, SUPPLIER))["errors"][0]["code"] == "VALIDATION"  # refused: nothing
        assert (await mutate(COMMENT, PARTNER, body="before approval"))["errors"] == []
        assert (await partner.next())["payload"]["data"]["orderEvents"]["comment"] == {"body": "before approval"}
        assert (await mutate(APPROVE, SUPPLIER))["errors"] == []
        for client in (partner, ws):
            event = (await client.next())["payload"]["data"]["orderEvents"]
            assert (event["from"], event["to"], event["actor"]) == ("PENDING_APPROVAL", "APPROVED", {"email": SUPPLIER})
        await ws.nothing(0.2)  # not the comment made before approval
        await partner.nothing(0.1)


async def test_a_decline_reaches_the_partner_side_and_the_decliner_never_the_other_providers(live: Live) -> None:
    """Each provider's decline is an event of its own: the partner and the suppliers see who
    declined and why; the provider that declined sees its own; the other invited one nothing."""
    declined = """subscription { orderEvents {
      __typename ... on QuoteDeclinedEvent { reason provider { name } actor { email } order { status } }
      ... on StatusChangedEvent { from to reason } } }"""
    decline = (
        "mutation($id: ID!, $reason: String!) { declineToQuote(input: {orderId: $id, reason: $reason}) "
        "{ errors { code } } }"
    )
    order_id = await quote_request(live.db, invited=("Taylor Marketing", "Northwind Digital"))
    gid = to_global_id("Order", order_id)
    async with AsyncExitStack() as stack:
        watchers = (PARTNER, SUPPLIER, PROVIDER, PROVIDER2)
        clients = {email: await live.client(stack, email) for email in watchers}
        for ws in clients.values():
            await ws.subscribe("all", declined)
        await live.subscribed(len(clients))

        await live.mutate(decline, PROVIDER2, id=gid, reason="Fully booked this quarter")
        first = {
            "__typename": "QuoteDeclinedEvent",
            "reason": "Fully booked this quarter",
            "provider": {"name": "Northwind Digital"},
            "actor": {"email": PROVIDER2},
            "order": {"status": "PENDING_QUOTES"},
        }
        for email in (PARTNER, SUPPLIER, PROVIDER2):
            assert (await clients[email].next())["payload"]["data"]["orderEvents"] == first
        await clients[PROVIDER].nothing(0.2)  # never a competitor's decline

        # The last decline: that event, then the cancellation it causes. The invited providers hear
        # of neither: the cancelled order is no longer theirs to see (node(id:) is null for them).
        await live.mutate(decline, PROVIDER, id=gid, reason="Not our field")
        for email in (PARTNER, SUPPLIER):
            event = (await clients[email].next())["payload"]["data"]["orderEvents"]
            assert (event["__typename"], event["reason"], event["provider"]) == (
                "QuoteDeclinedEvent",
                "Not our field",
                {"name": "Taylor Marketing"},
            )
            event = (await clients[email].next())["payload"]["data"]["orderEvents"]
            assert (event["__typename"], event["from"], event["to"]) == (
                "StatusChangedEvent",
                "PENDING_QUOTES",
                "CANCELLED",
            )
        for email in (PARTNER, SUPPLIER, PROVIDER, PROVIDER2):
            await clients[email].nothing(0.1)


async def test_an_edit_reaches_the_invited_providers_only_as_a_new_description(live: Live) -> None:
    """updateOrder is an OrderUpdatedEvent: the partner side and the supplier see what changed;
    a provider asked to quote sees that the description changed and nothing else, and hears
    nothing of an edit of the contacts."""
    updated = """subscription { orderEvents {
      __typename ... on OrderUpdatedEvent { update { changed actor { email } } order { description view } } } }"""
    edit = "mutation($input: UpdateOrderInput!) { updateOrder(input: $input) { errors { code } } }"
    order_id = await quote_request(live.db, invited=("Taylor Marketing", "Northwind Digital"))
    gid = to_global_id("Order", order_id)
    async with AsyncExitStack() as stack:
        clients = {email: await live.client(stack, email) for email in (PARTNER, SUPPLIER, PROVIDER, PARTNER2)}
        for ws in clients.values():
            await ws.subscribe("all", updated)
        await live.subscribed(len(clients))

        await live.mutate(edit, PARTNER, input={"orderId": gid, "contacts": [{"name": "Casey Contact"}]})
        for email in (PARTNER, SUPPLIER):
            event = (await clients[email].next())["payload"]["data"]["orderEvents"]
            assert event["update"] == {"changed": ["CONTACTS"], "actor": {"email": PARTNER}}
        await clients[PROVIDER].nothing(0.2)

        await live.mutate(edit, PARTNER, input={"orderId": gid, "description": "Local SEO too", "contacts": []})
        for email in (PARTNER, SUPPLIER):
            event = (await clients[email].next())["payload"]["data"]["orderEvents"]
            assert event["update"]["changed"] == ["DESCRIPTION", "CONTACTS"]
        event = (await clients[PROVIDER].next())["payload"]["data"]["orderEvents"]
        assert event == {
            "__typename": "OrderUpdatedEvent",
            "update": {"changed": ["DESCRIPTION"], "actor": {"email": PARTNER}},
            "order": {"description": "Local SEO too", "view": "QUOTE_REQUEST"},
        }
        await clients[PARTNER2].nothing(0.1)
