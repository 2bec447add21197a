"""The fixed-price path end to end over HTTP: partner orders, supplier approves (MDF reserved),
provider works it to completion (MDF spent); insufficient funds refuse the approval."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models import LedgerEntryKind, MdfLedgerEntry
from tests.conftest import OUTSIDER, PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER
from tests.ordering import (
    SUBMIT_ORDER,
    demo_ids,
    fund_balance,
    make_fund_valid_today,
    pk_of,
    snapshot,
    transition_mutation,
)

APPROVE = transition_mutation("approveOrder", "ApproveOrderInput")
ACCEPT = transition_mutation("acceptOrder", "AcceptOrderInput")
START = transition_mutation("startWork", "StartWorkInput")
COMPLETE = transition_mutation("completeOrder", "CompleteOrderInput")
ARCHIVE = transition_mutation("archiveOrder", "ArchiveOrderInput")
NODE = "query($id: ID!) { node(id: $id) { ... on Order { id status availableActions } } }"


@pytest.fixture
async def ids(gql, db):
    await make_fund_valid_today(db)
    return await demo_ids(gql)


async def submit_social(gql, ids, **extra):
    payload = (
        await gql.data(
            SUBMIT_ORDER,
            {
                "input": {
                    "serviceId": ids["Social Media Starter Pack"],
                    "name": "Spring social push",
                    "origin": "MARKETPLACE",
                    "paymentMethod": "MDF",
                    "mdfFundId": ids["fund"],
                    "contacts": [{"name": "Dana Contact", "email": "dana@acme.example", "role": "Marketing lead"}],
                    "notificationRecipients": ["Boss@Acme.example", "partner@demo.example"],
                    **extra,
                }
            },
        )
    )["submitOrder"]
    assert payload["errors"] == []
    return payload["order"]


async def test_fixed_price_order_from_marketplace_to_archive(gql, ids) -> None:
    order = await submit_social(gql, ids)
    assert order["status"] == "PENDING_APPROVAL"
    assert order["rate"] == {"amount": "1500.00", "currency": "USD"}
    assert order["provider"] == {"name": "Taylor Marketing"}
    assert order["availableActions"] == ["CANCEL_ORDER", "ADD_COMMENT", "UPDATE_ORDER"]
    assert order["statusHistory"] == [
        {"from": None, "to": "PENDING_APPROVAL", "action": "SUBMIT_ORDER", "reason": None, "actor": {"email": PARTNER}}
    ]
    oid = order["id"]
    # Not approved yet: the provider does not see it; neither do other partners or portals.
    for user in (PROVIDER, PROVIDER2, PARTNER2, OUTSIDER):
        assert (await gql.data(NODE, {"id": oid}, as_=user))["node"] is None
    seen = (await gql.data(NODE, {"id": oid}, as_=SUPPLIER))["node"]
    assert seen["availableActions"] == ["APPROVE_ORDER", "REJECT_ORDER", "CANCEL_ORDER", "ADD_COMMENT"]

    detail = await gql.data(
        """query($id: ID!) { node(id: $id) { ... on Order {
             contacts { name email role } notificationRecipients { email user { email } } } } }""",
        {"id": oid},
    )
    assert detail["node"]["contacts"] == [
        {"name": "Dana Contact", "email": "dana@acme.example", "role": "Marketing lead"}
    ]
    assert detail["node"]["notificationRecipients"] == [
        {"email": "boss@acme.example", "user": None},
        {"email": "partner@demo.example", "user": {"email": PARTNER}},
    ]

    approved = (await gql.data(APPROVE, {"input": {"orderId": oid}}, as_=SUPPLIER))["approveOrder"]
    assert approved["errors"] == []
    assert approved["order"]["status"] == "APPROVED"
    assert await fund_balance(gql) == {
        "allocated": Decimal("10000.00"),
        "reserved": Decimal("1500.00"),
        "spent": Decimal("0.00"),
        "available": Decimal("8500.00"),
    }
    seen = (await gql.data(NODE, {"id": oid}, as_=PROVIDER))["node"]
    assert seen["availableActions"] == ["ACCEPT_ORDER", "DENY_ORDER", "CANCEL_ORDER", "ADD_COMMENT"]

    for mutation, name, status in (
        (ACCEPT, "acceptOrder", "NOT_STARTED"),
        (START, "startWork", "IN_PROGRESS"),
        (COMPLETE, "completeOrder", "COMPLETED"),
    ):
        payload = (await gql.data(mutation, {"input": {"orderId": oid}}, as_=PROVIDER))[name]
        assert payload["errors"] == [] and payload["order"]["status"] == status
    assert await fund_balance(gql) == {
        "allocated": Decimal("10000.00"),
        "reserved": Decimal("0.00"),
        "spent": Decimal("1500.00"),
        "available": Decimal("8500.00"),
    }
    archived = (await gql.data(ARCHIVE, {"input": {"orderId": oid}}, as_=PROVIDER))["archiveOrder"]
    history = archived["order"]["statusHistory"]
    assert [(h["to"], h["actor"]["email"]) for h in history] == [
        ("PENDING_APPROVAL", PARTNER),
        ("APPROVED", SUPPLIER),
        ("NOT_STARTED", PROVIDER),
        ("IN_PROGRESS", PROVIDER),
        ("COMPLETED", PROVIDER),
        ("ARCHIVED", PROVIDER),
    ]
    assert archived["order"]["availableActions"] == []


async def test_approval_refused_when_the_fund_cannot_cover_the_rate(gql, db, ids) -> None:
    order = await submit_social(gql, ids)
    async with db.write_session() as session:  # other orders hold 9000.00 of the fund
        session.add(
            MdfLedgerEntry(
                fund_id=pk_of(ids["fund"]),
                kind=LedgerEntryKind.RESERVE,
                amount=Decimal("9000.00"),
                memo="held by another order",
            )
        )
    before = await snapshot(db, pk_of(order["id"]))
    body = await gql(APPROVE, {"input": {"orderId": order["id"]}}, as_=SUPPLIER)
    payload = body["data"]["approveOrder"]
    assert payload["order"] is None
    assert payload["errors"][0]["code"] == "INSUFFICIENT_FUNDS"
    assert payload["errors"][0]["field"] == ["input", "orderId"]
    assert "1000.00" in payload["errors"][0]["message"]
    assert await snapshot(db, pk_of(order["id"])) == before
    assert (await fund_balance(gql))["available"] == Decimal("1000.00")
