"""The quote phase (issue #15, items 3 and 4): invited providers leave by declining or by
withdrawing their quote, never by cancelling the partner's request; each has a private
question-and-answer thread with the partner that no rival ever sees."""

from __future__ import annotations

import pytest

from tests.conftest import PARTNER, PROVIDER, PROVIDER2, SUPPLIER
from tests.ordering import demo_ids, in_days, pk_of, snapshot

ERR = "errors { code message field }"
SUBMIT = f"""mutation($input: SubmitOrderInput!) {{ submitOrder(input: $input) {{ order {{ id }} {ERR} }} }}"""
QUOTE = f"""mutation($input: SubmitQuoteInput!) {{ submitQuote(input: $input) {{ quote {{ id }} {ERR} }} }}"""
WITHDRAW = f"""mutation($input: WithdrawQuoteInput!) {{
  withdrawQuote(input: $input) {{ quote {{ id status }} order {{ id status }} {ERR} }} }}"""
ACCEPT = f"""mutation($input: AcceptQuoteInput!) {{ acceptQuote(input: $input) {{ order {{ status }} {ERR} }} }}"""
CANCEL = f"""mutation($input: CancelOrderInput!) {{ cancelOrder(input: $input) {{ order {{ status }} {ERR} }} }}"""
COMMENT = f"""mutation($input: AddCommentInput!) {{
  addComment(input: $input) {{ comment {{ id body privateTo {{ name }} }} {ERR} }} }}"""
ORDER = """query($id: ID!) { node(id: $id) { ... on Order {
  status availableActions commentCount
  comments { body privateTo { name } }
  commentsConnection(first: 10) { totalCount edges { node { body } } }
  timeline { __typename ... on Comment { body } }
  quotes { id status provider { name } }
  quoteComparison { lowestTotal { amount } }
} } }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"


@pytest.fixture
async def request_to_both(gql):
    ids = await demo_ids(gql)
    payload = (
        await gql.data(
            SUBMIT,
            {
                "input": {
                    "serviceId": ids["SEO Audit"],
                    "name": "Audit",
                    "origin": "PROVIDER_LOCATOR",
                    "providerIds": [ids["Northwind Digital"], ids["Taylor Marketing"]],
                    "paymentMethod": "PARTNER_FUNDED",
                }
            },
        )
    )["submitOrder"]
    assert payload["errors"] == []
    return ids, payload["order"]["id"]


async def quote(gql, order_id: str, as_: str, total: str) -> str:
    payload = (
        await gql.data(
            QUOTE,
            {
                "input": {
                    "orderId": order_id,
                    "plan": "Plan",
                    "estimatedCompletionOn": in_days(20),
                    "lineItems": [{"description": "Work", "quantity": 1, "unitPrice": total}],
                }
            },
            as_=as_,
        )
    )["submitQuote"]
    assert payload["errors"] == []
    return payload["quote"]["id"]


async def test_an_invited_provider_cannot_cancel_the_request_but_the_partner_and_supplier_can(
    gql, db, request_to_both
) -> None:
    _, order_id = request_to_both
    before = await snapshot(db, pk_of(order_id))
    refused = (await gql.data(CANCEL, {"input": {"orderId": order_id, "reason": "No"}}, as_=PROVIDER))["cancelOrder"]
    assert refused["order"] is None and refused["errors"][0]["code"] == "FORBIDDEN"
    assert await snapshot(db, pk_of(order_id)) == before
    for user in (PROVIDER, PROVIDER2):
        assert "CANCEL_ORDER" not in (await gql.data(ORDER, {"id": order_id}, as_=user))["node"]["availableActions"]
    for user in (PARTNER, SUPPLIER):
        assert "CANCEL_ORDER" in (await gql.data(ORDER, {"id": order_id}, as_=user))["node"]["availableActions"]
    cancelled = await gql.data(CANCEL, {"input": {"orderId": order_id, "reason": "Plans changed"}}, as_=SUPPLIER)
    assert cancelled["cancelOrder"]["order"]["status"] == "CANCELLED"


async def test_a_withdrawn_quote_cannot_be_accepted_and_rivals_never_learn_of_it(gql, request_to_both) -> None:
    _, order_id = request_to_both
    withdrawn_id = await quote(gql, order_id, PROVIDER2, "700.00")
    await quote(gql, order_id, PROVIDER, "900.00")

    # Only the quote's own provider withdraws it; the partner may not, a rival does not even see it.
    partner_try = (await gql.data(WITHDRAW, {"input": {"quoteId": withdrawn_id}}))["withdrawQuote"]
    assert partner_try["errors"][0]["code"] == "FORBIDDEN"
    rival_try = (await gql.data(WITHDRAW, {"input": {"quoteId": withdrawn_id}}, as_=PROVIDER))["withdrawQuote"]
    assert rival_try["errors"][0]["code"] == "NOT_FOUND"

    done = (await gql.data(WITHDRAW, {"input": {"quoteId": withdrawn_id}}, as_=PROVIDER2))["withdrawQuote"]
    assert done["errors"] == [] and done["quote"]["status"] == "WITHDRAWN"
    assert done["order"]["status"] == "PENDING_QUOTES"  # Taylor's quote is still on the table
    again = (await gql.data(WITHDRAW, {"input": {"quoteId": withdrawn_id}}, as_=PROVIDER2))["withdrawQuote"]
    assert again["errors"][0]["code"] == "INVALID_TRANSITION"

    seen = (await gql.data(ORDER, {"id": order_id}))["node"]
    assert {(q["provider"]["name"], q["status"]) for q in seen["quotes"]} == {
        ("Northwind Digital", "WITHDRAWN"),
        ("Taylor Marketing", "SUBMITTED"),
    }
    accepted = (await gql.data(ACCEPT, {"input": {"quoteId": withdrawn_id}}))["acceptQuote"]
    assert accepted["errors"][0]["code"] == "INVALID_TRANSITION"
    rival = (await gql.data(ORDER, {"id": order_id}, as_=PROVIDER))["node"]
    assert [q["provider"]["name"] for q in rival["quotes"]] == ["Taylor Marketing"]

    # Northwind may quote again while the request is open.
    await quote(gql, order_id, PROVIDER2, "650.00")


async def test_once_no_quote_is_left_the_portal_cancels_without_naming_who_left_last(gql, request_to_both) -> None:
    _, order_id = request_to_both
    decline = f"""mutation($input: DeclineToQuoteInput!) {{ declineToQuote(input: $input) {{ {ERR} }} }}"""
    assert (await gql.data(decline, {"input": {"orderId": order_id, "reason": "Busy"}}, as_=PROVIDER2))[
        "declineToQuote"
    ]["errors"] == []
    mine = await quote(gql, order_id, PROVIDER, "800.00")
    done = (await gql.data(WITHDRAW, {"input": {"quoteId": mine}}, as_=PROVIDER))["withdrawQuote"]
    assert done["errors"] == [] and done["order"]["status"] == "CANCELLED"
    history = (
        await gql.data(
            "query($id: ID!) { node(id: $id) { ... on Order { statusHistory { to actor { email } reason } } } }",
            {"id": order_id},
        )
    )["node"]["statusHistory"]
    assert history[-1] == {
        "to": "CANCELLED",
        "actor": None,
        "reason": "No quote is left: every provider asked to quote declined or withdrew its quote.",
    }


async def test_private_threads_while_quoting(gql, request_to_both) -> None:
    ids, order_id = request_to_both

    async def comment(as_: str, body: str, provider: str | None = None) -> dict:
        input = {"orderId": order_id, "body": body} | ({"providerId": ids[provider]} if provider else {})
        payload = (await gql.data(COMMENT, {"input": input}, as_=as_))["addComment"]
        assert payload["errors"] == [], payload["errors"]
        return payload["comment"]

    asked = await comment(PROVIDER, "Which regions?")
    assert asked["privateTo"] == {"name": "Taylor Marketing"}
    await comment(PARTNER, "EMEA only.", "Taylor Marketing")
    await comment(PROVIDER2, "Is a report enough?")
    await comment(SUPPLIER, "Yes, a report.", "Northwind Digital")
    await comment(PARTNER, "Note for the whole order")
    assert (await comment(PROVIDER, "Thanks", "Taylor Marketing"))["privateTo"] == {"name": "Taylor Marketing"}

    def bodies(order: dict) -> dict:
        return {
            "comments": [c["body"] for c in order["comments"]],
            "count": order["commentCount"],
            "connection": (
                order["commentsConnection"]["totalCount"],
                [e["node"]["body"] for e in order["commentsConnection"]["edges"]],
            ),
            "timeline": [t["body"] for t in order["timeline"] if t["__typename"] == "Comment"],
        }

    taylor_thread = ["Which regions?", "EMEA only.", "Thanks"]
    northwind_thread = ["Is a report enough?", "Yes, a report."]
    everything = ["Which regions?", "EMEA only.", "Is a report enough?", "Yes, a report.", "Note for the whole order"]
    everything.append("Thanks")
    for user, expected in (
        (PROVIDER, taylor_thread),
        (PROVIDER2, northwind_thread),
        (PARTNER, everything),
        (SUPPLIER, everything),
    ):
        order = bodies((await gql.data(ORDER, {"id": order_id}, as_=user))["node"])
        assert order == {
            "comments": expected,
            "count": len(expected),
            "connection": (len(expected), expected),
            "timeline": expected,
        }, user
    assert (await gql.data(NODE, {"id": asked["id"]}, as_=PROVIDER2))["node"] is None
    assert (await gql.data(NODE, {"id": asked["id"]}, as_=PROVIDER))["node"] == {"id": asked["id"]}

    # Taylor wins: its thread becomes part of the order, Northwind's stays with the partner side.
    taylor_quote = await quote(gql, order_id, PROVIDER, "1000.00")
    assert (await gql.data(ACCEPT, {"input": {"quoteId": taylor_quote}}))["acceptQuote"]["errors"] == []
    winner = bodies((await gql.data(ORDER, {"id": order_id}, as_=PROVIDER))["node"])
    expected = ["Which regions?", "EMEA only.", "Note for the whole order", "Thanks"]
    assert winner["comments"] == expected and winner["count"] == 4 and winner["connection"] == (4, expected)
    assert (await gql.data(ORDER, {"id": order_id}))["node"]["commentCount"] == 6
    # After the quote phase, no new private thread.
    late = await gql.data(COMMENT, {"input": {"orderId": order_id, "body": "x", "providerId": ids["Taylor Marketing"]}})
    assert late["addComment"]["errors"][0]["field"] == ["input", "providerId"]


async def test_a_provider_that_declined_can_no_longer_ask(gql, request_to_both) -> None:
    _, order_id = request_to_both
    decline = f"""mutation($input: DeclineToQuoteInput!) {{ declineToQuote(input: $input) {{ {ERR} }} }}"""
    await gql.data(decline, {"input": {"orderId": order_id, "reason": "Busy"}}, as_=PROVIDER2)
    refused = await gql.data(COMMENT, {"input": {"orderId": order_id, "body": "one more thing"}}, as_=PROVIDER2)
    assert refused["addComment"]["errors"][0]["code"] == "FORBIDDEN"
