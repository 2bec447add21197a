"""Keyword search over orders: the full-text index, prefixes, kept in step, never leaking."""

from __future__ import annotations

from sqlalchemy import select, update

from models import Order, OrderStatus, Organization, Service
from tests import factories
from tests.conftest import OUTSIDER, PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER
from tests.fast_path_taken import fast_path_taken  # noqa: F401 - every test here takes the fast path
from tests.test_orders_list import make_orders

SEARCH = """
query($search: String) {
  orders(first: 100, filter: { search: $search }) { totalCount edges { node { name } } }
}"""


async def found(gql, search: str | None, as_: str = SUPPLIER) -> list[str]:
    conn = (await gql.data(SEARCH, {"search": search}, as_=as_))["orders"]
    assert conn["totalCount"] == len(conn["edges"])
    return sorted(e["node"]["name"] for e in conn["edges"])


async def _demo_orders(db) -> None:
    await make_orders(
        db,
        [
            {"name": "Optimise the landing pages", "status": OrderStatus.IN_PROGRESS},
            {
                "name": "Spring launch",
                "status": OrderStatus.PENDING_QUOTES,
                "invited": ("Taylor Marketing", "Northwind Digital"),
            },
            {
                "name": "Café relaunch",
                "status": OrderStatus.COMPLETED,
                "service_name": "SEO Audit",
                "partner_name": "Beta Solutions",
                "invited": ("Northwind Digital",),
            },
            {
                "name": "Posts for autumn",
                "status": OrderStatus.PENDING_APPROVAL,
                "service_name": "Social Media Starter Pack",
            },
        ],
    )


async def test_prefixes_of_every_indexed_field_match(gql, db) -> None:
    await _demo_orders(db)
    assert await found(gql, "optim") == ["Optimise the landing pages"]  # order name, prefix, any case
    assert await found(gql, "LANDING page") == ["Optimise the landing pages"]  # every word must match
    assert await found(gql, "landing autumn") == []
    assert await found(gql, "autumn description") == ["Posts for autumn"]  # description
    assert await found(gql, "northwind") == ["Café relaunch"]  # the assigned provider
    assert await found(gql, "taylor") == ["Optimise the landing pages", "Posts for autumn", "Spring launch"]
    assert await found(gql, "starter pack") == ["Posts for autumn"]  # service name
    assert await found(gql, "cafe") == ["Café relaunch"]  # accents folded
    # Query syntax is never interpreted: quotes, operators and stars are just words or nothing.
    assert await found(gql, 'audit" OR "x*') == []
    assert await found(gql, '"audit*" & (') == ["Café relaunch"]


async def test_an_empty_search_is_no_search(gql, db) -> None:
    await _demo_orders(db)
    everything = await found(gql, None)
    assert len(everything) == 4
    assert await found(gql, "") == everything
    assert await found(gql, "   ") == everything
    assert await found(gql, "*?!") == everything


async def test_search_never_leaks_orders_the_viewer_may_not_see(gql, db) -> None:
    await _demo_orders(db)
    await make_orders(
        db,
        [
            {
                "name": "Optimise elsewhere",
                "status": OrderStatus.IN_PROGRESS,
                "service_name": "SEO Sprint",
                "partner_name": "Outside Partners",
                "invited": (),
            }
        ],
    )
    assert await found(gql, "optimise") == ["Optimise the landing pages"]
    assert await found(gql, "optimise", as_=OUTSIDER) == ["Optimise elsewhere"]
    assert await found(gql, "relaunch", as_=PARTNER) == []  # Beta's order
    assert await found(gql, "relaunch", as_=PARTNER2) == ["Café relaunch"]
    assert await found(gql, "launch", as_=PROVIDER) == ["Spring launch"]  # a quote request of Taylor's
    assert await found(gql, "posts", as_=PROVIDER) == []  # Taylor's, but not approved yet
    assert await found(gql, "launch", as_=PROVIDER2) == ["Spring launch"]  # a prefix starts a word
    assert await found(gql, "relaunch", as_=PROVIDER2) == ["Café relaunch"]
    assert await found(gql, "optimise", as_=PROVIDER2) == []


async def test_the_index_follows_every_change_in_the_same_transaction(gql, db) -> None:
    await _demo_orders(db)
    async with db.write_session() as session:
        await session.execute(
            update(Order).where(Order.name == "Spring launch").values(name="Summer kickoff", description=None)
        )
        await session.execute(update(Service).where(Service.name == "SEO Audit").values(name="Search Health Check"))
        await session.execute(
            update(Organization).where(Organization.name == "Taylor Marketing").values(name="Taylor & Sons")
        )
        # Visible to the transaction's own search at once.
        from domain.search import order_search_clause

        dialect = "sqlite" if db.is_sqlite else "postgresql"
        names = (await session.scalars(select(Order.name).where(order_search_clause("kickoff", dialect)))).all()
        assert names == ["Summer kickoff"]
    assert await found(gql, "spring") == []
    assert await found(gql, "summer") == ["Summer kickoff"]
    assert await found(gql, "health") == ["Café relaunch"]
    assert await found(gql, "audit") == []
    assert await found(gql, "sons") == ["Optimise the landing pages", "Posts for autumn", "Summer kickoff"]
    async with db.write_session() as session:
        await session.delete(await session.scalar(select(Order).where(Order.name == "Summer kickoff")))
    assert await found(gql, "summer") == []
    assert factories  # the module's factories built the rows above


async def test_a_broad_search_reads_in_sort_order_with_the_same_results(gql, db, monkeypatch) -> None:
    await _demo_orders(db)
    cases = [(term, as_) for term in ("taylor", "launch", "optim landing") for as_ in (SUPPLIER, PARTNER, PROVIDER)]
    narrow = [await found(gql, term, as_=as_) for term, as_ in cases]
    monkeypatch.setattr("domain.search.BROAD_SEARCH", 0)  # every search counts as broad
    assert [await found(gql, term, as_=as_) for term, as_ in cases] == narrow
    assert narrow[0] == ["Optimise the landing pages", "Posts for autumn", "Spring launch"]


async def test_the_partners_name_is_searched_and_a_provider_never_finds_an_order_by_a_rivals_name(gql, db) -> None:
    await _demo_orders(db)
    acme = ["Optimise the landing pages", "Posts for autumn", "Spring launch"]
    assert await found(gql, "acme") == acme
    assert await found(gql, "acme res", as_=PARTNER) == acme
    assert await found(gql, "acme", as_=PARTNER2) == []
    # Taylor sees Acme's order assigned to it and Acme's quote request it is asked to quote on.
    assert await found(gql, "acme", as_=PROVIDER) == ["Optimise the landing pages", "Spring launch"]
    assert await found(gql, "beta", as_=PROVIDER2) == ["Café relaunch"]
    # "Spring launch" asks Taylor (its service's provider) and Northwind: neither finds it by the other's name.
    assert await found(gql, "taylor", as_=PROVIDER2) == []
    assert await found(gql, "northwind", as_=PROVIDER) == []
    assert await found(gql, "launch", as_=PROVIDER2) == ["Spring launch"]
    async with db.write_session() as session:
        await session.execute(
            update(Organization).where(Organization.name == "Acme Resellers").values(name="Acme Global")
        )
    assert await found(gql, "global") == acme
    assert await found(gql, "resellers") == []
