"""Bad input to the workflow mutations: a UserError with code and input field, HTTP 200, nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from domain.ids import to_global_id
from models import (
    Comment,
    Lead,
    MdfLedgerEntry,
    Order,
    OrderEvent,
    OrderStatus,
    Portal,
    Quote,
    StatusChange,
)
from models.base import utcnow
from tests import factories
from tests.conftest import PARTNER, PROVIDER, PROVIDER2, SUPPLIER
from tests.ordering import ERRORS, demo_ids, in_days

TABLES = (Order, Quote, Comment, Lead, StatusChange, MdfLedgerEntry, OrderEvent)


async def everything(db) -> tuple:
    async with db.read_session() as session:
        counts = [await session.scalar(select(func.count()).select_from(t)) for t in TABLES]
        versions = await session.scalar(select(func.sum(Order.version)))
        activity = await session.scalar(select(func.max(Order.last_activity_at)))
        quote_states = tuple(await session.scalars(select(Quote.status).order_by(Quote.id)))
        return (*counts, versions, activity, quote_states)


@pytest.fixture
async def ctx(gql, db) -> dict[str, Any]:
    async with db.write_session() as session:
        quote_order = await factories.make_order(session, status=OrderStatus.PENDING_QUOTES, with_details=True)
        work_order = await factories.make_order(
            session, status=OrderStatus.IN_PROGRESS, service_name="Social Media Starter Pack"
        )
        foreign = await factories.make_order(
            session,
            status=OrderStatus.IN_PROGRESS,
            service_name="SEO Sprint",
            partner_name="Outside Partners",
            invited=(),
        )
        quote_id = await session.scalar(select(Quote.id).where(Quote.order_id == quote_order.id))
        other_provider = await factories.org(session, "Elsewhere Agency")
        beta_fund = await factories.fund(session, "Beta 2026 MDF")
        ids = {
            "quote_order": to_global_id("Order", quote_order.id),
            "work_order": to_global_id("Order", work_order.id),
            "foreign_order": to_global_id("Order", foreign.id),
            "quote": to_global_id("Quote", quote_id),
            "other_provider": to_global_id("Provider", other_provider.id),
            "beta_fund": to_global_id("MdfFund", beta_fund.id),
        }
    ids |= await demo_ids(gql)
    return ids


def mutation(name: str, input_type: str, extra: str = "") -> str:
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ order {{ id }} {extra} {ERRORS} }} }}"


def item(quantity: object = 1, unit_price: str = "10.00") -> dict:
    return {"description": "Work", "quantity": quantity, "unitPrice": unit_price}


def quote_input(ctx: dict, **changes: Any) -> dict:
    return {
        "orderId": ctx["quote_order"],
        "plan": "A plan",
        "lineItems": [item()],
        "estimatedCompletionOn": in_days(10),
        **changes,
    }


def order_input(ctx: dict, **changes: Any) -> dict:
    return {
        "serviceId": ctx["SEO Consultation"],
        "name": "An order",
        "origin": "MARKETPLACE",
        "paymentMethod": "PARTNER_FUNDED",
        **changes,
    }


PAST = (utcnow() - timedelta(hours=1)).isoformat()
CASES = [
    # (mutation, input type, user, input builder, code, field)
    (
        "addComment",
        "AddCommentInput",
        PARTNER,
        lambda c: {"orderId": c["work_order"], "body": "   "},
        "VALIDATION",
        ["input", "body"],
    ),
    (
        "addComment",
        "AddCommentInput",
        PARTNER,
        lambda c: {"orderId": c["work_order"], "body": "x" * 10_001},
        "VALIDATION",
        ["input", "body"],
    ),
    (
        "addComment",
        "AddCommentInput",
        PARTNER,
        lambda c: {"orderId": c["foreign_order"], "body": "hi"},
        "NOT_FOUND",
        ["input", "orderId"],
    ),
    (
        "addComment",
        "AddCommentInput",
        PROVIDER,
        lambda c: {"orderId": c["quote_order"], "body": "hi", "providerId": c["Northwind Digital"]},
        "VALIDATION",
        ["input", "providerId"],
    ),
    (
        "addComment",
        "AddCommentInput",
        PARTNER,
        lambda c: {"orderId": c["quote_order"], "body": "hi", "providerId": c["Northwind Digital"]},
        "VALIDATION",
        ["input", "providerId"],
    ),
    (
        "addComment",
        "AddCommentInput",
        PARTNER,
        lambda c: {"orderId": c["quote_order"], "body": "hi", "providerId": to_global_id("Provider", 999_999)},
        "NOT_FOUND",
        ["input", "providerId"],
    ),
    (
        "addComment",
        "AddCommentInput",
        PARTNER,
        lambda c: {"orderId": c["work_order"], "body": "hi", "providerId": c["Taylor Marketing"]},
        "VALIDATION",
        ["input", "providerId"],
    ),
    (
        "withdrawQuote",
        "WithdrawQuoteInput",
        PARTNER,
        lambda c: {"quoteId": c["quote"]},
        "FORBIDDEN",
        ["input", "quoteId"],
    ),
    (
        "withdrawQuote",
        "WithdrawQuoteInput",
        PROVIDER2,
        lambda c: {"quoteId": c["quote"]},
        "NOT_FOUND",
        ["input", "quoteId"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, notificationRecipients=["boss@acme.example", "Provider2@demo.example"]),
        "VALIDATION",
        ["input", "notificationRecipients", "1"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, notificationRecipients=["outsider@other.example"]),
        "VALIDATION",
        ["input", "notificationRecipients", "0"],
    ),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, lineItems=[item(quantity=0)]),
        "VALIDATION",
        ["input", "lineItems", "0", "quantity"],
    ),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, lineItems=[item(), item(quantity=-2)]),
        "VALIDATION",
        ["input", "lineItems", "1", "quantity"],
    ),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, lineItems=[item(quantity=1_000_001)]),
        "VALIDATION",
        ["input", "lineItems", "0", "quantity"],
    ),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, lineItems=[item(unit_price="-5.00")]),
        "VALIDATION",
        ["input", "lineItems", "0", "unitPrice"],
    ),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, lineItems=[item(unit_price="1.005")]),
        "VALIDATION",
        ["input", "lineItems", "0", "unitPrice"],
    ),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, lineItems=[item()] * 101),
        "VALIDATION",
        ["input", "lineItems"],
    ),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, lineItems=[]),
        "VALIDATION",
        ["input", "lineItems"],
    ),
    ("submitQuote", "SubmitQuoteInput", PROVIDER, lambda c: quote_input(c, plan=" "), "VALIDATION", ["input", "plan"]),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, expiresAt=PAST),
        "VALIDATION",
        ["input", "expiresAt"],
    ),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, estimatedCompletionOn=in_days(-1)),
        "VALIDATION",
        ["input", "estimatedCompletionOn"],
    ),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, orderId=c["SEO Consultation"]),
        "NOT_FOUND",
        ["input", "orderId"],
    ),
    (
        "scheduleExecution",
        "ScheduleExecutionInput",
        PROVIDER,
        lambda c: {"orderId": c["work_order"], "scheduledFor": PAST},
        "VALIDATION",
        ["input", "scheduledFor"],
    ),
    (
        "requestPartnerInput",
        "RequestPartnerInputInput",
        PROVIDER,
        lambda c: {"orderId": c["work_order"], "message": ""},
        "VALIDATION",
        ["input", "message"],
    ),
    (
        "cancelOrder",
        "CancelOrderInput",
        PARTNER,
        lambda c: {"orderId": c["quote_order"], "reason": " \n "},
        "VALIDATION",
        ["input", "reason"],
    ),
    (
        "approveOrder",
        "ApproveOrderInput",
        SUPPLIER,
        lambda c: {"orderId": c["fund"]},
        "NOT_FOUND",
        ["input", "orderId"],
    ),
    (
        "approveOrder",
        "ApproveOrderInput",
        SUPPLIER,
        lambda c: {"orderId": "not-an-id"},
        "NOT_FOUND",
        ["input", "orderId"],
    ),
    (
        "approveOrder",
        "ApproveOrderInput",
        PARTNER,
        lambda c: {"orderId": c["work_order"]},
        "FORBIDDEN",
        ["input", "orderId"],
    ),
    (
        "completeOrder",
        "CompleteOrderInput",
        PROVIDER,
        lambda c: {"orderId": c["foreign_order"]},
        "NOT_FOUND",
        ["input", "orderId"],
    ),
    (
        "acceptQuote",
        "AcceptQuoteInput",
        PARTNER,
        lambda c: {"quoteId": c["quote_order"]},
        "NOT_FOUND",
        ["input", "quoteId"],
    ),
    (
        "addLeads",
        "AddLeadsInput",
        PARTNER,
        lambda c: {"orderId": c["work_order"], "leads": [{"name": "Lee"}]},
        "FORBIDDEN",
        ["input", "orderId"],
    ),
    (
        "addLeads",
        "AddLeadsInput",
        PROVIDER,
        lambda c: {"orderId": c["work_order"], "leads": [{"name": "Lee", "email": "not an e-mail"}]},
        "VALIDATION",
        ["input", "leads", "0", "email"],
    ),
    (
        "addLeads",
        "AddLeadsInput",
        PROVIDER,
        lambda c: {"orderId": c["work_order"], "leads": [{"name": "Lee"}] * 1001},
        "VALIDATION",
        ["input", "leads"],
    ),
    ("submitOrder", "SubmitOrderInput", PARTNER, lambda c: order_input(c, name=""), "VALIDATION", ["input", "name"]),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, notificationRecipients=["a@acme.example", "not-an-address"]),
        "VALIDATION",
        ["input", "notificationRecipients", "1"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, serviceId=c["Social Media Starter Pack"], providerIds=[c["Taylor Marketing"]]),
        "VALIDATION",
        ["input", "providerIds"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, providerIds=[c["other_provider"]]),
        "NOT_FOUND",
        ["input", "providerIds", "0"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, providerIds=[c["SEO Audit"]]),
        "NOT_FOUND",
        ["input", "providerIds", "0"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, paymentMethod="MDF", mdfFundId=c["beta_fund"]),
        "NOT_FOUND",
        ["input", "mdfFundId"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, paymentMethod="MDF"),
        "VALIDATION",
        ["input", "mdfFundId"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, origin="CAMPAIGN_ACTIVITY", campaignActivityId=c["activity:Newsletter refresh"]),
        "VALIDATION",
        ["input", "campaignActivityId"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, origin="CAMPAIGN_ACTIVITY"),
        "VALIDATION",
        ["input", "campaignActivityId"],
    ),
    ("submitOrder", "SubmitOrderInput", SUPPLIER, lambda c: order_input(c), "FORBIDDEN", None),
    # Text: one-line fields refuse control characters (a line break in a name would break the
    # subject of every e-mail about the order); no text holds NUL, which PostgreSQL cannot store.
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, name="Spring\nlaunch"),
        "VALIDATION",
        ["input", "name"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, name="Spring\u2028launch"),
        "VALIDATION",
        ["input", "name"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, description="Two\nlines\x00"),
        "VALIDATION",
        ["input", "description"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, contacts=[{"name": "Casey\rContact"}]),
        "VALIDATION",
        ["input", "contacts", "0", "name"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, contacts=[{"name": "C", "phone": "1\t2"}]),
        "VALIDATION",
        ["input", "contacts", "0", "phone"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, notificationRecipients=["a@acme.example", "b@acme.example\x00"]),
        "VALIDATION",
        ["input", "notificationRecipients", "1"],
    ),
    (
        "submitOrder",
        "SubmitOrderInput",
        PARTNER,
        lambda c: order_input(c, serviceId="\x00"),
        "VALIDATION",
        ["input", "serviceId"],
    ),
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, lineItems=[{**item(), "description": "Work\x00"}]),
        "VALIDATION",
        ["input", "lineItems", "0", "description"],
    ),
    (
        "addLeads",
        "AddLeadsInput",
        PROVIDER,
        lambda c: {"orderId": c["work_order"], "leads": [{"name": "Lee"}, {"name": "Lee\x1b[31m", "company": "A"}]},
        "VALIDATION",
        ["input", "leads", "1", "name"],
    ),
    (
        "cancelOrder",
        "CancelOrderInput",
        PARTNER,
        lambda c: {"orderId": c["quote_order"], "reason": "No\x00"},
        "VALIDATION",
        ["input", "reason"],
    ),
    # Times are range-checked after conversion to UTC (these two overflow Python's datetime).
    (
        "submitQuote",
        "SubmitQuoteInput",
        PROVIDER,
        lambda c: quote_input(c, expiresAt="9999-12-31T23:59:59-05:00"),
        "VALIDATION",
        ["input", "expiresAt"],
    ),
    (
        "scheduleExecution",
        "ScheduleExecutionInput",
        PROVIDER,
        lambda c: {"orderId": c["work_order"], "scheduledFor": "9999-12-31T23:59:59-05:00"},
        "VALIDATION",
        ["input", "scheduledFor"],
    ),
    (
        "scheduleExecution",
        "ScheduleExecutionInput",
        PROVIDER,
        lambda c: {"orderId": c["work_order"], "scheduledFor": "0001-01-01T00:00:00+05:00"},
        "VALIDATION",
        ["input", "scheduledFor"],
    ),
    (
        "scheduleExecution",
        "ScheduleExecutionInput",
        PROVIDER,
        lambda c: {"orderId": c["work_order"], "scheduledFor": "2999-01-01T00:00:00Z"},
        "VALIDATION",
        ["input", "scheduledFor"],
    ),
]


@pytest.mark.parametrize(
    ("name", "input_type", "user", "build", "code", "field"),
    CASES,
    ids=[f"{c[0]}-{c[4]}-{'.'.join(c[5] or [])}-{i}" for i, c in enumerate(CASES)],
)
async def test_refused_with_a_user_error_and_nothing_written(
    gql, db, ctx, name, input_type, user, build, code, field
) -> None:
    before = await everything(db)
    body = await gql(mutation(name, input_type), {"input": build(ctx)}, as_=user)
    assert "errors" not in body, body
    payload = body["data"][name]
    assert payload["order"] is None
    assert payload["errors"][0]["code"] == code, payload["errors"]
    assert payload["errors"][0]["field"] == field
    assert payload["errors"][0]["message"]
    assert await everything(db) == before


async def test_several_bad_fields_are_reported_together(gql, db, ctx) -> None:
    body = await gql.data(
        mutation("submitQuote", "SubmitQuoteInput"),
        {"input": quote_input(ctx, plan="", lineItems=[item(quantity=0), item(unit_price="0")])},
        as_=PROVIDER,
    )
    fields = [e["field"] for e in body["submitQuote"]["errors"]]
    assert fields == [
        ["input", "plan"],
        ["input", "lineItems", "0", "quantity"],
        ["input", "lineItems", "1", "unitPrice"],
    ]


@pytest.mark.parametrize("quantity", ["lots", 2.5, "1"])
async def test_malformed_scalars_are_graphql_errors_not_500s(gql, ctx, quantity) -> None:
    """Quantities are whole numbers (API.md: `quantity: Int!`): a word, a fraction or a string is refused."""
    body = await gql(
        mutation("submitQuote", "SubmitQuoteInput"),
        {"input": quote_input(ctx, lineItems=[item(quantity=quantity)])},
        as_=PROVIDER,
    )
    assert body.get("data") is None and body["errors"]


async def test_expired_quote_cannot_be_accepted_and_reads_expired_until_swept(gql, db, ctx) -> None:
    from domain.quotes import sweep_expired_quotes

    async with db.write_session() as session:
        await session.execute(update(Quote).values(expires_at=utcnow() - timedelta(minutes=1)))
    before = await everything(db)
    accept = mutation("acceptQuote", "AcceptQuoteInput")
    payload = (await gql.data(accept, {"input": {"quoteId": ctx["quote"]}}))["acceptQuote"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("QUOTE_EXPIRED", ["input", "quoteId"])]
    assert await everything(db) == before
    status = "query($id: ID!) { node(id: $id) { ... on Quote { status } } }"
    assert (await gql.data(status, {"id": ctx["quote"]}))["node"]["status"] == "EXPIRED"
    async with db.write_session() as session:
        assert await sweep_expired_quotes(session) == 1
        assert await sweep_expired_quotes(session) == 0
    assert (await gql.data(status, {"id": ctx["quote"]}))["node"]["status"] == "EXPIRED"


async def test_a_second_accept_is_refused(gql, db, ctx) -> None:
    accept = mutation("acceptQuote", "AcceptQuoteInput")
    first = (await gql.data(accept, {"input": {"quoteId": ctx["quote"]}}))["acceptQuote"]
    assert first["errors"] == [] and first["order"] is not None
    before = await everything(db)
    second = (await gql.data(accept, {"input": {"quoteId": ctx["quote"]}}))["acceptQuote"]
    assert [(e["code"], e["field"]) for e in second["errors"]] == [("INVALID_TRANSITION", ["input", "quoteId"])]
    assert await everything(db) == before


async def test_origin_switched_off_in_the_portal(gql, db, ctx) -> None:
    async with db.write_session() as session:
        await session.execute(update(Portal).values(marketplace_enabled=False, provider_locator_enabled=False))
    for origin in ("MARKETPLACE", "PROVIDER_LOCATOR"):
        payload = (
            await gql.data(mutation("submitOrder", "SubmitOrderInput"), {"input": order_input(ctx, origin=origin)})
        )["submitOrder"]
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("FEATURE_DISABLED", ["input", "origin"])]
    from_campaign = (
        await gql.data(
            mutation("submitOrder", "SubmitOrderInput"),
            {
                "input": order_input(
                    ctx, origin="CAMPAIGN_ACTIVITY", campaignActivityId=ctx["activity:SEO Consultation"]
                )
            },
        )
    )["submitOrder"]
    assert from_campaign["errors"] == [] and from_campaign["order"] is not None


async def test_a_fund_outside_its_validity_dates_is_refused(gql, db, ctx) -> None:
    from models import MdfFund, PaymentMethod

    async with db.write_session() as session:
        work = await factories.make_order(
            session, status=OrderStatus.PENDING_APPROVAL, service_name="Social Media Starter Pack"
        )
        work.payment_method, work.mdf_fund_id = PaymentMethod.MDF, (await factories.fund(session)).id
        await session.flush()
        await session.execute(update(MdfFund).values(valid_to=utcnow().date() - timedelta(days=1)))
    before = await everything(db)
    approve = (
        await gql.data(
            mutation("approveOrder", "ApproveOrderInput"),
            {"input": {"orderId": to_global_id("Order", work.id)}},
            as_=SUPPLIER,
        )
    )["approveOrder"]
    assert [(e["code"], e["field"]) for e in approve["errors"]] == [("VALIDATION", ["input", "orderId"])]
    assert "can be used only from" in approve["errors"][0]["message"]
    submit = (
        await gql.data(
            mutation("submitOrder", "SubmitOrderInput"),
            {"input": order_input(ctx, paymentMethod="MDF", mdfFundId=ctx["fund"])},
        )
    )["submitOrder"]
    assert [(e["code"], e["field"]) for e in submit["errors"]] == [("VALIDATION", ["input", "mdfFundId"])]
    assert await everything(db) == before
