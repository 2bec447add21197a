"""Notifications end to end: real workflow mutations over HTTP, the in-app list, read marks,
e-mail preferences, delivery failures for suppliers, and the server's own delivery worker."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from app.delivery import deliver_due
from models.base import utcnow
from tests.conftest import PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER
from tests.mail import PUBLIC_URL, smtp_settings  # noqa: F401 - the fixture `settings`, with the test SMTP server
from tests.notify_helpers import notifications, told
from tests.ordering import ERRORS, SUBMIT_ORDER, demo_ids, in_days, make_fund_valid_today, transition_mutation

BOSS = "boss@acme.example"
INBOX = """query($first: Int, $after: String, $unreadOnly: Boolean! = false) { viewer {
  unreadNotificationCount
  notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind title body read emailStatus order { id name } actor { email } } } } } }"""
MARK_READ = f"""mutation($input: MarkNotificationsReadInput!) {{ markNotificationsRead(input: $input) {{
  notifications {{ id read }} unreadNotificationCount {ERRORS} }} }}"""
PREFERENCES = f"""mutation($input: UpdateNotificationPreferencesInput!) {{
  updateNotificationPreferences(input: $input) {{ preferences {{ kind email }} {ERRORS} }} }}"""
FAILURES = """query($orderId: ID) { deliveryFailures(first: 10, orderId: $orderId) { totalCount
  edges { node { id recipient kind subject attempts reason failedAt user { email } order { name } } } } }"""
SUBMIT_QUOTE = f"""mutation($input: SubmitQuoteInput!) {{ submitQuote(input: $input) {{ quote {{ id }} {ERRORS} }} }}"""
ACCEPT_QUOTE = f"""mutation($input: AcceptQuoteInput!) {{ acceptQuote(input: $input) {{ order {{ id }} {ERRORS} }} }}"""
COMMENT = f"""mutation($input: AddCommentInput!) {{ addComment(input: $input) {{ comment {{ id }} {ERRORS} }} }}"""
APPROVE = transition_mutation("approveOrder", "ApproveOrderInput")


@pytest.fixture
async def ids(gql, db):
    await make_fund_valid_today(db)
    return await demo_ids(gql)


async def inbox(gql, user: str, **variables) -> dict:
    return (await gql.data(INBOX, variables, as_=user))["viewer"]


def nodes(viewer: dict) -> list[dict]:
    return [e["node"] for e in viewer["notifications"]["edges"]]


async def submit(gql, ids, service: str = "SEO Consultation", **extra) -> dict:
    payload = (
        await gql.data(
            SUBMIT_ORDER,
            {
                "input": {
                    "serviceId": ids[service],
                    "name": "Q1 SEO",
                    "origin": "MARKETPLACE",
                    "paymentMethod": "PARTNER_FUNDED",
                    "notificationRecipients": [BOSS],
                    **extra,
                }
            },
        )
    )["submitOrder"]
    assert payload["errors"] == [], payload["errors"]
    return payload["order"]


async def quote(gql, order_id: str, as_: str, total: str = "1200.00") -> str:
    payload = (
        await gql.data(
            SUBMIT_QUOTE,
            {
                "input": {
                    "orderId": order_id,
                    "plan": "Research, then fix",
                    "estimatedCompletionOn": in_days(30),
                    "lineItems": [{"description": "Keyword research", "quantity": 1, "unitPrice": total}],
                }
            },
            as_=as_,
        )
    )["submitQuote"]
    assert payload["errors"] == [], payload["errors"]
    return payload["quote"]["id"]


async def test_quote_path_over_http_tells_each_party_in_the_app_and_by_email(gql, ids, db, smtp) -> None:
    order = await submit(gql, ids, providerIds=[ids["Taylor Marketing"], ids["Northwind Digital"]])
    oid = order["id"]
    for provider in (PROVIDER, PROVIDER2):
        viewer = await inbox(gql, provider)
        assert viewer["unreadNotificationCount"] == 1
        [note] = nodes(viewer)
        assert note["kind"] == "QUOTE_REQUESTED" and note["title"] == "You're invited to quote: Q1 SEO"
        assert note["order"] == {"id": oid, "name": "Q1 SEO"} and note["actor"] == {"email": PARTNER}
        assert not note["read"] and note["emailStatus"] == "PENDING"
    assert (await inbox(gql, PARTNER))["unreadNotificationCount"] == 0  # never the actor
    assert (await inbox(gql, SUPPLIER))["unreadNotificationCount"] == 0  # nothing to approve
    assert (await inbox(gql, PARTNER2))["unreadNotificationCount"] == 0  # another partner

    quote_id = await quote(gql, oid, PROVIDER2, "1800.00")
    await quote(gql, oid, PROVIDER, "1200.00")
    partner_notes = nodes(await inbox(gql, PARTNER))
    assert [n["title"] for n in partner_notes] == ["Quote received: Q1 SEO"] * 2
    assert partner_notes[0]["body"] == "Taylor Marketing sent a quote of 1200.00 USD for Q1 SEO."  # newest first
    # Providers do not hear of each other's quotes.
    assert (await inbox(gql, PROVIDER))["unreadNotificationCount"] == 1

    accepted = (await gql.data(ACCEPT_QUOTE, {"input": {"quoteId": quote_id}}))["acceptQuote"]
    assert accepted["errors"] == []
    taylor = nodes(await inbox(gql, PROVIDER))
    assert taylor[0]["title"] == "Quote request closed: Q1 SEO"
    assert taylor[0]["order"] is None  # no longer Taylor's to see
    northwind = nodes(await inbox(gql, PROVIDER2))
    assert northwind[0]["title"] == "Q1 SEO: Approved" and northwind[0]["order"]["id"] == oid

    stats = await deliver_due(db, db.settings)
    assert stats.failed == 0
    by_address = {address: sorted(m.subject for m in smtp.to(address)) for address in set(smtp.recipients)}
    assert by_address == {
        PROVIDER: ["[Demo Portal] Quote request closed: Q1 SEO", "[Demo Portal] You're invited to quote: Q1 SEO"],
        PROVIDER2: ["[Demo Portal] Q1 SEO: Approved", "[Demo Portal] You're invited to quote: Q1 SEO"],
        PARTNER: ["[Demo Portal] Quote received: Q1 SEO"] * 2,
        BOSS: [
            "[Demo Portal] Order submitted: Q1 SEO",
            "[Demo Portal] Q1 SEO: Approved",
            "[Demo Portal] Quote received: Q1 SEO",
            "[Demo Portal] Quote received: Q1 SEO",
        ],
        SUPPLIER: ["[Demo Portal] Q1 SEO: Approved"],
    }
    approved = next(m for m in smtp.to(PROVIDER2) if "Approved" in m.subject)
    assert "Pat Partner (Acme Resellers) moved Q1 SEO from Pending quotes to Approved." in approved.text
    assert f"{PUBLIC_URL}/orders/{oid}" in approved.text


async def test_refused_mutations_notify_nobody(gql, ids, db, smtp) -> None:
    order = await submit(gql, ids, service="Social Media Starter Pack", paymentMethod="MDF", mdfFundId=ids["fund"])
    before = len(await notifications(db))
    # The partner may not approve; an outsider partner cannot even see it.
    for user in (PARTNER, PARTNER2, PROVIDER):
        payload = (await gql.data(APPROVE, {"input": {"orderId": order["id"]}}, as_=user))["approveOrder"]
        assert payload["errors"] and payload["order"] is None
    blank = (await gql.data(COMMENT, {"input": {"orderId": order["id"], "body": "   "}}))["addComment"]
    assert blank["errors"][0]["code"] == "VALIDATION"
    assert len(await notifications(db)) == before
    await deliver_due(db, db.settings)
    assert sorted(smtp.recipients) == sorted([SUPPLIER, BOSS])  # the submission's only


async def test_invalid_recipient_address_is_refused_at_submit(gql, ids, db, smtp) -> None:
    payload = (
        await gql.data(
            SUBMIT_ORDER,
            {
                "input": {
                    "serviceId": ids["Social Media Starter Pack"],
                    "name": "Bad address",
                    "origin": "MARKETPLACE",
                    "paymentMethod": "PARTNER_FUNDED",
                    "notificationRecipients": [BOSS, "not an address"],
                }
            },
        )
    )["submitOrder"]
    assert payload["order"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("VALIDATION", ["input", "notificationRecipients", "1"])
    ]
    assert await notifications(db) == []


async def test_inbox_lists_unread_first_pages_and_marks_read(gql, ids, db) -> None:
    order = await submit(gql, ids, service="Social Media Starter Pack")
    oid = order["id"]
    for n in range(3):
        assert (await gql.data(COMMENT, {"input": {"orderId": oid, "body": f"Note {n}"}}, as_=SUPPLIER))["addComment"][
            "errors"
        ] == []
    viewer = await inbox(gql, PARTNER)
    assert viewer["unreadNotificationCount"] == 3
    titles = [n["body"] for n in nodes(viewer)]
    assert titles == [
        "Sam Supplier (Demo Brand): Note 2",
        "Sam Supplier (Demo Brand): Note 1",
        "Sam Supplier (Demo Brand): Note 0",
    ]
    newest, middle, oldest = (n["id"] for n in nodes(viewer))

    marked = (await gql.data(MARK_READ, {"input": {"ids": [newest]}}))["markNotificationsRead"]
    assert marked == {"notifications": [{"id": newest, "read": True}], "unreadNotificationCount": 2, "errors": []}
    # Unread first (newest first), then read ones; pages follow that order.
    page1 = await inbox(gql, PARTNER, first=2)
    assert [n["id"] for n in nodes(page1)] == [middle, oldest]
    assert page1["notifications"]["pageInfo"]["hasNextPage"] is True
    page2 = await inbox(gql, PARTNER, first=2, after=page1["notifications"]["pageInfo"]["endCursor"])
    assert [n["id"] for n in nodes(page2)] == [newest]
    assert page2["notifications"]["pageInfo"]["hasNextPage"] is False
    only_unread = await inbox(gql, PARTNER, unreadOnly=True)
    assert [n["id"] for n in nodes(only_unread)] == [middle, oldest]
    assert only_unread["notifications"]["totalCount"] == 2

    # Someone else's notification reads as not found, and nothing is marked.
    supplier_view = await inbox(gql, SUPPLIER)
    refused = (await gql.data(MARK_READ, {"input": {"ids": [middle, newest]}}, as_=SUPPLIER))["markNotificationsRead"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("NOT_FOUND", ["input", "ids", "0"])]
    assert (await gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": middle}, as_=SUPPLIER))["node"] is None
    assert (await gql.data("query($id: ID!) { node(id: $id) { ... on Notification { title } } }", {"id": middle}))[
        "node"
    ] == {"title": "New comment on Q1 SEO"}
    assert (await inbox(gql, SUPPLIER)) == supplier_view
    assert (await inbox(gql, PARTNER))["unreadNotificationCount"] == 2
    neither = (await gql.data(MARK_READ, {"input": {}}))["markNotificationsRead"]
    assert neither["errors"][0]["code"] == "VALIDATION"

    everything = (await gql.data(MARK_READ, {"input": {"all": True}}))["markNotificationsRead"]
    assert everything["errors"] == [] and everything["unreadNotificationCount"] == 0
    assert all(n["read"] for n in nodes(await inbox(gql, PARTNER)))


async def test_email_preferences_over_graphql(gql, ids, db, smtp) -> None:
    prefs = await gql.data("{ viewer { notificationPreferences { kind email } } }", as_=SUPPLIER)
    assert all(p["email"] for p in prefs["viewer"]["notificationPreferences"])
    updated = (
        await gql.data(
            PREFERENCES,
            {
                "input": {
                    "preferences": [
                        {"kind": "ORDER_SUBMITTED", "email": False},
                        {"kind": "COMMENT_ADDED", "email": False},
                    ]
                }
            },
            as_=SUPPLIER,
        )
    )["updateNotificationPreferences"]
    assert updated["errors"] == []
    assert {p["kind"]: p["email"] for p in updated["preferences"]} == {
        "ORDER_SUBMITTED": False,
        "QUOTE_REQUESTED": True,
        "STATUS_CHANGED": True,
        "QUOTE_RECEIVED": True,
        "COMMENT_ADDED": False,
        "LEADS_ADDED": True,
        "QUOTE_DECLINED": True,
        "QUOTE_WITHDRAWN": True,
        "ORDER_UPDATED": True,
        "ATTACHMENTS_ADDED": True,
        "CLAIM_UPDATED": True,
    }
    # Switch one back on: an update, not a second row.
    again = (
        await gql.data(
            PREFERENCES, {"input": {"preferences": [{"kind": "COMMENT_ADDED", "email": True}]}}, as_=SUPPLIER
        )
    )["updateNotificationPreferences"]
    assert {p["kind"]: p["email"] for p in again["preferences"]}["COMMENT_ADDED"] is True
    dup = (
        await gql.data(
            PREFERENCES, {"input": {"preferences": [{"kind": "COMMENT_ADDED", "email": True}] * 2}}, as_=SUPPLIER
        )
    )["updateNotificationPreferences"]
    assert dup["errors"][0]["code"] == "VALIDATION"

    await submit(gql, ids, service="Social Media Starter Pack")
    [note] = nodes(await inbox(gql, SUPPLIER))  # still told in the app
    assert note["title"] == "Approval needed: Q1 SEO" and note["emailStatus"] == "SKIPPED"
    await deliver_due(db, db.settings)
    assert SUPPLIER not in smtp.recipients and BOSS in smtp.recipients


async def test_rejected_address_is_failed_and_shown_to_suppliers_only(gql, ids, db, smtp) -> None:
    smtp.refuse[BOSS] = "550 5.1.1 <boss@acme.example>: Recipient address rejected"
    order = await submit(gql, ids, service="Social Media Starter Pack")
    await deliver_due(db, db.settings)
    assert smtp.recipients == [SUPPLIER]
    failures = (await gql.data(FAILURES, {"orderId": order["id"]}, as_=SUPPLIER))["deliveryFailures"]
    assert failures["totalCount"] == 1
    [failure] = [e["node"] for e in failures["edges"]]
    assert failure["recipient"] == BOSS and failure["user"] is None and failure["order"] == {"name": "Q1 SEO"}
    assert failure["kind"] == "ORDER_SUBMITTED" and failure["attempts"] == 1 and failure["failedAt"]
    assert failure["reason"] == "recipient refused: 550 5.1.1 <boss@acme.example>: Recipient address rejected"
    for user in (PARTNER, PROVIDER):
        body = await gql(FAILURES, {}, as_=user)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_comment_digest_over_http(gql, ids, db, smtp) -> None:
    order = await submit(gql, ids, service="Social Media Starter Pack")
    assert (await gql.data(APPROVE, {"input": {"orderId": order["id"]}}, as_=SUPPLIER))["approveOrder"]["errors"] == []
    await deliver_due(db, db.settings)
    smtp.reset()
    for author, body in ((PARTNER, "Can we add Instagram?"), (PROVIDER, "Yes, included."), (PARTNER, "Great")):
        assert (await gql.data(COMMENT, {"input": {"orderId": order["id"], "body": body}}, as_=author))["addComment"][
            "errors"
        ] == []
    assert (await deliver_due(db, db.settings)).handled == 0  # the window is still open
    await deliver_due(db, db.settings, now=utcnow() + timedelta(seconds=301))
    assert told([r for r in await notifications(db) if r.kind.value == "COMMENT_ADDED"]) == {
        PROVIDER: "COMMENT_ADDED",
        PARTNER: "COMMENT_ADDED",
        BOSS: "COMMENT_ADDED",
    }
    assert sorted(smtp.recipients) == sorted([PROVIDER, PARTNER, BOSS])
    assert smtp.to(BOSS)[0].subject == "[Demo Portal] 3 new comments on Q1 SEO"
    assert smtp.to(PROVIDER)[0].subject == "[Demo Portal] 2 new comments on Q1 SEO"
    assert smtp.to(PARTNER)[0].subject == "[Demo Portal] New comment on Q1 SEO"


async def test_server_runs_the_delivery_worker_when_smtp_is_configured(gql, ids, app, smtp) -> None:
    async with app.router.lifespan_context(app):
        [worker] = app.state.background
        await submit(gql, ids, service="Social Media Starter Pack")
        for _ in range(200):
            if len(smtp.received) == 2:
                break
            await asyncio.sleep(0.02)
        assert sorted(smtp.recipients) == sorted([SUPPLIER, BOSS])
        assert not worker.done()
    assert worker.done() and not worker.cancelled()  # stopped cleanly with the server


async def test_a_provider_declining_tells_the_partner_side_why_and_no_other_provider(gql, ids, db) -> None:
    decline = f"""mutation($input: DeclineToQuoteInput!) {{ declineToQuote(input: $input) {{ {ERRORS} }} }}"""
    order = await submit(gql, ids, providerIds=[ids["Taylor Marketing"], ids["Northwind Digital"]])
    before = len(await notifications(db))
    payload = (await gql.data(decline, {"input": {"orderId": order["id"], "reason": "Fully booked"}}, as_=PROVIDER2))[
        "declineToQuote"
    ]
    assert payload["errors"] == []

    written = (await notifications(db))[before:]
    assert told(written) == {PARTNER: "QUOTE_DECLINED", BOSS: "QUOTE_DECLINED"}  # the partner side only
    [note] = [n for n in nodes(await inbox(gql, PARTNER)) if n["kind"] == "QUOTE_DECLINED"]
    assert note["title"] == "Declined to quote: Q1 SEO"
    assert note["body"] == "Northwind Digital declined to quote on Q1 SEO. Reason: Fully booked"
    assert note["actor"] == {"email": PROVIDER2}
    assert [n["kind"] for n in nodes(await inbox(gql, PROVIDER))] == ["QUOTE_REQUESTED"]  # not a competitor's news
