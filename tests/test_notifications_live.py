"""notificationAdded over a real WebSocket: each user gets their own new notifications, live,
from real mutations; a lost bus message is made good by the bus's resync."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from subscriptions.bus import RESYNC
from tests import live as live_support
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.live import WS, running_server
from tests.notify_helpers import comment, move
from tests.ordering import SUBMIT_ORDER, demo_ids, in_days, pk_of

NOTIFICATION_ADDED = "subscription { notificationAdded { id kind title body read order { id name } actor { email } } }"
SUBMIT_QUOTE = """mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { errors { code } } }"""


@pytest.fixture(autouse=True)
def my_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live_support, "PORTS", range(8400, 8450))  # this server ports


async def listen(stack: AsyncExitStack, url: str, gql, email: str) -> WS:
    ws = await stack.enter_async_context(WS.connect(url))
    assert (await ws.init(await gql.token(email)))["type"] == "connection_ack"
    await ws.subscribe("n", NOTIFICATION_ADDED)
    return ws


async def added(ws: WS) -> dict:
    return (await ws.next())["payload"]["data"]["notificationAdded"]


async def test_each_user_gets_their_own_notifications_live(app, gql) -> None:
    ids = await demo_ids(gql)
    async with AsyncExitStack() as stack:
        url = await stack.enter_async_context(running_server(app))
        provider = await listen(stack, url, gql, PROVIDER)
        partner = await listen(stack, url, gql, PARTNER)
        supplier = await listen(stack, url, gql, SUPPLIER)
        await provider.nothing(0.2)  # subscribed (no backlog is replayed)

        submitted = (
            await gql.data(
                SUBMIT_ORDER,
                {
                    "input": {
                        "serviceId": ids["SEO Consultation"],
                        "name": "Live SEO",
                        "origin": "MARKETPLACE",
                        "paymentMethod": "PARTNER_FUNDED",
                    }
                },
            )
        )["submitOrder"]
        assert submitted["errors"] == []
        oid = submitted["order"]["id"]
        note = await added(provider)
        assert note["kind"] == "QUOTE_REQUESTED" and note["title"] == "You're invited to quote: Live SEO"
        assert note["order"] == {"id": oid, "name": "Live SEO"} and note["actor"] == {"email": PARTNER}
        assert note["read"] is False

        quoted = await gql.data(
            SUBMIT_QUOTE,
            {
                "input": {
                    "orderId": oid,
                    "plan": "Plan",
                    "estimatedCompletionOn": in_days(10),
                    "lineItems": [{"description": "Work", "quantity": 1, "unitPrice": "900.00"}],
                }
            },
            as_=PROVIDER,
        )
        assert quoted["submitQuote"]["errors"] == []
        assert (await added(partner))["title"] == "Quote received: Live SEO"
        # Nobody hears of their own doing, and the supplier has nothing to act on yet.
        await provider.nothing()
        await supplier.nothing(0.05)

        # A notification whose bus message was lost arrives with the bus's resync marker.
        await move(gql.db, pk_of(oid), live_support.OrderStatus.CANCELLED, PARTNER, reason="Changed plans")
        await partner.nothing(0.05)
        await supplier.nothing(0.05)
        app.state.bus.deliver(RESYNC)
        assert (await added(provider))["title"] == "Quote request cancelled: Live SEO"
        assert (await added(supplier))["title"] == "Live SEO: Cancelled"


async def approved_order_and_partner_listening(stack: AsyncExitStack, app, gql, db) -> tuple[int, WS]:
    """An approved order of the partner, and the partner subscribed to its notifications."""
    from tests.notify_helpers import submit

    order_id = await submit(db, service_name="Social Media Starter Pack")
    await move(db, order_id, live_support.OrderStatus.APPROVED, SUPPLIER)
    url = await stack.enter_async_context(running_server(app))
    partner = await listen(stack, url, gql, PARTNER)
    await partner.nothing(0.2)
    return order_id, partner


async def test_notifications_missed_by_the_bus_arrive_in_order_on_resync(app, gql, db) -> None:
    async with AsyncExitStack() as stack:
        order_id, partner = await approved_order_and_partner_listening(stack, app, gql, db)
        for n in range(3):
            await comment(db, order_id, PROVIDER, f"Update {n}")
        app.state.bus.deliver(RESYNC)
        bodies = [(await added(partner))["body"] for _ in range(3)]
        assert bodies == [f"Taylor Provider (Taylor Marketing): Update {n}" for n in range(3)]
        await partner.nothing()


async def test_a_subscriber_flooded_by_the_bus_catches_up_and_goes_on(app, gql, db) -> None:
    async with AsyncExitStack() as stack:
        order_id, partner = await approved_order_and_partner_listening(stack, app, gql, db)
        await comment(db, order_id, PROVIDER, "Lost in the flood")
        for _ in range(app.state.settings.subscription_queue_size + 1):  # more than its queue holds
            app.state.bus.deliver(RESYNC)
        assert (await added(partner))["body"].endswith("Lost in the flood")
        await comment(db, order_id, PROVIDER, "After the flood")
        app.state.bus.deliver(RESYNC)
        assert (await added(partner))["body"].endswith("After the flood")
