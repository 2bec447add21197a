"""My Orders / Manage Orders: keyset pages both ways, sorts, filters, counts, bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from domain.ids import to_global_id
from models import Order, OrderOrigin, OrderStatus, PaymentMethod
from tests import factories
from tests.conftest import PARTNER, PROVIDER, PROVIDER2, SUPPLIER
from tests.fast_path_taken import fast_path_taken  # noqa: F401 - every test here takes the fast path

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

PAGE = """
query($first: Int, $after: String, $last: Int, $before: String, $filter: OrderFilter, $orderBy: OrderOrder) {
  orders(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } }
  }
}"""


async def make_orders(db, specs: list[dict]) -> list[Order]:
    """Orders built directly; each spec may set the list's sort and filter columns."""
    made = []
    async with db.write_session() as session:
        for i, spec in enumerate(specs):
            spec = dict(spec)
            fields = {
                key: spec.pop(key)
                for key in ("submitted_at", "last_activity_at", "estimated_completion_on", "payment_method", "origin")
                if key in spec
            }
            order = await factories.make_order(session, name=spec.pop("name", f"Order {i}"), **spec)
            for key, value in fields.items():
                setattr(order, key, value)
            made.append(order)
        await session.flush()
    return made


async def walk(gql, *, as_: str, size: int, order_by=None, filter=None, backwards=False) -> list[str]:
    """Every name in the list, page by page (forwards with first/after, or backwards with last/before)."""
    names, cursor, pages = [], None, 0
    while True:
        variables = {"orderBy": order_by, "filter": filter}
        variables.update({"last": size, "before": cursor} if backwards else {"first": size, "after": cursor})
        conn = (await gql.data(PAGE, variables, as_=as_))["orders"]
        page_names = [e["node"]["name"] for e in conn["edges"]]
        names = page_names + names if backwards else names + page_names
        info = conn["pageInfo"]
        pages += 1
        assert pages < 50
        more = info["hasPreviousPage"] if backwards else info["hasNextPage"]
        if not more:
            return names
        cursor = info["startCursor"] if backwards else info["endCursor"]


@pytest.fixture
async def seven(db):
    """Seven orders with ties on every sort column and two without an estimated completion."""
    specs = []
    for i in range(7):
        specs.append(
            {
                "name": f"Order {i}",
                "status": OrderStatus.IN_PROGRESS,
                "service_name": "Social Media Starter Pack",
                "submitted_at": T0 + timedelta(hours=i // 2),  # pairs tie: the id breaks them
                "last_activity_at": T0 + timedelta(hours=(7 - i) // 3),
                "estimated_completion_on": None if i in (2, 5) else date(2026, 7, 1) + timedelta(days=i % 3),
            }
        )
    return await make_orders(db, specs)


def expected(orders: list[Order], field: str, descending: bool) -> list[str]:
    column = {
        "SUBMITTED_AT": "submitted_at",
        "LAST_ACTIVITY_AT": "last_activity_at",
        "ESTIMATED_COMPLETION_ON": "estimated_completion_on",
    }[field]
    valued = [o for o in orders if getattr(o, column) is not None]
    nulls = [o for o in orders if getattr(o, column) is None]
    valued.sort(key=lambda o: (getattr(o, column), o.id), reverse=descending)
    nulls.sort(key=lambda o: o.id, reverse=descending)
    return [o.name for o in valued + nulls]  # no estimate yet: last, whichever the direction


@pytest.mark.parametrize("field", ["SUBMITTED_AT", "LAST_ACTIVITY_AT", "ESTIMATED_COMPLETION_ON"])
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
async def test_every_sort_pages_forwards_and_backwards_without_gaps_or_repeats(gql, seven, field, direction) -> None:
    order_by = {"field": field, "direction": direction}
    want = expected(seven, field, direction == "DESC")
    assert await walk(gql, as_=SUPPLIER, size=3, order_by=order_by) == want
    assert await walk(gql, as_=SUPPLIER, size=2, order_by=order_by, backwards=True) == want
    first_page = (await gql.data(PAGE, {"first": 100, "orderBy": order_by}, as_=SUPPLIER))["orders"]
    assert [e["node"]["name"] for e in first_page["edges"]] == want
    assert first_page["totalCount"] == 7


async def test_page_info_at_the_boundaries(gql, seven) -> None:
    conn = (await gql.data(PAGE, {"first": 7}, as_=SUPPLIER))["orders"]
    assert conn["pageInfo"]["hasNextPage"] is False and conn["pageInfo"]["hasPreviousPage"] is False
    end = conn["pageInfo"]["endCursor"]
    empty = (await gql.data(PAGE, {"first": 3, "after": end}, as_=SUPPLIER))["orders"]
    assert empty["edges"] == [] and empty["pageInfo"]["hasNextPage"] is False
    assert empty["pageInfo"]["startCursor"] is None
    six = (await gql.data(PAGE, {"first": 6}, as_=SUPPLIER))["orders"]
    assert six["pageInfo"]["hasNextPage"] is True
    zero = (await gql.data(PAGE, {"first": 0}, as_=SUPPLIER))["orders"]
    assert zero["edges"] == [] and zero["pageInfo"]["hasNextPage"] is True and zero["totalCount"] == 7
    # Between two cursors: first/after with before.
    cursors = [e["cursor"] for e in conn["edges"]]
    middle = (await gql.data(PAGE, {"first": 10, "after": cursors[1], "before": cursors[5]}, as_=SUPPLIER))["orders"]
    assert [e["cursor"] for e in middle["edges"]] == cursors[2:5]
    last_two = (await gql.data(PAGE, {"last": 2, "before": cursors[5]}, as_=SUPPLIER))["orders"]
    assert [e["cursor"] for e in last_two["edges"]] == cursors[3:5]
    assert last_two["pageInfo"]["hasPreviousPage"] is True and last_two["pageInfo"]["hasNextPage"] is True


async def test_a_new_order_between_pages_is_neither_repeated_nor_skipped(gql, db, seven) -> None:
    first = (await gql.data(PAGE, {"first": 3}, as_=SUPPLIER))["orders"]
    await make_orders(
        db,
        [
            {
                "name": "Newcomer",
                "status": OrderStatus.IN_PROGRESS,
                "service_name": "Social Media Starter Pack",
                "submitted_at": T0 + timedelta(days=9),
            }
        ],
    )
    rest = (await gql.data(PAGE, {"first": 10, "after": first["pageInfo"]["endCursor"]}, as_=SUPPLIER))["orders"]
    names = [e["node"]["name"] for e in first["edges"] + rest["edges"]]
    assert names == expected(seven, "SUBMITTED_AT", True)
    assert rest["totalCount"] == 8


async def test_a_page_of_exactly_100_is_allowed(gql, db) -> None:
    await factories.bulk_orders(db, 101)
    conn = (await gql.data(PAGE, {"first": 100}, as_=SUPPLIER))["orders"]
    assert len(conn["edges"]) == 100 and conn["pageInfo"]["hasNextPage"] is True
    rest = (await gql.data(PAGE, {"first": 100, "after": conn["pageInfo"]["endCursor"]}, as_=SUPPLIER))["orders"]
    assert len(rest["edges"]) == 1 and rest["pageInfo"]["hasNextPage"] is False


async def _error(gql, variables: dict) -> dict:
    body = await gql(PAGE, variables, as_=SUPPLIER)
    assert body["data"] is None, body
    return body["errors"][0]


@pytest.mark.parametrize(
    ("variables", "argument"),
    [
        ({"first": 101}, "first"),
        ({"first": -1}, "first"),
        ({"last": 101}, "last"),
        ({"first": 2, "last": 2}, "last"),
        ({"first": 2, "after": "not-a-cursor"}, "after"),
        ({"last": 2, "before": "eyJ4IjoxfQ.AAAA"}, "before"),
    ],
)
async def test_bad_page_requests_are_refused_clearly(gql, variables, argument, no_list) -> None:
    error = await _error(gql, variables)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == argument


async def test_cursors_are_tied_to_their_sort_and_cannot_be_tampered_with(gql, seven) -> None:
    import base64
    import json

    conn = (await gql.data(PAGE, {"first": 2}, as_=SUPPLIER))["orders"]
    cursor = conn["pageInfo"]["endCursor"]
    for order_by in ({"field": "LAST_ACTIVITY_AT", "direction": "DESC"}, {"field": "SUBMITTED_AT", "direction": "ASC"}):
        error = await _error(gql, {"first": 2, "after": cursor, "orderBy": order_by})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "another sort" in error["message"]
    body, signature = cursor.rsplit(".", 1)
    sort, value, pk = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps([sort, value, pk + 1]).encode()).decode().rstrip("=")
    error = await _error(gql, {"first": 2, "after": forged + "." + signature})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def _names(gql, filter: dict, as_: str = SUPPLIER, **extra) -> list[str]:
    conn = (await gql.data(PAGE, {"first": 100, "filter": filter, **extra}, as_=as_))["orders"]
    assert conn["totalCount"] == len(conn["edges"])
    return sorted(e["node"]["name"] for e in conn["edges"])


async def test_each_filter_narrows_the_list(gql, db) -> None:
    orders = await make_orders(
        db,
        [
            {
                "name": "Seo quote",
                "status": OrderStatus.PENDING_QUOTES,
                "service_name": "SEO Consultation",
                "invited": ("Taylor Marketing", "Northwind Digital"),
            },
            {
                "name": "Audit",
                "status": OrderStatus.IN_PROGRESS,
                "service_name": "SEO Audit",
                "payment_method": PaymentMethod.MDF,
                "origin": OrderOrigin.CAMPAIGN_ACTIVITY,
                "submitted_at": T0,
                "last_activity_at": T0 + timedelta(days=3),
            },
            {
                "name": "Social",
                "status": OrderStatus.COMPLETED,
                "service_name": "Social Media Starter Pack",
                "partner_name": "Beta Solutions",
                "origin": OrderOrigin.PROVIDER_LOCATOR,
                "submitted_at": T0 + timedelta(days=1),
                "last_activity_at": T0 + timedelta(days=1),
            },
        ],
    )
    quote, audit, social = orders
    async with db.read_session() as session:
        taylor = await factories.org(session, "Taylor Marketing")
        northwind = await factories.org(session, "Northwind Digital")
        seo_type = (await factories.service(session, "SEO Audit")).activity_type_id
        social_type = (await factories.service(session, "Social Media Starter Pack")).activity_type_id
    assert await _names(gql, {}) == ["Audit", "Seo quote", "Social"]
    # A provider asked to quote counts too (tests/test_order_lists.py).
    assert await _names(gql, {"providerIds": [to_global_id("Provider", northwind.id)]}) == ["Audit", "Seo quote"]
    assert await _names(gql, {"providerIds": [to_global_id("Provider", taylor.id)]}) == ["Seo quote", "Social"]
    assert await _names(gql, {"providerIds": ["garbage"]}) == []
    assert await _names(gql, {"statuses": ["IN_PROGRESS", "COMPLETED"]}) == ["Audit", "Social"]
    assert await _names(gql, {"activityTypeIds": [to_global_id("ActivityType", seo_type)]}) == ["Audit", "Seo quote"]
    assert await _names(gql, {"activityTypeIds": [to_global_id("ActivityType", social_type)]}) == ["Social"]
    assert await _names(gql, {"paymentMethods": ["MDF"]}) == ["Audit"]
    assert await _names(gql, {"origins": ["PROVIDER_LOCATOR", "CAMPAIGN_ACTIVITY"]}) == ["Audit", "Social"]
    day = T0.isoformat()
    next_day = (T0 + timedelta(days=1)).isoformat()
    assert await _names(gql, {"submitted": {"from": day, "to": next_day}}) == ["Audit"]
    assert await _names(gql, {"submitted": {"from": next_day, "to": next_day}}) == []
    assert await _names(gql, {"lastActivity": {"from": next_day, "to": (T0 + timedelta(days=2)).isoformat()}}) == [
        "Social"
    ]
    # A time without offset is UTC.
    assert await _names(gql, {"submitted": {"to": "2026-06-01T12:00:01"}}) == ["Audit"]
    # Filters combine, and a partner's filter stays within its own orders.
    assert await _names(gql, {"statuses": ["IN_PROGRESS"], "paymentMethods": ["PARTNER_FUNDED"]}) == []
    assert await _names(gql, {"statuses": ["COMPLETED"]}, as_=PARTNER) == []
    assert quote and audit and social


STATUS_COUNTS = """
query($filter: OrderFilter) {
  orders(first: 1, filter: $filter) { totalCount statusCounts { status count } }
}"""


def _counts(conn: dict) -> dict[str, int]:
    return {c["status"]: c["count"] for c in conn["statusCounts"] if c["count"]}


async def test_status_counts_follow_the_filter_but_not_its_statuses(gql, db) -> None:
    await make_orders(
        db,
        [
            {"name": "a", "status": OrderStatus.IN_PROGRESS, "service_name": "Social Media Starter Pack"},
            {"name": "b", "status": OrderStatus.IN_PROGRESS, "service_name": "SEO Audit"},
            {"name": "c", "status": OrderStatus.COMPLETED, "service_name": "Social Media Starter Pack"},
            {"name": "d", "status": OrderStatus.ARCHIVED, "service_name": "Social Media Starter Pack"},
        ],
    )
    conn = (await gql.data(STATUS_COUNTS, {"filter": {"statuses": ["COMPLETED"]}}, as_=SUPPLIER))["orders"]
    assert conn["totalCount"] == 1
    assert _counts(conn) == {"IN_PROGRESS": 2, "COMPLETED": 1, "ARCHIVED": 1}
    assert len(conn["statusCounts"]) == len(OrderStatus)
    social = {"filter": {"search": "social", "statuses": ["IN_PROGRESS"]}}
    conn = (await gql.data(STATUS_COUNTS, social, as_=SUPPLIER))["orders"]
    assert conn["totalCount"] == 1 and _counts(conn) == {"IN_PROGRESS": 1, "COMPLETED": 1, "ARCHIVED": 1}
    # Manage Orders: archived orders leave the list but keep their tab.
    conn = (await gql.data(STATUS_COUNTS, {}, as_=PROVIDER))["orders"]
    assert conn["totalCount"] == 2 and _counts(conn) == {"IN_PROGRESS": 1, "COMPLETED": 1, "ARCHIVED": 1}


async def test_manage_orders_lists_assigned_orders_and_quote_requests(gql, db) -> None:
    await make_orders(
        db,
        [
            {
                "name": "asked both",
                "status": OrderStatus.PENDING_QUOTES,
                "invited": ("Taylor Marketing", "Northwind Digital"),
                "submitted_at": T0,
            },
            {"name": "asked taylor", "status": OrderStatus.PENDING_QUOTES, "submitted_at": T0 + timedelta(hours=2)},
            {"name": "taylor working", "status": OrderStatus.IN_PROGRESS, "submitted_at": T0 + timedelta(hours=1)},
            {
                "name": "taylor fixed",
                "status": OrderStatus.PENDING_APPROVAL,
                "service_name": "Social Media Starter Pack",
            },
            {"name": "taylor archived", "status": OrderStatus.ARCHIVED, "submitted_at": T0 + timedelta(hours=3)},
            {
                "name": "northwind working",
                "status": OrderStatus.IN_PROGRESS,
                "service_name": "SEO Audit",
                "invited": ("Northwind Digital",),
            },
        ],
    )
    # Both parts merged in sort order, page by page.
    assert await walk(gql, as_=PROVIDER, size=1) == ["asked taylor", "taylor working", "asked both"]
    assert await walk(gql, as_=PROVIDER, size=2, backwards=True) == ["asked taylor", "taylor working", "asked both"]
    assert await _names(gql, {}, as_=PROVIDER2) == ["asked both", "northwind working"]
    assert await _names(gql, {"statuses": ["ARCHIVED"]}, as_=PROVIDER) == ["taylor archived"]
    assert await _names(gql, {"statuses": ["PENDING_QUOTES"]}, as_=PROVIDER) == ["asked both", "asked taylor"]
    async with db.read_session() as session:
        taylor = await factories.org(session, "Taylor Marketing")
        assert (await session.scalar(select(Order).where(Order.name == "taylor fixed"))).provider_id == taylor.id
