"""The demo orders `make run` seeds: made through the workflow, in the statuses the README promises."""

from __future__ import annotations

from decimal import Decimal

from app.seed import seed_demo_orders
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.ordering import fund_balance

ORDERS = """{ orders(first: 50) { edges { node { name status quotes { status } commentCount leadCount
  availableActions } } } }"""


async def test_demo_orders(gql, db) -> None:
    async with db.write_session() as session:
        await seed_demo_orders(session, db.settings)
    mine = {e["node"]["name"]: e["node"] for e in (await gql.data(ORDERS, as_=PARTNER))["orders"]["edges"]}
    assert {name: o["status"] for name, o in mine.items()} == {
        "Spring social push": "PENDING_APPROVAL",
        "Q1 SEO consultation": "PENDING_QUOTES",
        "Site audit": "NOT_STARTED",
        "Holiday social campaign": "IN_PROGRESS",
        "Autumn social refresh": "COMPLETED",
        "Trade show teaser": "CANCELLED",
    }
    assert [q["status"] for q in mine["Q1 SEO consultation"]["quotes"]] == ["SUBMITTED", "SUBMITTED"]
    assert mine["Q1 SEO consultation"]["availableActions"] == [
        "ACCEPT_QUOTE",
        "CANCEL_ORDER",
        "ADD_COMMENT",
        "UPDATE_ORDER",
    ]
    assert (mine["Holiday social campaign"]["commentCount"], mine["Holiday social campaign"]["leadCount"]) == (2, 3)
    supplier_sees = (await gql.data(ORDERS, as_=SUPPLIER))["orders"]["edges"]
    assert len(supplier_sees) == 7  # with Beta Solutions' order
    assert await fund_balance(gql) == {
        "allocated": Decimal("10000.00"),
        "reserved": Decimal("2400.00"),
        "spent": Decimal("0.00"),
        "available": Decimal("7600.00"),
    }
    provider_sees = {e["node"]["name"] for e in (await gql.data(ORDERS, as_=PROVIDER))["orders"]["edges"]}
    # Taylor: its quote request, the orders assigned to it (the archived one aside: none archived yet).
    assert provider_sees == {"Q1 SEO consultation", "Holiday social campaign", "Autumn social refresh"}
