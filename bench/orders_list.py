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

`--throughput` (PostgreSQL) measures servers instead: the real one (`provider-orders serve`,
one worker, production settings) and the in-database JSON floor (`bench/json_floor.py`: one
hand-written statement per answer, built with json_build_object/json_agg, its bytes sent as
they come), driven alternately (A B A B, `--rounds` rounds of `--seconds` each) by the same
`--clients` keep-alive clients, scenario by scenario: the first page, page 1,000 by cursor, a
keyword search, the dashboard counts, and one order's detail page (50 comments, 50 leads,
status history, quotes). It prints requests/s (median of the rounds), p50/p95/p99 and each
scenario's ratio to its floor.

    .venv/bin/python bench/orders_list.py --database-url postgresql+asyncpg://... --throughput
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PROVIDER_ORDERS_ENV", "development")

from sqlalchemy import select, text

from app.auth import load_viewer, mint_token
from app.db import Database
from app.runtime import tune_garbage_collector
from app.settings import Settings
from domain.ids import to_global_id
from models import Comment, Lead, LeadStatus, Order, Portal, User
from models.base import utcnow
from resolvers.context import Context
from resolvers.orders import SORT_KEYS
from resolvers.pagination import CursorCodec
from schema.api import build_schema
from schema.filters import OrderSortField

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import HttpConnection, encode, start_server, wait_ready

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
    statusHistory { from to reason at }
    quotes { id status total { amount currency } submittedAt }
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
    parser.add_argument("--throughput", action="store_true", help="the real server against the JSON floor (PostgreSQL)")
    parser.add_argument("--clients", type=int, default=10, help="--throughput: concurrent clients")
    parser.add_argument("--seconds", type=float, default=5.0, help="--throughput: length of each side's turn")
    parser.add_argument("--rounds", type=int, default=3, help="--throughput: A B rounds per scenario")
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
    if args.throughput:
        await db.dispose()
        await throughput(args, settings, portal_id, supplier, deep, order_id)
        return
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


# ---------------------------------------------------------------------------- --throughput


async def drive(port: int, head: bytes, body: bytes, clients: int, seconds: float, check: bool) -> list[float]:
    """`clients` keep-alive connections sending the same request for `seconds`: the latencies (ms)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def one() -> None:
        http = HttpConnection("127.0.0.1", port)
        try:
            while (started := time.perf_counter()) < deadline:
                status, answer = await http.request(head, body)
                if status != 200 or (check and b'"errors"' in answer[:20_000]):
                    raise SystemExit(f"request failed ({status}): {answer[:300]!r}")
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            http.close()

    await asyncio.gather(*(one() for _ in range(clients)))
    return latencies


async def throughput(
    args: argparse.Namespace, settings: Settings, portal_id: int, supplier: Any, deep: Any, order_id: int
) -> None:
    if not settings.database_url.startswith("postgresql"):
        raise SystemExit("--throughput compares with an in-database floor: give a PostgreSQL --database-url")
    secret = secrets.token_urlsafe(48)
    token = mint_token(Settings(database_url=settings.database_url, jwt_secret=secret), supplier)
    app_port, floor_port = free_port(), free_port()
    logs = Path(tempfile.mkdtemp(prefix="orders-throughput-"))
    server_args = argparse.Namespace(connections=args.clients, redis_url=None)
    server = start_server(settings.database_url, app_port, 1, secret, server_args, logs / "serve.log")
    floor = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("json_floor.py")),
            "--database-url",
            settings.database_url.replace("+asyncpg", ""),
            "--port",
            str(floor_port),
            "--portal",
            str(portal_id),
        ],
        env={**os.environ, "JWT_SECRET": secret},
        stdout=(logs / "floor.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        await wait_ready(app_port, server, timeout=300)  # a loaded machine takes its time to import
        await wait_ready(floor_port, floor, timeout=300)
        cursor = CursorCodec(secret).encode("SUBMITTED_AT:DESC", deep.submitted_at, deep.id)
        graphql_head = (
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{app_port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: "
        ).encode()

        def floor_head(path: str) -> bytes:
            return f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{floor_port}\r\nContent-Length: ".encode()

        deep_after = quote(f"{deep.submitted_at.isoformat()},{deep.id}")
        scenarios = [
            ("first page of 50, nested", encode(LIST, {"first": 50}), "/first"),
            ("page 1,000 of 50 by cursor", encode(LIST, {"first": 50, "after": cursor}), f"/deep?after={deep_after}"),
            (
                f"search {args.search!r}",
                encode(LIST, {"first": 50, "filter": {"search": args.search}}),
                f"/search?q={quote(args.search)}",
            ),
            ("counts: totalCount + statusCounts", encode(COUNTS, {}), "/counts"),
            (
                "order detail, 50 comments + leads",
                encode(DETAIL, {"id": to_global_id("Order", order_id)}),
                f"/detail?id={order_id}",
            ),
        ]
        if args.only:
            scenarios = [s for s in scenarios if any(word in s[0] for word in args.only)]
        print(
            f"{args.clients} clients, {args.rounds} rounds of {args.seconds:g} s a side, alternately "
            f"(serve --workers 1, production) / (floor); logs in {logs}",
            flush=True,
        )
        for name, body, path in scenarios:
            sides = {"app": (app_port, graphql_head, body, True), "floor": (floor_port, floor_head(path), b"", False)}
            for port, head, payload, check in sides.values():  # warm up both, unmeasured
                await drive(port, head, payload, args.clients, 1.0, check)
            rates: dict[str, list[float]] = {"app": [], "floor": []}
            latencies: dict[str, list[float]] = {"app": [], "floor": []}
            for _ in range(args.rounds):
                for side, (port, head, payload, check) in sides.items():
                    measured = await drive(port, head, payload, args.clients, args.seconds, check)
                    rates[side].append(len(measured) / args.seconds)
                    latencies[side] += measured
            for side in ("app", "floor"):
                q = statistics.quantiles(latencies[side], n=100, method="inclusive")
                print(
                    f"{name:<36} {side:<6} {statistics.median(rates[side]):7.1f} req/s  "
                    f"p50 {q[49]:6.2f} ms  p95 {q[94]:6.2f} ms  p99 {q[98]:6.2f} ms",
                    flush=True,
                )
            ratios = [a / f for a, f in zip(rates["app"], rates["floor"], strict=True)]
            ratio = statistics.median(rates["app"]) / statistics.median(rates["floor"])
            print(
                f"{name:<36} ratio to the floor {ratio:.2f}x (rounds: {', '.join(f'{r:.2f}' for r in ratios)})\n",
                flush=True,
            )
    finally:
        for process in (server, floor):
            process.send_signal(signal.SIGINT)
        for process in (server, floor):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    asyncio.run(main())
