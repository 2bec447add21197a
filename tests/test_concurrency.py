"""Many people acting at the same moment, against a real server (two worker processes).

Every request here is a real HTTP request to `provider-orders serve --workers 2`, fired at
once from many clients; the database is then read directly to check nothing was lost,
doubled or left inconsistent.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.auth import mint_token
from app.db import Database
from app.settings import Settings
from domain.ids import to_global_id
from domain.ledger import fund_balance
from models import (
    Comment,
    LedgerEntryKind,
    MdfFund,
    MdfLedgerEntry,
    Order,
    OrderStatus,
    PaymentMethod,
    StatusChange,
    User,
)
from models.base import utcnow
from tests import factories
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.servers import LiveServer

PRICE = Decimal("1500.00")  # "Social Media Starter Pack", fixed price


class Clients:
    """HTTP clients of the live server, one token per demo user."""

    def __init__(self, server: LiveServer, tokens: dict[str, str]):
        self.tokens = tokens
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        self.http = httpx.AsyncClient(base_url=server.url, timeout=60, limits=limits)

    async def gql(self, query: str, variables: dict[str, Any] | None = None, *, as_: str) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.tokens[as_]}"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]


@pytest.fixture(scope="module")
async def shared_database(database_factory):
    url = await database_factory.fresh()
    db = Database(Settings(database_url=url))
    yield db
    await db.dispose()
    await database_factory.drop(url)


@pytest.fixture(scope="module")
async def clients(shared_database):
    settings = shared_database.settings
    async with shared_database.read_session() as session:
        users = (await session.scalars(select(User))).all()
        tokens = {user.email: mint_token(settings, user) for user in users}
    # Races between writers, not the mutation rate limit, are under test: the comments test
    # alone writes 200 comments as 3 users.
    async with LiveServer(settings.database_url, workers=2, env={"MUTATION_RATE_LIMIT": ""}) as server:
        c = Clients(server, tokens)
        yield c
        await c.http.aclose()


async def new_fund(db: Database, amount: Decimal) -> int:
    """A fund of Acme's valid today holding exactly `amount`."""
    today = utcnow().date()
    async with db.write_session() as session:
        template = await factories.fund(session)
        fund = MdfFund(
            portal_id=template.portal_id,
            partner_id=template.partner_id,
            name=f"Race fund {amount}",
            currency="USD",
            valid_from=today - timedelta(days=1),
            valid_to=today + timedelta(days=30),
        )
        session.add(fund)
        await session.flush()
        session.add(MdfLedgerEntry(fund_id=fund.id, kind=LedgerEntryKind.ALLOCATE, amount=amount, memo="race"))
        return fund.id


async def orders_waiting_for_approval(db: Database, count: int, fund_id: int | None) -> list[int]:
    async with db.write_session() as session:
        ids = []
        for i in range(count):
            order = await factories.make_order(
                session,
                status=OrderStatus.PENDING_APPROVAL,
                service_name="Social Media Starter Pack",
                name=f"Race order {i}",
            )
            if fund_id is not None:
                order.payment_method, order.mdf_fund_id = PaymentMethod.MDF, fund_id
            ids.append(order.id)
        return ids


APPROVE = """mutation($id: ID!) { approveOrder(input: {orderId: $id}) { order { status } errors { code } } }"""
REJECT = (
    """mutation($id: ID!) { rejectOrder(input: {orderId: $id, reason: "no"}) { order { status } errors { code } } }"""
)
FUNDS = "{ mdfFunds { id available reserved } }"


async def test_fifty_approvals_at_once_on_a_fund_that_covers_ten(clients, shared_database) -> None:
    db = shared_database
    fund_id = await new_fund(db, PRICE * 10)
    order_ids = await orders_waiting_for_approval(db, 50, fund_id)
    fund_gid = to_global_id("MdfFund", fund_id)

    observed: list[Decimal] = []
    done = asyncio.Event()

    async def watch_the_fund() -> None:
        while not done.is_set():
            data = await clients.gql(FUNDS, as_=PARTNER)
            observed.append(Decimal(next(f for f in data["mdfFunds"] if f["id"] == fund_gid)["available"]))

    watcher = asyncio.create_task(watch_the_fund())
    results = await asyncio.gather(
        *(clients.gql(APPROVE, {"id": to_global_id("Order", pk)}, as_=SUPPLIER) for pk in order_ids)
    )
    done.set()
    await watcher

    payloads = [r["approveOrder"] for r in results]
    approved = [p for p in payloads if p["order"] and p["order"]["status"] == "APPROVED"]
    refused = Counter(e["code"] for p in payloads for e in p["errors"])
    assert len(approved) == 10
    assert refused == {"INSUFFICIENT_FUNDS": 40}
    assert observed and min(observed) >= 0

    async with db.read_session() as session:
        statuses = Counter((await session.scalars(select(Order.status).where(Order.id.in_(order_ids)))).all())
        reservations = (
            await session.scalars(
                select(MdfLedgerEntry).where(
                    MdfLedgerEntry.fund_id == fund_id, MdfLedgerEntry.kind == LedgerEntryKind.RESERVE
                )
            )
        ).all()
        balance = await fund_balance(session, fund_id)
    assert statuses == {OrderStatus.APPROVED: 10, OrderStatus.PENDING_APPROVAL: 40}
    assert len(reservations) == 10 and all(entry.amount == PRICE for entry in reservations)
    assert len({entry.order_id for entry in reservations}) == 10  # one per approved order
    assert (balance.allocated, balance.reserved, balance.spent, balance.available) == (PRICE * 10, PRICE * 10, 0, 0)


async def test_twenty_conflicting_transitions_on_one_order(clients, shared_database) -> None:
    db = shared_database
    fund_id = await new_fund(db, PRICE * 5)
    (order_id,) = await orders_waiting_for_approval(db, 1, fund_id)
    gid = to_global_id("Order", order_id)
    # Mutually exclusive: once approved it cannot be rejected, and the other way round.
    attempts = [(APPROVE, SUPPLIER, "approveOrder"), (REJECT, SUPPLIER, "rejectOrder")] * 10
    results = await asyncio.gather(*(clients.gql(q, {"id": gid}, as_=who) for q, who, _ in attempts))

    payloads = [result[name] for result, (_, _, name) in zip(results, attempts, strict=True)]
    winners = [p for p in payloads if p["order"] is not None]
    assert len(winners) == 1
    losers = Counter(e["code"] for p in payloads if p["order"] is None for e in p["errors"])
    assert sum(losers.values()) == 19 and set(losers) <= {"CONFLICT", "INVALID_TRANSITION"}

    async with db.read_session() as session:
        order = await session.get(Order, order_id)
        history = (
            await session.scalars(
                select(StatusChange).where(StatusChange.order_id == order_id).order_by(StatusChange.id)
            )
        ).all()
        reserves = await session.scalar(
            select(func.count()).select_from(MdfLedgerEntry).where(MdfLedgerEntry.order_id == order_id)
        )
    assert order.status.value == winners[0]["order"]["status"]
    assert [change.to_status for change in history[1:]] == [order.status]  # after the submission: one change
    assert reserves == (1 if order.status is OrderStatus.APPROVED else 0)


async def test_two_hundred_comments_from_twenty_clients(clients, shared_database) -> None:
    db = shared_database
    async with db.write_session() as session:
        order = await factories.make_order(
            session, status=OrderStatus.IN_PROGRESS, service_name="Social Media Starter Pack", name="Busy thread"
        )
        order_id = order.id
    gid = to_global_id("Order", order_id)
    add = """mutation($id: ID!, $body: String!) {
      addComment(input: {orderId: $id, body: $body}) { comment { id body } errors { code } } }"""
    people = [PARTNER, SUPPLIER, PROVIDER]

    async def client(n: int) -> list[str]:
        acknowledged = []
        for i in range(10):  # each client writes its comments one after another
            body = f"client {n:02d} comment {i}"
            data = await clients.gql(add, {"id": gid, "body": body}, as_=people[n % len(people)])
            assert data["addComment"]["errors"] == []
            acknowledged.append(data["addComment"]["comment"]["body"])
        return acknowledged

    sent = await asyncio.gather(*(client(n) for n in range(20)))
    assert sum(len(bodies) for bodies in sent) == 200

    async with db.read_session() as session:
        stored = (
            await session.scalars(
                select(Comment.body).where(Comment.order_id == order_id).order_by(Comment.created_at, Comment.id)
            )
        ).all()
        count = (await session.get(Order, order_id)).comment_count
    assert sorted(stored) == sorted(body for bodies in sent for body in bodies)
    assert count == 200
    for n, bodies in enumerate(sent):  # each client's comments in the order it wrote them
        assert [body for body in stored if body.startswith(f"client {n:02d} ")] == bodies

    listed = await clients.gql(
        "query($id: ID!) { node(id: $id) { ... on Order { commentCount comments(first: 200) { body } } } }",
        {"id": gid},
        as_=PARTNER,
    )
    assert listed["node"]["commentCount"] == 200
    assert [c["body"] for c in listed["node"]["comments"]] == list(stored)
