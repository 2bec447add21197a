"""The orders list's provider filter matches the providers asked to quote, as far as the viewer
may know who is asked; `quoteComparison.lowestTotal` counts only quotes that can be accepted."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from domain.ids import to_global_id
from models import OrderStatus, Organization, Quote, QuoteStatus
from models.base import utcnow
from tests.conftest import PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER
from tests.test_orders_list import make_orders

LIST = """query($filter: OrderFilter) { orders(first: 50, filter: $filter) {
  totalCount statusCounts { status count } edges { node { name } } } }"""
COMPARISON = """query($id: ID!) { node(id: $id) { ... on Order {
  quoteComparison { lowestTotal { amount } earliestCompletionOn quotes { status total { amount } } } } } }"""


async def listed(gql, provider_ids: list[str], as_: str) -> list[str]:
    conn = (await gql.data(LIST, {"filter": {"providerIds": provider_ids}}, as_=as_))["orders"]
    names = sorted(e["node"]["name"] for e in conn["edges"])
    assert conn["totalCount"] == len(names) == sum(c["count"] for c in conn["statusCounts"])
    return names


async def provider_ids(db) -> dict[str, str]:
    async with db.read_session() as session:
        rows = await session.execute(
            select(Organization.name, Organization.id).where(
                Organization.name.in_(["Taylor Marketing", "Northwind Digital"])
            )
        )
        return {name: to_global_id("Provider", pk) for name, pk in rows}


async def test_provider_filter_matches_the_providers_asked_to_quote(gql, db) -> None:
    await make_orders(
        db,
        [
            {
                "name": "Both asked",
                "status": OrderStatus.PENDING_QUOTES,
                "invited": ("Taylor Marketing", "Northwind Digital"),
            },
            {"name": "Northwind asked", "status": OrderStatus.PENDING_QUOTES, "invited": ("Northwind Digital",)},
            {"name": "Taylor at work", "status": OrderStatus.IN_PROGRESS},
            {"name": "Northwind at work", "status": OrderStatus.IN_PROGRESS, "service_name": "SEO Audit"},
        ],
    )
    ids = await provider_ids(db)
    taylor, northwind = ids["Taylor Marketing"], ids["Northwind Digital"]
    for viewer in (PARTNER, SUPPLIER):
        assert await listed(gql, [northwind], viewer) == ["Both asked", "Northwind asked", "Northwind at work"]
        assert await listed(gql, [taylor], viewer) == ["Both asked", "Taylor at work"]
    assert await listed(gql, [northwind], PARTNER2) == []
    # A provider: itself, asked or assigned; never what a rival is asked to quote on.
    assert await listed(gql, [taylor], PROVIDER) == ["Both asked", "Taylor at work"]
    assert await listed(gql, [northwind], PROVIDER) == []
    assert await listed(gql, [taylor, northwind], PROVIDER2) == ["Both asked", "Northwind asked", "Northwind at work"]
    assert await listed(gql, [taylor], PROVIDER2) == []


async def test_lowest_total_counts_only_quotes_that_can_be_accepted(gql, db) -> None:
    [order] = await make_orders(
        db,
        [
            {
                "name": "Compare",
                "status": OrderStatus.PENDING_QUOTES,
                "invited": ("Taylor Marketing", "Northwind Digital"),
            }
        ],
    )
    now = utcnow()
    async with db.write_session() as session:
        providers = dict((await session.execute(select(Organization.name, Organization.id))).all())

        def quote(provider: str, total: str, days: int, **extra) -> Quote:
            return Quote(
                order_id=order.id,
                provider_id=providers[provider],
                submitted_by_id=order.created_by_id,
                plan="A plan",
                total=Decimal(total),
                currency="USD",
                estimated_completion_on=date.today() + timedelta(days=days),
                submitted_at=now,
                **extra,
            )

        session.add_all(
            [
                quote(
                    "Taylor Marketing", "500.00", 5, status=QuoteStatus.SUBMITTED, expires_at=now - timedelta(hours=1)
                ),
                quote("Northwind Digital", "900.00", 20, status=QuoteStatus.SUBMITTED),
            ]
        )
    gid = to_global_id("Order", order.id)
    comparison = (await gql.data(COMPARISON, {"id": gid}))["node"]["quoteComparison"]
    assert [(q["status"], q["total"]["amount"]) for q in comparison["quotes"]] == [
        ("EXPIRED", "500.00"),
        ("SUBMITTED", "900.00"),
    ]
    assert comparison["lowestTotal"] == {"amount": "900.00"}
    assert comparison["earliestCompletionOn"] == (date.today() + timedelta(days=20)).isoformat()
    async with db.write_session() as session:
        for q in await session.scalars(select(Quote).where(Quote.order_id == order.id)):
            q.status = QuoteStatus.REJECTED
    comparison = (await gql.data(COMPARISON, {"id": gid}, as_=SUPPLIER))["node"]["quoteComparison"]
    assert comparison["lowestTotal"] is None and comparison["earliestCompletionOn"] is None
