"""Benchmark of the orders list (a script, not a test): latency percentiles and requests/s.

    .venv/bin/provider-orders seed-bench --orders 200000 --database-url sqlite+aiosqlite:///bench.db
    .venv/bin/python bench/orders_list.py --database-url sqlite+aiosqlite:///bench.db

Runs the schema in-process (`schema.execute` with a real Context, result serialised with
json.dumps) as the supplier of the bench portal, who sees every order: the GraphQL layer without
HTTP noise (`--http` adds the same queries through the ASGI app, still without a network).
Scenarios (as the supplier; one as a provider): the first page of 50 with nested fields, page
1,000 (by cursor), a keyword search, a status filter sorted by estimated completion, one order's
detail with 50 comments and 50 leads, a provider's Manage Orders (assigned orders and quote
requests), the dashboard counts, and the floor: the first page as ONE hand-written SQL query
serialised with json.dumps.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PROVIDER_ORDERS_ENV", "development")

from sqlalchemy import select, text

from app.auth import load_viewer
from app.db import Database
from app.runtime import tune_garbage_collector
from app.settings import Settings
from domain.ids import to_global_id
from models import Comment, Lead, LeadStatus, Order, Portal, User
from models.base import utcnow
from resolvers.context import Context
from resolvers.orders import SORT_KEYS
from schema.api import build_schema
from schema.filters import OrderSortField

LIST = """
query($first: Int, $after: String, $filter: OrderFilter, $orderBy: OrderOrder) {
  orders(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id name status paymentMethod submittedAt lastActivityAt estimatedCompletionOn
      rate { amount currency }
      provider { id name } service { id name } partner { id name }
      latestQuote { id status total { amount currency } }
      commentCount leadCount
    } }
  }
}"""

# The dashboard's counts for the same list: how many in all, and per status (the tabs).
COUNTS = """
query($filter: OrderFilter) {
  orders(first: 0, filter: $filter) { totalCount statusCounts { status count } }
}"""

DETAIL = """
query($id: ID!) {
  node(id: $id) { ... on Order {
    id name description status paymentMethod submittedAt lastActivityAt estimatedCompletionOn
    rate { amount currency } provider { id name } service { id name } partner { id name }
    commentCount leadCount
    commentsConnection(last: 50) { totalCount edges { node { id body createdAt author { id name } } } }
    leadsConnection(first: 50) { totalCount edges { node { id name email company status createdAt } } }
  } }
}"""

# The floor: the first page in one statement, shaped like the GraphQL answer.
FLOOR_SQL = """
SELECT o.id, o.name, o.status, o.payment_method, o.submitted_at, o.last_activity_at,
       o.estimated_completion_on, o.rate, o.currency, o.comment_count, o.lead_count,
       p.id, p.name, s.id, s.name, pa.id, pa.name,
       q.id, q.status, q.total, q.currency
FROM provider_order AS o
JOIN service AS s ON s.id = o.service_id
JOIN organization AS pa ON pa.id = o.partner_id
LEFT JOIN organization AS p ON p.id = o.provider_id
LEFT JOIN quote AS q ON q.id = (
    SELECT id FROM quote WHERE order_id = o.id ORDER BY submitted_at DESC, id DESC LIMIT 1)
WHERE o.portal_id = :portal
ORDER BY o.submitted_at DESC, o.id DESC
LIMIT 50
"""


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _money(cents: int | None, currency: str) -> dict | None:
    return None if cents is None else {"amount": f"{cents / 100:.2f}", "currency": currency}


async def floor_page(db: Database, portal_id: int) -> str:
    async with db.engine.connect() as conn:
        rows = (await conn.execute(text(FLOOR_SQL), {"portal": portal_id})).all()
    edges = []
    for r in rows:
        edges.append(
            {
                "node": {
                    "id": to_global_id("Order", r[0]),
                    "name": r[1],
                    "status": r[2],
                    "paymentMethod": r[3],
                    "submittedAt": _iso(r[4]),
                    "lastActivityAt": _iso(r[5]),
                    "estimatedCompletionOn": _iso(r[6]),
                    "rate": _money(r[7], r[8]),
                    "commentCount": r[9],
                    "leadCount": r[10],
                    "provider": None if r[11] is None else {"id": to_global_id("Provider", r[11]), "name": r[12]},
                    "service": {"id": to_global_id("Service", r[13]), "name": r[14]},
                    "partner": {"id": to_global_id("Partner", r[15]), "name": r[16]},
                    "latestQuote": None
                    if r[17] is None
                    else {"id": to_global_id("Quote", r[17]), "status": r[18], "total": _money(r[19], r[20])},
                }
            }
        )
    return json.dumps({"data": {"orders": {"edges": edges}}})


async def measure(name: str, call: Callable[[], Awaitable[Any]], requests: int, warmup: int) -> dict:
    for _ in range(warmup):
        await call()
    latencies = []
    started = time.perf_counter()
    for _ in range(requests):
        t0 = time.perf_counter()
        await call()
        latencies.append((time.perf_counter() - t0) * 1000)
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    result = {
        "name": name,
        "p50": statistics.median(latencies),
        "p95": q[94],
        "p99": q[98],
        "rps": requests / elapsed,
        "min": min(latencies),
    }
    print(
        f"{name:<38} p50 {result['p50']:7.2f} ms  p95 {result['p95']:7.2f} ms  "
        f"p99 {result['p99']:7.2f} ms  min {result['min']:6.2f} ms  {result['rps']:7.1f} req/s",
        flush=True,
    )
    return result


async def interleaved(a: Callable[[], Awaitable[Any]], b: Callable[[], Awaitable[Any]], requests: int) -> float:
    """p50(a) / p50(b) with a and b run alternately, so both meet the same machine load."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(requests):
        for call, sink in ((a, times[0]), (b, times[1])):
            t0 = time.perf_counter()
            await call()
            sink.append(time.perf_counter() - t0)
    return statistics.median(times[0]) / statistics.median(times[1])


async def detail_order(db: Database, portal_id: int, author_id: int) -> int:
    """An order with at least 50 comments and 50 leads (added once to the bench data)."""
    async with db.write_session() as session:
        order = await session.scalar(
            select(Order).where(Order.portal_id == portal_id, Order.comment_count >= 50, Order.lead_count >= 50)
        )
        if order is None:
            order = await session.scalar(
                select(Order).where(Order.portal_id == portal_id, Order.approved_at.is_not(None)).limit(1)
            )
            now = utcnow()
            for i in range(50):
                session.add(Comment(order_id=order.id, author_id=author_id, body=f"Bench comment {i}", created_at=now))
                session.add(
                    Lead(
                        order_id=order.id,
                        created_by_id=author_id,
                        name=f"Bench lead {i}",
                        email=f"bench{i}@example.com",
                        status=LeadStatus.NEW,
                        created_at=now,
                        updated_at=now,
                    )
                )
            order.comment_count += 50
            order.lead_count += 50
        return order.id


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--search", default="roadshow", help="keywords of the search scenario")
    parser.add_argument("--only", nargs="*", help="run the scenarios whose name contains one of these words")
    parser.add_argument("--http", action="store_true", help="also run the GraphQL scenarios through the ASGI app")
    args = parser.parse_args()
    settings = Settings(database_url=args.database_url) if args.database_url else Settings()
    db = Database(settings)
    schema = build_schema(settings)  # as the server builds it (app.server)
    async with db.read_session() as session:
        portal_id = await session.scalar(select(Portal.id).where(Portal.name == "Bench Portal"))
        if portal_id is None:
            raise SystemExit("no bench portal: run `provider-orders seed-bench` first")
        supplier = await session.scalar(select(User).where(User.email == "supplier@bench.example"))
        viewer = await load_viewer(session, supplier.id)
        provider = await session.scalar(select(User).where(User.email == "provider7@bench.example"))
        provider_viewer = await load_viewer(session, provider.id)
        total = await session.scalar(select(Order.id).where(Order.portal_id == portal_id).order_by(Order.id.desc()))
        # The cursor of position 49,950 (page 1,000 of 50), read once here; the page itself is keyset.
        deep = (
            await session.scalars(
                select(Order)
                .where(Order.portal_id == portal_id)
                .order_by(Order.submitted_at.desc(), Order.id.desc())
                .offset(999 * 50 - 1)
                .limit(1)
            )
        ).first()
    order_id = await detail_order(db, portal_id, supplier.id)
    tune_garbage_collector()  # as a server process does (app.main)
    print(f"database {settings.database_url} (last order id {total}); {args.requests} requests a scenario", flush=True)

    def context(as_provider: bool = False) -> Context:
        return Context(
            db=db, settings=settings, bus=None, request_id="bench", viewer=provider_viewer if as_provider else viewer
        )

    async def graphql(query: str, variables: dict) -> str:
        as_provider = variables.pop("asProvider", False)
        try:
            result = await schema.execute(query, variable_values=variables, context_value=context(as_provider))
        finally:
            if as_provider:
                variables["asProvider"] = True
        if result.errors:
            raise SystemExit(f"query failed: {result.errors}")
        return json.dumps({"data": result.data})

    codec = context().cursors
    deep_cursor = None
    if deep is not None:
        deep_cursor = codec.encode("SUBMITTED_AT:DESC", deep.submitted_at, deep.id)
        assert SORT_KEYS[OrderSortField.SUBMITTED_AT].name == "SUBMITTED_AT"
    scenarios: list[tuple[str, str, dict]] = [
        ("first page of 50, nested", LIST, {"first": 50}),
        ("page 1,000 of 50 by cursor", LIST, {"first": 50, "after": deep_cursor}),
        (f"search {args.search!r}", LIST, {"first": 50, "filter": {"search": args.search}}),
        (
            "status filter, by est. completion",
            LIST,
            {
                "first": 50,
                "filter": {"statuses": ["IN_PROGRESS", "SCHEDULED"]},
                "orderBy": {"field": "ESTIMATED_COMPLETION_ON", "direction": "ASC"},
            },
        ),
        ("order detail, 50 comments + leads", DETAIL, {"id": to_global_id("Order", order_id)}),
        ("provider's Manage Orders, first page", LIST, {"first": 50, "asProvider": True}),
        ("counts: totalCount + statusCounts", COUNTS, {}),
        (f"counts of search {args.search!r}", COUNTS, {"filter": {"search": args.search}}),
    ]
    if args.only:
        scenarios = [s for s in scenarios if any(word in s[0] for word in args.only)]
    results = {}
    for name, query, variables in scenarios:
        results[name] = await measure(name, lambda q=query, v=variables: graphql(q, v), args.requests, args.warmup)
    results["floor"] = await measure(
        "floor: first page, one SQL + json", lambda: floor_page(db, portal_id), args.requests, args.warmup
    )
    first = results.get("first page of 50, nested")
    if first:
        alternately = await interleaved(
            lambda: graphql(LIST, {"first": 50}), lambda: floor_page(db, portal_id), args.requests
        )
        print(
            f"\nGraphQL first page / hand-written floor (p50): {first['p50'] / results['floor']['p50']:.2f}x; "
            f"run alternately: {alternately:.2f}x"
        )
    if first and "page 1,000 of 50 by cursor" in results:
        print(f"page 1,000 / first page (p95): {results['page 1,000 of 50 by cursor']['p95'] / first['p95']:.2f}x")

    if args.http:
        import httpx

        from app.auth import mint_token
        from app.server import create_app

        app = create_app(settings, db)
        token = mint_token(settings, supplier)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            headers = {"Authorization": f"Bearer {token}"}
            for name, query, variables in scenarios:
                if variables.get("asProvider"):
                    continue

                async def post(q=query, v=variables) -> None:
                    response = await client.post("/graphql", json={"query": q, "variables": v}, headers=headers)
                    assert response.status_code == 200 and "errors" not in response.json(), response.text[:300]

                await measure("HTTP " + name, post, args.requests, args.warmup)
    await db.dispose()


if __name__ == "__main__":
    asyncio.run(main())
