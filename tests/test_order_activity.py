"""Comments, leads, the timeline and the quote comparison, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from domain.ids import to_global_id
from models import OrderStatus
from tests import factories
from tests.conftest import PARTNER, PROVIDER, PROVIDER2, SUPPLIER
from tests.ordering import ERRORS, in_days

ADD_LEADS = f"""mutation($input: AddLeadsInput!) {{ addLeads(input: $input) {{
  leads {{ id name email status }} skippedLeads {{ index email reason }} order {{ leadCount lastActivityAt }}
  {ERRORS} }} }}"""
UPDATE_LEAD = f"""mutation($input: UpdateLeadInput!) {{ updateLead(input: $input) {{
  lead {{ id status }} order {{ lastActivityAt }} {ERRORS} }} }}"""
COMMENT = f"""mutation($input: AddCommentInput!) {{ addComment(input: $input) {{
  comment {{ body author {{ email }} }} order {{ commentCount }} {ERRORS} }} }}"""
SUBMIT_QUOTE = f"""mutation($input: SubmitQuoteInput!) {{ submitQuote(input: $input) {{ quote {{ id }} {ERRORS} }} }}"""
DECLINE = f"""mutation($input: DeclineToQuoteInput!) {{ declineToQuote(input: $input) {{ {ERRORS} }} }}"""
TIMELINE = """query($id: ID!) { node(id: $id) { ... on Order { timeline {
  __typename
  ... on StatusChange { to }
  ... on Quote { revision provider { name } }
  ... on QuoteDeclined { reason provider { name } }
  ... on Comment { body } } } } }"""
COMPARE = """query($id: ID!) { node(id: $id) { ... on Order { quoteComparison {
  quotes { provider { name } revision total { amount } estimatedCompletionOn lineItems { amount } }
  lowestTotal { amount currency } earliestCompletionOn awaiting { name } declined { provider { name } } } } } }"""


async def make(db, status: OrderStatus, **kw: Any) -> str:
    async with db.write_session() as session:
        order = await factories.make_order(session, status=status, **kw)
        return to_global_id("Order", order.id)


async def test_leads_duplicates_by_email_are_skipped_and_reported(gql, db) -> None:
    oid = await make(db, OrderStatus.IN_PROGRESS, service_name="Social Media Starter Pack")
    first = (
        await gql.data(
            ADD_LEADS,
            {
                "input": {
                    "orderId": oid,
                    "leads": [{"name": "Ann", "email": "ann@example.com", "company": "A Co"}, {"name": "Bo"}],
                }
            },
            as_=PROVIDER,
        )
    )["addLeads"]
    assert first["errors"] == [] and first["order"]["leadCount"] == 2
    second = (
        await gql.data(
            ADD_LEADS,
            {
                "input": {
                    "orderId": oid,
                    "leads": [
                        {"name": "Ann again", "email": "ANN@example.com"},
                        {"name": "Cy", "email": "cy@example.com"},
                        {"name": "Cy twice", "email": "Cy@Example.com"},
                        {"name": "Bo again"},
                    ],
                }
            },
            as_=PROVIDER,
        )
    )["addLeads"]
    assert [lead["name"] for lead in second["leads"]] == ["Cy", "Bo again"]
    assert [(s["index"], s["email"]) for s in second["skippedLeads"]] == [(0, "ANN@example.com"), (2, "Cy@example.com")]
    assert second["order"]["leadCount"] == 4
    assert second["order"]["lastActivityAt"] > first["order"]["lastActivityAt"]

    lead_id = second["leads"][0]["id"]
    refused = (await gql.data(UPDATE_LEAD, {"input": {"leadId": lead_id, "status": "QUALIFIED"}}, as_=PROVIDER))[
        "updateLead"
    ]
    assert refused["errors"][0]["code"] == "FORBIDDEN"
    updated = (await gql.data(UPDATE_LEAD, {"input": {"leadId": lead_id, "status": "QUALIFIED"}}))["updateLead"]
    assert updated["errors"] == [] and updated["lead"]["status"] == "QUALIFIED"
    assert updated["order"]["lastActivityAt"] > second["order"]["lastActivityAt"]
    hidden = (
        await gql.data(UPDATE_LEAD, {"input": {"leadId": lead_id, "status": "CONTACTED"}}, as_="partner2@demo.example")
    )["updateLead"]
    assert hidden["errors"][0]["code"] == "NOT_FOUND"


async def test_comments_from_the_three_parties(gql, db) -> None:
    oid = await make(db, OrderStatus.IN_PROGRESS, service_name="Social Media Starter Pack")
    for n, user in enumerate((PARTNER, PROVIDER, SUPPLIER), start=1):
        payload = (await gql.data(COMMENT, {"input": {"orderId": oid, "body": f"from {user}"}}, as_=user))["addComment"]
        assert payload["errors"] == [] and payload["comment"]["author"]["email"] == user
        assert payload["order"]["commentCount"] == n
    ten_thousand = (await gql.data(COMMENT, {"input": {"orderId": oid, "body": "y" * 10_000}}))["addComment"]
    assert ten_thousand["errors"] == []
    outsider = (await gql.data(COMMENT, {"input": {"orderId": oid, "body": "hi"}}, as_=PROVIDER2))["addComment"]
    assert outsider["errors"][0]["code"] == "NOT_FOUND"


@pytest.fixture
async def quoted(gql, db) -> str:
    """A quote order: Taylor quotes twice, Northwind quotes, a third provider (Taylor's rival) awaits."""
    oid = await make(db, OrderStatus.PENDING_QUOTES, invited=("Taylor Marketing", "Northwind Digital"))
    for user, price, days in ((PROVIDER, "900.00", 20), (PROVIDER2, "700.00", 40), (PROVIDER, "800.00", 25)):
        payload = (
            await gql.data(
                SUBMIT_QUOTE,
                {
                    "input": {
                        "orderId": oid,
                        "plan": "plan",
                        "estimatedCompletionOn": in_days(days),
                        "lineItems": [{"description": "work", "quantity": 1, "unitPrice": price}],
                    }
                },
                as_=user,
            )
        )["submitQuote"]
        assert payload["errors"] == []
    await gql.data(COMMENT, {"input": {"orderId": oid, "body": "Looking forward"}})
    return oid


async def test_partner_compares_current_quotes(gql, quoted) -> None:
    comparison = (await gql.data(COMPARE, {"id": quoted}))["node"]["quoteComparison"]
    assert [(q["provider"]["name"], q["revision"], q["total"]["amount"]) for q in comparison["quotes"]] == [
        ("Northwind Digital", 1, "700.00"),
        ("Taylor Marketing", 2, "800.00"),
    ]
    assert comparison["lowestTotal"] == {"amount": "700.00", "currency": "USD"}
    assert comparison["earliestCompletionOn"] == in_days(25)
    assert comparison["awaiting"] == [] and comparison["declined"] == []
    assert (await gql.data(COMPARE, {"id": quoted}, as_=PROVIDER))["node"]["quoteComparison"] is None


async def test_timeline_merges_history_quotes_declines_and_comments(gql, quoted) -> None:
    await gql.data(DECLINE, {"input": {"orderId": quoted, "reason": "Too busy"}}, as_=PROVIDER2)
    timeline = (await gql.data(TIMELINE, {"id": quoted}))["node"]["timeline"]
    assert [item["__typename"] for item in timeline] == [
        "StatusChange",
        "Quote",
        "Quote",
        "Quote",
        "Comment",
        "QuoteDeclined",
    ]
    assert timeline[-1] == {
        "__typename": "QuoteDeclined",
        "reason": "Too busy",
        "provider": {"name": "Northwind Digital"},
    }
    # A provider asked to quote sees only its own quotes there.
    own = (await gql.data(TIMELINE, {"id": quoted}, as_=PROVIDER))["node"]["timeline"]
    assert [(i["__typename"], i["provider"]["name"]) for i in own] == [("Quote", "Taylor Marketing")] * 2
