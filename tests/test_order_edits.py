"""Edits that keep the status: the partner's updateOrder, the assigned provider's estimated
completion date (with acceptOrder and updateEstimatedCompletion). Each bumps `version`, is a
timeline entry and is told to whoever may see what changed; bad input changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import Notification, Order, OrderContact, OrderRecipient, OrderStatus, OrderUpdate
from tests import factories
from tests.conftest import PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER
from tests.notify_helpers import notifications, told
from tests.ordering import ERRORS, in_days, make_fund_valid_today, order_gid, pk_of, snapshot

BOSS = "boss@acme.example"
NEW_BOSS = "cfo@acme.example"
SUBMIT = f"""mutation($input: SubmitOrderInput!) {{ submitOrder(input: $input) {{ order {{ id }} {ERRORS} }} }}"""
UPDATE_ORDER = f"""mutation($input: UpdateOrderInput!) {{ updateOrder(input: $input) {{
  order {{ id version lastActivityAt description contacts {{ name email }} notificationRecipients {{ email }} }}
  {ERRORS} }} }}"""
UPDATE_DATE = f"""mutation($input: UpdateEstimatedCompletionInput!) {{
  updateEstimatedCompletion(input: $input) {{ order {{ version estimatedCompletionOn }} {ERRORS} }} }}"""
ACCEPT = f"""mutation($input: AcceptOrderInput!) {{ acceptOrder(input: $input) {{
  order {{ status version estimatedCompletionOn }} {ERRORS} }} }}"""
APPROVE = "mutation($id: ID!) { approveOrder(input: {orderId: $id}) { errors { code } } }"
ORDER = """query($id: ID!) { node(id: $id) { ... on Order {
  version lastActivityAt description estimatedCompletionOn availableActions
  timeline { __typename ... on OrderUpdate {
    changed estimatedCompletionOn previousEstimatedCompletionOn reason actor { email } } } } } }"""


def updates(order: dict) -> list[dict]:
    return [item for item in order["timeline"] if item["__typename"] == "OrderUpdate"]


async def node(gql, gid: str, as_: str = PARTNER) -> dict:
    return (await gql.data(ORDER, {"id": gid}, as_=as_))["node"]


async def update_order(gql, gid: str, as_: str = PARTNER, **changes) -> dict:
    return (await gql.data(UPDATE_ORDER, {"input": {"orderId": gid, **changes}}, as_=as_))["updateOrder"]


async def update_date(gql, gid: str, on: str, as_: str = PROVIDER, **extra) -> dict:
    variables = {"input": {"orderId": gid, "estimatedCompletionOn": on, **extra}}
    return (await gql.data(UPDATE_DATE, variables, as_=as_))["updateEstimatedCompletion"]


@pytest.fixture
async def fixed(gql, db) -> str:
    """A fixed-price order of Acme's, waiting for approval, with a contact and a recipient."""
    await make_fund_valid_today(db)
    services = await gql.data("{ services(first: 50) { edges { node { id name } } } }")
    service = next(
        e["node"]["id"] for e in services["services"]["edges"] if e["node"]["name"] == "Social Media Starter Pack"
    )
    payload = (
        await gql.data(
            SUBMIT,
            {
                "input": {
                    "serviceId": service,
                    "name": "Spring social push",
                    "description": "Three posts a week",
                    "origin": "MARKETPLACE",
                    "paymentMethod": "PARTNER_FUNDED",
                    "contacts": [{"name": "Dana Contact", "email": "dana@acme.example"}],
                    "notificationRecipients": [BOSS],
                }
            },
        )
    )["submitOrder"]
    assert payload["errors"] == []
    return payload["order"]["id"]


async def test_the_partner_edits_an_order_until_it_ends(gql, db, fixed) -> None:
    before = await node(gql, fixed)
    assert "UPDATE_ORDER" in before["availableActions"]
    written = len(await notifications(db))

    payload = await update_order(
        gql,
        fixed,
        description="Five posts a week",
        contacts=[{"name": "Lee Contact", "email": "lee@acme.example"}],
        notificationRecipients=[NEW_BOSS, "Partner@demo.example"],
    )
    assert payload["errors"] == []
    order = payload["order"]
    assert order["description"] == "Five posts a week"
    assert order["contacts"] == [{"name": "Lee Contact", "email": "lee@acme.example"}]
    assert order["notificationRecipients"] == [{"email": NEW_BOSS}, {"email": PARTNER}]
    assert order["version"] == before["version"] + 1 and order["lastActivityAt"] > before["lastActivityAt"]
    after = await node(gql, fixed)
    assert updates(after) == [
        {
            "__typename": "OrderUpdate",
            "changed": ["DESCRIPTION", "CONTACTS", "NOTIFICATION_RECIPIENTS"],
            "estimatedCompletionOn": None,
            "previousEstimatedCompletionOn": None,
            "reason": None,
            "actor": {"email": PARTNER},
        }
    ]
    # Told: the recipients as they are now (the actor never); no provider before approval.
    assert told((await notifications(db))[written:]) == {NEW_BOSS: "ORDER_UPDATED"}
    [note] = (await notifications(db))[written:]
    assert note.title == "Order updated: Spring social push"
    assert note.body.endswith(
        "(Acme Resellers) changed the description, the contacts and the notification recipients of Spring social push."
    )

    # The same values again change nothing; a part left out stays as it is.
    same = await update_order(gql, fixed, description="Five posts a week")
    assert same["errors"] == [] and same["order"]["version"] == order["version"]
    only = await update_order(gql, fixed, contacts=[])
    assert only["order"]["contacts"] == [] and only["order"]["description"] == "Five posts a week"
    assert only["order"]["notificationRecipients"] == [{"email": NEW_BOSS}, {"email": PARTNER}]

    # The supplier sees the order but does not edit it; others do not see it at all.
    refused = await update_order(gql, fixed, as_=SUPPLIER, description="x")
    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"] and refused["order"] is None
    for user in (PROVIDER, PARTNER2):
        assert [e["code"] for e in (await update_order(gql, fixed, as_=user, description="x"))["errors"]] == [
            "NOT_FOUND"
        ]

    # Ended: refused with INVALID_TRANSITION, and no longer offered.
    async with db.write_session() as session:
        order_row = await session.get(Order, pk_of(fixed))
        order_row.status = OrderStatus.CANCELLED
    kept = await snapshot(db, pk_of(fixed))
    ended = await update_order(gql, fixed, description="Too late")
    assert [(e["code"], e["field"]) for e in ended["errors"]] == [("INVALID_TRANSITION", ["input", "orderId"])]
    assert await snapshot(db, pk_of(fixed)) == kept
    assert "UPDATE_ORDER" not in (await node(gql, fixed))["availableActions"]


async def test_bad_edits_are_refused_whole(gql, db, fixed) -> None:
    pk = pk_of(fixed)
    kept = await snapshot(db, pk)

    async def stored() -> tuple:
        async with db.read_session() as session:
            contacts = await session.scalar(
                select(func.count()).select_from(OrderContact).where(OrderContact.order_id == pk)
            )
            recipients = list(await session.scalars(select(OrderRecipient.email).where(OrderRecipient.order_id == pk)))
            edits = await session.scalar(select(func.count()).select_from(OrderUpdate))
            notes = await session.scalar(select(func.count()).select_from(Notification))
        return contacts, recipients, edits, notes

    before = await stored()
    for changes, field in (
        (
            {"description": "fine", "notificationRecipients": ["not an address"]},
            ["input", "notificationRecipients", "0"],
        ),
        ({"contacts": [{"name": " "}], "description": "fine"}, ["input", "contacts", "0", "name"]),
        ({"description": "x" * 10_001}, ["input", "description"]),
        ({}, ["input"]),
    ):
        payload = await update_order(gql, fixed, **changes)
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION", field)], changes
        assert payload["order"] is None
    unknown = await update_order(gql, order_gid(10**9), description="x")
    assert [(e["code"], e["field"]) for e in unknown["errors"]] == [("NOT_FOUND", ["input", "orderId"])]
    assert await snapshot(db, pk) == kept and await stored() == before


async def test_the_provider_gives_and_moves_the_completion_date(gql, db, fixed) -> None:
    assert (await gql.data(APPROVE, {"id": fixed}, as_=SUPPLIER))["approveOrder"]["errors"] == []
    provider_view = await node(gql, fixed, as_=PROVIDER)
    assert "UPDATE_ESTIMATED_COMPLETION" not in provider_view["availableActions"]  # accept first
    kept = await snapshot(db, pk_of(fixed))

    yesterday = (date.today() - timedelta(days=1)).isoformat()
    past = (await gql.data(ACCEPT, {"input": {"orderId": fixed, "estimatedCompletionOn": yesterday}}, as_=PROVIDER))[
        "acceptOrder"
    ]
    assert [(e["code"], e["field"]) for e in past["errors"]] == [("VALIDATION", ["input", "estimatedCompletionOn"])]
    assert await snapshot(db, pk_of(fixed)) == kept

    written = len(await notifications(db))
    accepted = (
        await gql.data(ACCEPT, {"input": {"orderId": fixed, "estimatedCompletionOn": in_days(20)}}, as_=PROVIDER)
    )["acceptOrder"]
    assert accepted["errors"] == []
    assert accepted["order"]["status"] == "NOT_STARTED" and accepted["order"]["estimatedCompletionOn"] == in_days(20)
    # One event, the status change, tells the date with it.
    notes = (await notifications(db))[written:]
    assert {n.kind.value for n in notes} == {"STATUS_CHANGED"}
    assert all(n.body.endswith(f"Estimated completion: {in_days(20)}.") for n in notes if n.email == PARTNER)
    assert updates(await node(gql, fixed))[-1]["changed"] == ["ESTIMATED_COMPLETION_ON"]

    provider_view = await node(gql, fixed, as_=PROVIDER)
    assert {"UPDATE_ESTIMATED_COMPLETION", "ADD_LEADS", "ADD_COMMENT"} <= set(provider_view["availableActions"])
    assert "UPDATE_ESTIMATED_COMPLETION" not in (await node(gql, fixed))["availableActions"]

    written = len(await notifications(db))
    moved = await update_date(gql, fixed, in_days(35), reason="Waiting for the brand assets")
    assert moved["errors"] == [] and moved["order"]["estimatedCompletionOn"] == in_days(35)
    assert moved["order"]["version"] == provider_view["version"] + 1
    entry = updates(await node(gql, fixed))[-1]
    assert entry == {
        "__typename": "OrderUpdate",
        "changed": ["ESTIMATED_COMPLETION_ON"],
        "estimatedCompletionOn": in_days(35),
        "previousEstimatedCompletionOn": in_days(20),
        "reason": "Waiting for the brand assets",
        "actor": {"email": PROVIDER},
    }
    assert told((await notifications(db))[written:]) == {PARTNER: "ORDER_UPDATED", BOSS: "ORDER_UPDATED"}

    kept = await snapshot(db, pk_of(fixed))
    for who, on, code in (
        (PROVIDER, yesterday, "VALIDATION"),
        (PARTNER, in_days(40), "FORBIDDEN"),
        (SUPPLIER, in_days(40), "FORBIDDEN"),
        (PROVIDER2, in_days(40), "NOT_FOUND"),
    ):
        assert [e["code"] for e in (await update_date(gql, fixed, on, as_=who))["errors"]] == [code], who
    assert await snapshot(db, pk_of(fixed)) == kept


async def test_invited_providers_hear_only_that_the_description_changed(gql, db) -> None:
    async with db.write_session() as session:
        order = await factories.make_order(session, invited=("Taylor Marketing", "Northwind Digital"))
        pk = order.id
    gid = order_gid(pk)
    written = len(await notifications(db))
    assert (await update_order(gql, gid, contacts=[{"name": "Private Person"}]))["errors"] == []
    assert told((await notifications(db))[written:]) == {}  # contacts are not the quote request's
    assert updates(await node(gql, gid, as_=PROVIDER)) == []

    written = len(await notifications(db))
    both = await update_order(gql, gid, description="Now with a local SEO part", contacts=[{"name": "Someone Else"}])
    assert both["errors"] == []
    notes = (await notifications(db))[written:]
    assert told(notes) == {PROVIDER: "ORDER_UPDATED", PROVIDER2: "ORDER_UPDATED"}
    for note in notes:
        assert note.data["update"]["fields"] == ["DESCRIPTION"] and note.data["role"] == "invited"
        assert "contacts" not in note.body
    seen = await node(gql, gid, as_=PROVIDER)
    assert seen["description"] == "Now with a local SEO part"
    assert [u["changed"] for u in updates(seen)] == [["DESCRIPTION"]]
    assert [u["changed"] for u in updates(await node(gql, gid))] == [["CONTACTS"], ["DESCRIPTION", "CONTACTS"]]
