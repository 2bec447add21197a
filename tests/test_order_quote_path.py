"""The quote path end to end over HTTP: two providers asked, one declines, the other quotes and
revises, the partner compares and accepts, MDF moves available -> reserved -> spent, and the
provider works the order through every status to the archive."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import PARTNER, PROVIDER, PROVIDER2, SUPPLIER
from tests.ordering import (
    ERRORS,
    SUBMIT_ORDER,
    demo_ids,
    fund_balance,
    in_days,
    make_fund_valid_today,
    transition_mutation,
)

QUOTE_FIELDS = (
    "id status revision total { amount currency } lineItems { description quantity unitPrice amount } provider { name }"
)
SUBMIT_QUOTE = f"""
mutation($input: SubmitQuoteInput!) {{ submitQuote(input: $input) {{
  quote {{ {QUOTE_FIELDS} }} order {{ id status lastActivityAt }} {ERRORS} }} }}"""
DECLINE = f"""
mutation($input: DeclineToQuoteInput!) {{ declineToQuote(input: $input) {{
  order {{ id status availableActions }} {ERRORS} }} }}"""
ACCEPT_QUOTE = f"""
mutation($input: AcceptQuoteInput!) {{ acceptQuote(input: $input) {{
  quote {{ id status }} order {{ id status rate {{ amount }} provider {{ name }} estimatedCompletionOn }}
  {ERRORS} }} }}"""
COMMENT = f"""
mutation($input: AddCommentInput!) {{ addComment(input: $input) {{
  comment {{ id body author {{ email }} }} order {{ commentCount }} {ERRORS} }} }}"""
ORDER = """query($id: ID!) { node(id: $id) { ... on Order {
  status availableActions quotes { id status revision provider { name } }
  statusHistory { from to actor { email } reason } } } }"""


@pytest.fixture
async def ids(gql, db):
    await make_fund_valid_today(db)
    return await demo_ids(gql)


async def step(gql, name: str, input_type: str, input: dict, as_: str) -> dict:
    payload = (await gql.data(transition_mutation(name, input_type), {"input": input}, as_=as_))[name]
    assert payload["errors"] == [], payload["errors"]
    return payload["order"]


async def test_quote_path_from_campaign_activity_to_archive(gql, ids) -> None:
    submitted = (
        await gql.data(
            SUBMIT_ORDER,
            {
                "input": {
                    "serviceId": ids["SEO Consultation"],
                    "name": "Q1 SEO",
                    "origin": "CAMPAIGN_ACTIVITY",
                    "campaignActivityId": ids["activity:SEO Consultation"],
                    "providerIds": [ids["Taylor Marketing"], ids["Northwind Digital"]],
                    "paymentMethod": "MDF",
                    "mdfFundId": ids["fund"],
                }
            },
        )
    )["submitOrder"]
    assert submitted["errors"] == []
    order = submitted["order"]
    oid = order["id"]
    assert order["status"] == "PENDING_QUOTES" and order["rate"] is None
    assert order["availableActions"] == ["CANCEL_ORDER", "ADD_COMMENT", "UPDATE_ORDER"]  # no quote to accept yet
    for provider in (PROVIDER, PROVIDER2):
        seen = (await gql.data(ORDER, {"id": oid}, as_=provider))["node"]
        # never CANCEL_ORDER; ADD_COMMENT: a question in its own thread with the partner
        assert seen["availableActions"] == ["SUBMIT_QUOTE", "DECLINE_TO_QUOTE", "ADD_COMMENT"]

    declined = (
        await gql.data(DECLINE, {"input": {"orderId": oid, "reason": "Fully booked this quarter"}}, as_=PROVIDER2)
    )["declineToQuote"]
    assert declined["errors"] == [] and declined["order"]["status"] == "PENDING_QUOTES"
    assert declined["order"]["availableActions"] == []  # declined: nothing left to do

    line_items = [
        {"description": "Keyword research", "quantity": 10, "unitPrice": "120.00"},
        {"description": "On-page fixes", "quantity": 3, "unitPrice": "99.99"},
    ]
    first = (
        await gql.data(
            SUBMIT_QUOTE,
            {
                "input": {
                    "orderId": oid,
                    "plan": "Research, then fix",
                    "lineItems": line_items,
                    "estimatedCompletionOn": in_days(30),
                    "expiresAt": None,
                    "terms": "Net 30",
                }
            },
            as_=PROVIDER,
        )
    )["submitQuote"]
    assert first["errors"] == []
    assert first["quote"]["total"] == {"amount": "1499.97", "currency": "USD"}
    assert [(i["quantity"], i["amount"]) for i in first["quote"]["lineItems"]] == [(10, "1200.00"), (3, "299.97")]
    revised = (
        await gql.data(
            SUBMIT_QUOTE,
            {
                "input": {
                    "orderId": oid,
                    "plan": "Research, then fix (revised)",
                    "lineItems": line_items[:1],
                    "estimatedCompletionOn": in_days(20),
                }
            },
            as_=PROVIDER,
        )
    )["submitQuote"]
    assert revised["errors"] == []
    assert revised["quote"]["revision"] == 2 and revised["quote"]["total"]["amount"] == "1200.00"
    assert revised["order"]["lastActivityAt"] > first["order"]["lastActivityAt"]

    seen = (await gql.data(ORDER, {"id": oid}))["node"]
    assert [(q["revision"], q["status"]) for q in seen["quotes"]] == [(1, "SUPERSEDED"), (2, "SUBMITTED")]
    assert seen["availableActions"] == ["ACCEPT_QUOTE", "CANCEL_ORDER", "ADD_COMMENT", "UPDATE_ORDER"]

    accepted = (await gql.data(ACCEPT_QUOTE, {"input": {"quoteId": revised["quote"]["id"]}}))["acceptQuote"]
    assert accepted["errors"] == []
    assert accepted["quote"]["status"] == "ACCEPTED"
    assert accepted["order"]["status"] == "APPROVED"
    assert accepted["order"]["rate"] == {"amount": "1200.00"}
    assert accepted["order"]["provider"] == {"name": "Taylor Marketing"}
    assert accepted["order"]["estimatedCompletionOn"] == in_days(20)
    assert await fund_balance(gql) == {
        "allocated": Decimal("10000.00"),
        "reserved": Decimal("1200.00"),
        "spent": Decimal("0.00"),
        "available": Decimal("8800.00"),
    }
    # The provider that declined no longer sees the order.
    assert (await gql.data(ORDER, {"id": oid}, as_=PROVIDER2))["node"] is None

    await step(gql, "acceptOrder", "AcceptOrderInput", {"orderId": oid}, PROVIDER)
    await step(gql, "startWork", "StartWorkInput", {"orderId": oid}, PROVIDER)
    await step(
        gql,
        "requestPartnerInput",
        "RequestPartnerInputInput",
        {"orderId": oid, "message": "Which markets matter most?"},
        PROVIDER,
    )
    waiting = (await gql.data(ORDER, {"id": oid}))["node"]
    assert waiting["status"] == "WAITING_FOR_PARTNER" and waiting["availableActions"] == [
        "PROVIDE_INPUT",
        "ADD_COMMENT",
        "UPDATE_ORDER",
    ]
    await step(gql, "provideInput", "ProvideInputInput", {"orderId": oid, "message": "US and Canada"}, PARTNER)
    comment = (
        await gql.data(COMMENT, {"input": {"orderId": oid, "body": "  Thanks, starting the research.  "}}, as_=PROVIDER)
    )["addComment"]
    assert comment["errors"] == [] and comment["comment"]["body"] == "Thanks, starting the research."
    assert comment["order"]["commentCount"] == 1
    await step(
        gql,
        "scheduleExecution",
        "ScheduleExecutionInput",
        {"orderId": oid, "scheduledFor": in_days(3) + "T09:00:00Z"},
        PROVIDER,
    )
    await step(gql, "startExecution", "StartExecutionInput", {"orderId": oid}, PROVIDER)
    await step(gql, "completeOrder", "CompleteOrderInput", {"orderId": oid}, PROVIDER)
    assert await fund_balance(gql) == {
        "allocated": Decimal("10000.00"),
        "reserved": Decimal("0.00"),
        "spent": Decimal("1200.00"),
        "available": Decimal("8800.00"),
    }
    await step(gql, "archiveOrder", "ArchiveOrderInput", {"orderId": oid}, PROVIDER)

    final = (await gql.data(ORDER, {"id": oid}, as_=SUPPLIER))["node"]
    assert [(h["from"], h["to"], h["actor"]["email"]) for h in final["statusHistory"]] == [
        (None, "PENDING_QUOTES", PARTNER),
        ("PENDING_QUOTES", "APPROVED", PARTNER),
        ("APPROVED", "NOT_STARTED", PROVIDER),
        ("NOT_STARTED", "IN_PROGRESS", PROVIDER),
        ("IN_PROGRESS", "WAITING_FOR_PARTNER", PROVIDER),
        ("WAITING_FOR_PARTNER", "IN_PROGRESS", PARTNER),
        ("IN_PROGRESS", "SCHEDULED", PROVIDER),
        ("SCHEDULED", "EXECUTING", PROVIDER),
        ("EXECUTING", "COMPLETED", PROVIDER),
        ("COMPLETED", "ARCHIVED", PROVIDER),
    ]
    assert final["statusHistory"][4]["reason"] == "Which markets matter most?"


async def test_order_is_cancelled_when_every_invited_provider_declines(gql, ids) -> None:
    order = (
        await gql.data(
            SUBMIT_ORDER,
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
    )["submitOrder"]["order"]
    for provider in (PROVIDER, PROVIDER2):
        payload = (await gql.data(DECLINE, {"input": {"orderId": order["id"], "reason": "No capacity"}}, as_=provider))[
            "declineToQuote"
        ]
        assert payload["errors"] == []
    assert payload["order"]["status"] == "CANCELLED"
    final = (await gql.data(ORDER, {"id": order["id"]}))["node"]
    assert final["statusHistory"][-1] == {
        "from": "PENDING_QUOTES",
        "to": "CANCELLED",
        "actor": None,  # the portal cancels: nobody learns which provider left last
        "reason": "No quote is left: every provider asked to quote declined or withdrew its quote.",
    }
