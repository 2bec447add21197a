"""An invited provider's view of a quote request: `version` and `lastActivityAt` move only with
what it may see (its own quotes and decline), never with a rival's bid."""

from __future__ import annotations

from domain.ids import to_global_id
from tests.conftest import PARTNER, PROVIDER, PROVIDER2
from tests.ordering import in_days
from tests.test_subscriptions import quote_request

ORDER = "query($id: ID!) { node(id: $id) { ... on Order { view version lastActivityAt } } }"
LIST = "{ orders(first: 10) { edges { node { id version lastActivityAt } } } }"
SUBMIT_QUOTE = """mutation($input: SubmitQuoteInput!) { submitQuote(input: $input) { errors { code } } }"""
DECLINE = """mutation($id: ID!) { declineToQuote(input: {orderId: $id, reason: "Booked"}) { errors { code } } }"""


async def test_a_rivals_quote_and_decline_do_not_move_what_an_invited_provider_sees(gql, db) -> None:
    gid = to_global_id("Order", await quote_request(db, invited=("Taylor Marketing", "Northwind Digital")))

    async def seen(email: str) -> dict:
        return (await gql.data(ORDER, {"id": gid}, as_=email))["node"]

    async def quote(email: str) -> None:
        payload = (
            await gql.data(
                SUBMIT_QUOTE,
                {
                    "input": {
                        "orderId": gid,
                        "plan": "A plan",
                        "estimatedCompletionOn": in_days(30),
                        "lineItems": [{"description": "Work", "quantity": 1, "unitPrice": "100.00"}],
                    }
                },
                as_=email,
            )
        )["submitQuote"]
        assert payload["errors"] == []

    before = await seen(PROVIDER)
    assert before["view"] == "QUOTE_REQUEST" and before["version"] == 1
    partner_before = await seen(PARTNER)
    await quote(PROVIDER2)
    await quote(PROVIDER2)  # a revision
    assert (await gql.data(DECLINE, {"id": gid}, as_=PROVIDER2))["declineToQuote"]["errors"] == []
    assert await seen(PROVIDER) == before  # nothing to count the rival's bids by
    edges = (await gql.data(LIST, as_=PROVIDER))["orders"]["edges"]
    listed = next(e["node"] for e in edges if e["node"]["id"] == gid)
    assert (listed["version"], listed["lastActivityAt"]) == (before["version"], before["lastActivityAt"])
    partner_after = await seen(PARTNER)  # the partner sees the order whole: it moved
    assert partner_after["version"] > partner_before["version"]
    assert partner_after["lastActivityAt"] > partner_before["lastActivityAt"]

    await quote(PROVIDER)  # its own quote moves both
    mine = await seen(PROVIDER)
    assert mine["version"] == 2 and mine["lastActivityAt"] > before["lastActivityAt"]
    rival = await seen(PROVIDER2)  # the rival's own: two quotes and a decline
    assert rival["version"] == 4


SORTED = """query($filter: OrderFilter) {
  orders(first: 10, filter: $filter, orderBy: { field: LAST_ACTIVITY_AT, direction: DESC }) {
    totalCount edges { cursor node { id lastActivityAt } } } }"""
EDIT = """mutation($id: ID!) {
  updateOrder(input: {orderId: $id, description: "Now also local SEO"}) { errors { code } } }"""


async def test_the_list_sorts_and_filters_a_quote_request_by_what_the_provider_may_see(gql, db) -> None:
    both = ("Taylor Marketing", "Northwind Digital")
    older = to_global_id("Order", await quote_request(db, invited=both))
    newer = to_global_id("Order", await quote_request(db, invited=both))

    async def listed(filter: dict | None = None) -> list[dict]:
        return [e["node"] for e in (await gql.data(SORTED, {"filter": filter}, as_=PROVIDER))["orders"]["edges"]]

    before = await listed()
    assert [o["id"] for o in before] == [newer, older]
    cursors = (await gql.data(SORTED, as_=PROVIDER))["orders"]["edges"]
    # A rival's quote moves the order (the partner sees it first now) ...
    payload = (
        await gql.data(
            SUBMIT_QUOTE,
            {
                "input": {
                    "orderId": older,
                    "plan": "A plan",
                    "estimatedCompletionOn": in_days(30),
                    "lineItems": [{"description": "Work", "quantity": 1, "unitPrice": "100.00"}],
                }
            },
            as_=PROVIDER2,
        )
    )["submitQuote"]
    assert payload["errors"] == []
    partner_first = (await gql.data(SORTED, as_=PARTNER))["orders"]["edges"][0]["node"]
    assert partner_first["id"] == older
    # ... but neither the provider's order, nor its filter, nor its cursors.
    assert await listed() == before
    assert (await gql.data(SORTED, as_=PROVIDER))["orders"]["edges"] == cursors
    since = partner_first["lastActivityAt"]
    assert await listed({"lastActivity": {"from": since}}) == []

    # An edit of the description is the provider's to see: the request moves for it.
    assert (await gql.data(EDIT, {"id": older}))["updateOrder"]["errors"] == []
    after = await listed()
    assert [o["id"] for o in after] == [older, newer] and after[0]["lastActivityAt"] > since
    seen = (await gql.data(ORDER, {"id": older}, as_=PROVIDER))["node"]
    assert seen["version"] == 2 and seen["lastActivityAt"] == after[0]["lastActivityAt"]
    assert [o["id"] for o in await listed({"lastActivity": {"from": since}})] == [older]
