"""Access at delivery time: each subscription event is rendered as its subscriber may see the
order now (the visibility function of `node(id:)`), live and on `orderEvents(after:)` replay;
an event of an order the subscriber may no longer see is dropped."""

from __future__ import annotations

from contextlib import AsyncExitStack

import httpx

from domain.ids import to_global_id
from resolvers.pagination import CursorCodec
from tests.conftest import PARTNER, PROVIDER, PROVIDER2, SUPPLIER
from tests.live import Live
from tests.ordering import in_days
from tests.test_subscriptions import quote_request

EVENTS = """subscription($after: String, $orderId: ID) {
  orderEvents(after: $after, orderId: $orderId) {
    __typename
    ... on OrderEventBase { cursor order { id status view rate { amount } provider { name } } }
    ... on StatusChangedEvent { from to }
    ... on QuoteSubmittedEvent { quote { total { amount } provider { name } } }
  }
}"""
SUBMIT_QUOTE = """mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { quote { id } errors { code } } }"""
ACCEPT_QUOTE = (
    """mutation($input: AcceptQuoteInput!) { acceptQuote(input: $input) { order { status } errors { code } } }"""
)
NODE = "query($id: ID!) { node(id: $id) { id } }"


async def quote(live: Live, order: str, as_: str, price: str) -> str:
    payload = await live.mutate(
        SUBMIT_QUOTE,
        as_,
        input={
            "orderId": order,
            "plan": "A plan",
            "estimatedCompletionOn": in_days(30),
            "lineItems": [{"description": "Work", "quantity": 1, "unitPrice": price}],
        },
    )
    return payload["quote"]["id"]


def start(live: Live) -> str:
    return CursorCodec(live.settings.jwt_secret).encode("EVENT", None, 0)


async def test_the_losing_bidder_gets_nothing_once_a_rivals_quote_is_accepted_live_or_on_replay(live: Live) -> None:
    order_id = await quote_request(live.db, invited=("Taylor Marketing", "Northwind Digital"))
    gid = to_global_id("Order", order_id)
    async with AsyncExitStack() as stack:
        clients = {email: await live.client(stack, email) for email in (PARTNER, SUPPLIER, PROVIDER, PROVIDER2)}
        for ws in clients.values():
            await ws.subscribe("all", EVENTS)
        await live.subscribed(len(clients))

        await quote(live, gid, PROVIDER2, "900.00")  # the loser: Northwind Digital
        own = (await clients[PROVIDER2].next())["payload"]["data"]["orderEvents"]
        assert own["quote"] == {"total": {"amount": "900.00"}, "provider": {"name": "Northwind Digital"}}
        assert own["order"]["view"] == "QUOTE_REQUEST" and own["order"]["rate"] is None
        winner = await quote(live, gid, PROVIDER, "1000.00")
        await live.mutate(ACCEPT_QUOTE, PARTNER, input={"quoteId": winner})

        for email in (PARTNER, SUPPLIER):
            kinds = [(await clients[email].next())["payload"]["data"]["orderEvents"]["__typename"] for _ in range(3)]
            assert kinds == ["QuoteSubmittedEvent", "QuoteSubmittedEvent", "StatusChangedEvent"]
        accepted = None
        for _ in range(2):  # its own quote (read after the acceptance: as it sees the order now), then the change
            accepted = (await clients[PROVIDER].next())["payload"]["data"]["orderEvents"]
        assert accepted["__typename"] == "StatusChangedEvent" and accepted["from"] == "PENDING_QUOTES"
        assert accepted["order"]["provider"] == {"name": "Taylor Marketing"}
        assert accepted["order"]["rate"] == {"amount": "1000.00"} and accepted["order"]["view"] == "FULL"
        # Never the winner's rate or name: the quote request is over for the loser.
        await clients[PROVIDER2].nothing(0.5)

        # Replaying the order's events from its start: nothing for the loser, as node(id:) says.
        loser = await live.client(stack, PROVIDER2)
        await loser.subscribe("replay", EVENTS, {"after": start(live), "orderId": None})
        await live.mutate(
            'mutation($id: ID!) { addComment(input: {orderId: $id, body: "x"}) { errors { code } } }', PARTNER, id=gid
        )
        await loser.nothing(0.5)
        winner_ws = await live.client(stack, PROVIDER)
        await winner_ws.subscribe("replay", EVENTS, {"after": start(live), "orderId": gid})
        replayed = [(await winner_ws.next())["payload"]["data"]["orderEvents"]["__typename"] for _ in range(3)]
        assert replayed == ["QuoteSubmittedEvent", "StatusChangedEvent", "CommentAddedEvent"]
        await winner_ws.nothing(0.2)

    async with httpx.AsyncClient(timeout=10) as http:
        body = (
            await http.post(
                live.url.replace("ws://", "http://"),
                json={"query": NODE, "variables": {"id": gid}},
                headers={"Authorization": f"Bearer {await live.token(PROVIDER2)}"},
            )
        ).json()
    assert body["data"]["node"] is None
