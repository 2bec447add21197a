"""Load test: a mixed load from many clients against 1 and 4 server processes on PostgreSQL.

    .venv/bin/python bench/load_test.py          # 100 clients, 60 s, 1 then 4 workers
    .venv/bin/python bench/load_test.py --duration 20 --clients 50 --workers 1,2,4

For each worker count: a fresh PostgreSQL database (migrated, demo data, `--orders` extra
orders with comments and leads), `provider-orders serve --workers N` in production mode,
then this process sends the load: 80% reads (the orders list and an order's detail page),
20% writes (addComment, addLeads) spread over the orders, as the partner, the supplier and
the provider. It prints throughput, latency percentiles and errors, then checks in the
database that every acknowledged write is there (and the orders' counters agree with the
rows). Any error or lost write makes the exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.auth import mint_token
from app.db import Database
from app.migrate import upgrade
from app.seed import seed_demo
from app.settings import Settings
from domain.ids import parse_global_id, to_global_id
from models import (
    Comment,
    Lead,
    LeadStatus,
    Order,
    OrderOrigin,
    OrderStatus,
    Organization,
    PaymentMethod,
    Service,
    User,
)
from models.base import utcnow

USERS = ("partner@demo.example", "supplier@demo.example", "provider@demo.example")

LIST = """query($first: Int!) {
  orders(first: $first, orderBy: {field: LAST_ACTIVITY_AT, direction: DESC}) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id name status paymentMethod rate { amount currency } submittedAt lastActivityAt
                   estimatedCompletionOn commentCount leadCount provider { name } service { name } } }
  }
}"""
DETAIL = """query($id: ID!) {
  node(id: $id) { ... on Order {
    id name description status rate { amount currency } submittedAt lastActivityAt availableActions
    provider { name } service { name } partner { name } commentCount leadCount
    statusHistory { from to at actor { name } }
    commentsConnection(last: 20) { edges { node { id body createdAt author { name } } } }
    leadsConnection(last: 10) { edges { node { id name status } } }
  } }
}"""
ADD_COMMENT = """mutation($input: AddCommentInput!) {
  addComment(input: $input) { comment { id } errors { code message } }
}"""
ADD_LEADS = """mutation($input: AddLeadsInput!) {
  addLeads(input: $input) { leads { id name } errors { code message } }
}"""


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    comments: dict[int, str] = field(default_factory=dict)  # acknowledged: id -> body
    leads: dict[int, str] = field(default_factory=dict)
    measuring: bool = False
    started: float = 0.0
    elapsed: float = 0.0
    server_cpu: float = 0.0  # CPU seconds the server processes used while measured
    worker_cpu: list[float] = field(default_factory=list)  # the same per process, busiest first
    connections: list[int] = field(default_factory=list)  # client connections per server process
    client_cpu: float = 0.0  # CPU seconds this load generator used while measured
    database_cpu: float = 0.0  # CPU seconds PostgreSQL's processes used while measured (all databases)
    preempted: int = 0  # times the server processes were taken off a core while runnable, while measured

    def error(self, kind: str, detail: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(f"{kind}: {detail[:300]}")


# ---------------------------------------------------------------------------- setup


async def prepare_database(admin_url: str, name: str, orders: int) -> str:
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    db = Database(Settings(database_url=url))
    try:
        await upgrade(db.engine)
        async with db.write_session() as session:
            await seed_demo(session)
        await add_orders(db, orders)
    finally:
        await db.dispose()
    return url


async def add_orders(db: Database, count: int) -> None:
    """In-progress fixed-price orders of Acme for Taylor Marketing: every demo user sees them whole."""
    async with db.write_session() as session:
        svc = (await session.scalars(select(Service).where(Service.name == "Social Media Starter Pack"))).one()
        partner = (await session.scalars(select(Organization).where(Organization.name == "Acme Resellers"))).one()
        author = (await session.scalars(select(User).where(User.email == USERS[0]))).one()
        now = utcnow()
        rows = [
            Order(
                portal_id=svc.portal_id,
                partner_id=partner.id,
                service_id=svc.id,
                activity_type_id=svc.activity_type_id,
                provider_id=svc.provider_id,
                created_by_id=author.id,
                name=f"Load order {i}",
                description=f"Campaign work package {i}",
                status=OrderStatus.IN_PROGRESS,
                origin=OrderOrigin.MARKETPLACE,
                payment_method=PaymentMethod.PARTNER_FUNDED,
                rate=svc.price,
                currency=svc.currency,
                approved_at=now,
                submitted_at=now - timedelta(minutes=i),
                last_activity_at=now - timedelta(minutes=i),
                comment_count=3,
                lead_count=1,
            )
            for i in range(count)
        ]
        session.add_all(rows)
        await session.flush()
        for order in rows:
            for n in range(3):
                session.add(Comment(order_id=order.id, author_id=author.id, body=f"Seed comment {n}"))
            session.add(Lead(order_id=order.id, created_by_id=author.id, name="Seed lead", status=LeadStatus.NEW))


async def tokens_for(url: str, secret: str) -> dict[str, str]:
    settings = Settings(database_url=url, jwt_secret=secret)
    db = Database(settings)
    try:
        async with db.read_session() as session:
            users = (await session.scalars(select(User).where(User.email.in_(USERS)))).all()
            order_ids = (await session.scalars(select(Order.id).where(Order.name.like("Load order %")))).all()
    finally:
        await db.dispose()
    tokens = {user.email: mint_token(settings, user) for user in users}
    tokens["__orders__"] = json.dumps([to_global_id("Order", pk) for pk in order_ids])
    return tokens


def start_server(
    url: str, port: int, workers: int, secret: str, args: argparse.Namespace, log: Path
) -> subprocess.Popen:
    # The same connection budget whatever the worker count, all of it pooled: overflow
    # connections are closed after each use, and under sustained load that churn (a new
    # PostgreSQL backend each time) cost 4 workers a fifth of their throughput.
    pool = max(4, args.connections // workers)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PROVIDER_ORDERS_ENV": "production",
        "JWT_SECRET": secret,
        "DB_POOL_SIZE": str(pool),
        "DB_MAX_OVERFLOW": "0",
        # A crowd played by a handful of demo users: no per-user caps or mutation rate limit.
        "MUTATION_RATE_LIMIT": "",
        "MAX_CONCURRENT_PER_USER": os.environ.get("MAX_CONCURRENT_REQUESTS", "16"),
        "MAX_OPERATIONS_PER_USER": "1000000",
    }
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


async def wait_ready(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    head = f"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: ".encode()
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        http = HttpConnection("127.0.0.1", port)
        try:
            if (await http.request(head, b""))[0] == 200:
                return
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            http.close()
        await asyncio.sleep(0.2)
    raise SystemExit("server not ready in time")


# ---------------------------------------------------------------------------- load


def encode(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}, separators=(",", ":")).encode()


class HttpConnection:
    """One keep-alive HTTP/1.1 connection, the cheapest client there is for this load: a
    request is one write of bytes prepared in advance, a response is its status and its body
    (Content-Length or chunked). The load generator shares the server's two cores: aiohttp spent
    0.5 ms of CPU per request, this 0.3 ms with the checks and the bookkeeping."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        try:
            self.writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
            return await self._response()
        except BaseException:
            self.close()  # a connection in an unknown state is never reused
            raise

    async def _response(self) -> tuple[int, bytes]:
        assert self.reader is not None
        lines = (await self.reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = dict(line.lower().split(b": ", 1) for line in lines[1:] if line)
        if headers.get(b"connection") == b"close":
            self.writer = None  # the server will close it: the next request opens another
        if b"content-length" in headers:
            return status, await self.reader.readexactly(int(headers[b"content-length"]))
        if headers.get(b"transfer-encoding") == b"chunked":
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16):
                chunks.append((await self.reader.readexactly(size + 2))[:-2])
            await self.reader.readuntil(b"\r\n")
            return status, b"".join(chunks)
        raise ValueError(f"response without a length: {lines[0]!r}")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Requests:
    """The request bodies and headers, encoded once: the load generator shares the server's
    two cores, so each request should cost it as little as possible. Reads are the same bytes
    every time (per order for the detail page); a write's body is its variables spliced into
    the pre-encoded query."""

    def __init__(self, tokens: dict[str, str], orders: list[str], host: str, port: int):
        self.orders = orders
        # The request head up to the Content-Length value, per user.
        self.heads = {
            who: (
                f"POST /graphql HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                f"Accept: application/json\r\nAuthorization: Bearer {tokens[who]}\r\nContent-Length: "
            ).encode()
            for who in USERS
        }
        self.orders_list = encode(LIST, {"first": 20})
        self.detail = {order: encode(DETAIL, {"id": order}) for order in orders}
        self.add_comment = self._prefix(ADD_COMMENT)
        self.add_leads = self._prefix(ADD_LEADS)

    @staticmethod
    def _prefix(query: str) -> bytes:
        return b'{"query":' + json.dumps(query).encode() + b',"variables":'

    @staticmethod
    def with_variables(prefix: bytes, variables: dict[str, Any]) -> bytes:
        return prefix + json.dumps(variables, separators=(",", ":")).encode() + b"}"


async def client(
    n: int, http: HttpConnection, requests: Requests, results: Results, deadline: float, write_share: float
) -> None:
    rng = random.Random(n)
    sequence = itertools.count()
    orders = requests.orders
    read_share = write_share + (1 - write_share) / 2
    while time.monotonic() < deadline:
        head = requests.heads[USERS[rng.randrange(len(USERS))]]
        roll = rng.random()
        if roll < write_share * 0.75:
            kind = "addComment"
            body = f"load c{n} #{next(sequence)} {secrets.token_hex(4)}"
            payload = requests.with_variables(
                requests.add_comment, {"input": {"orderId": rng.choice(orders), "body": body}}
            )
        elif roll < write_share:
            kind = "addLeads"
            head = requests.heads[USERS[2]]  # the provider doing the work
            name = f"Lead c{n} #{next(sequence)} {secrets.token_hex(4)}"
            payload = requests.with_variables(
                requests.add_leads,
                {
                    "input": {
                        "orderId": rng.choice(orders),
                        "leads": [{"name": name, "email": f"{secrets.token_hex(6)}@example.com", "company": "Load Co"}],
                    }
                },
            )
        elif roll < read_share:
            kind = "ordersList"
            payload = requests.orders_list
        else:
            kind = "orderDetail"
            payload = requests.detail[rng.choice(orders)]
        started = time.perf_counter()
        try:
            async with asyncio.timeout(60):
                status, raw = await http.request(head, payload)
            data = json.loads(raw)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
            results.error(kind, repr(exc))
            continue
        latency = time.perf_counter() - started
        if status != 200 or not isinstance(data, dict) or data.get("errors") or not data.get("data"):
            results.error(kind, f"HTTP {status} {raw[:300]!r}")
            continue
        if kind == "addComment":
            result = data["data"]["addComment"]
            if result["errors"]:
                results.error(kind, str(result["errors"]))
                continue
            results.comments[parse_global_id(result["comment"]["id"])[1]] = body
        elif kind == "addLeads":
            result = data["data"]["addLeads"]
            if result["errors"]:
                results.error(kind, str(result["errors"]))
                continue
            for lead in result["leads"]:
                results.leads[parse_global_id(lead["id"])[1]] = lead["name"]
        if results.measuring:
            results.latencies[kind].append(latency)
    http.close()


def process_tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of a process and of each of its descendants, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in [root, *children_of(root)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def preemptions(pids: list[int]) -> int:
    """How often these processes were switched out while they could still run (Linux: the
    `nonvoluntary_ctxt_switches` of /proc/<pid>/status): each time, the next one on the core
    finds the caches full of another's data."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("nonvoluntary_ctxt_switches:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def postgres_cpu() -> float:
    """CPU seconds of every process named `postgres` on this machine (its server and backends;
    a backend that ended while measured is missed, which our pooled connections never do)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if head.split("(", 1)[1] == "postgres":
            fields = tail.split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def connections_per_process(root: int, port: int) -> list[int]:
    """How many established TCP connections on `port` each server process holds (Linux /proc)."""
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # 01: ESTABLISHED
                established.add(fields[9])  # inode
    counts = []
    for pid in [root, *children_of(root)]:
        inodes = set()
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
        if held := len(inodes & established):
            counts.append(held)
    return sorted(counts, reverse=True)


def children_of(pid: int) -> list[int]:
    try:
        found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return found + [grandchild for child in found for grandchild in children_of(child)]


async def run_load(port: int, tokens: dict[str, str], args: argparse.Namespace, server_pid: int) -> Results:
    requests = Requests(tokens, json.loads(tokens["__orders__"]), "127.0.0.1", port)
    results = Results()
    loop_deadline = time.monotonic() + args.warmup + args.duration
    tasks = [
        asyncio.create_task(
            client(n, HttpConnection("127.0.0.1", port), requests, results, loop_deadline, args.write_share)
        )
        for n in range(args.clients)
    ]
    await asyncio.sleep(args.warmup)
    results.measuring, results.started = True, time.monotonic()
    server_cpu, client_cpu, database_cpu = process_tree_cpu(server_pid), time.process_time(), postgres_cpu()
    server_pids = list(server_cpu)
    preempted = preemptions(server_pids)
    await asyncio.sleep(args.duration / 2)
    results.connections = connections_per_process(server_pid, port)
    await asyncio.gather(*tasks)
    results.elapsed = time.monotonic() - results.started
    server_after = process_tree_cpu(server_pid)
    used = {pid: cpu - server_cpu.get(pid, 0.0) for pid, cpu in server_after.items()}
    results.server_cpu = sum(used.values())
    results.worker_cpu = sorted((cpu for cpu in used.values() if cpu > 0.05 * results.elapsed), reverse=True)
    results.client_cpu = time.process_time() - client_cpu
    results.database_cpu = postgres_cpu() - database_cpu
    results.preempted = preemptions(server_pids) - preempted
    return results


# ---------------------------------------------------------------------------- verification


async def verify(url: str, results: Results) -> dict[str, int]:
    """Every acknowledged write is stored as acknowledged; counters match the rows."""
    db = Database(Settings(database_url=url))
    try:
        async with db.read_session() as session:
            stored_comments = dict(
                (
                    await session.execute(
                        select(Comment.id, Comment.body).where(Comment.id.in_(list(results.comments) or [0]))
                    )
                ).all()
            )
            stored_leads = dict(
                (await session.execute(select(Lead.id, Lead.name).where(Lead.id.in_(list(results.leads) or [0])))).all()
            )
            comment_rows = (
                select(func.count()).select_from(Comment).where(Comment.order_id == Order.id).scalar_subquery()
            )
            lead_rows = select(func.count()).select_from(Lead).where(Lead.order_id == Order.id).scalar_subquery()
            drifted = await session.scalar(
                select(func.count())
                .select_from(Order)
                .where((Order.comment_count != comment_rows) | (Order.lead_count != lead_rows))
            )
    finally:
        await db.dispose()
    lost = sum(1 for pk, body in results.comments.items() if stored_comments.get(pk) != body)
    lost += sum(1 for pk, name in results.leads.items() if stored_leads.get(pk) != name)
    return {"acknowledged": len(results.comments) + len(results.leads), "lost": lost, "counter_drift": drifted}


# ---------------------------------------------------------------------------- report


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def report(workers: int, results: Results, check: dict[str, int]) -> dict[str, Any]:
    every = [v for values in results.latencies.values() for v in values]
    total = len(every)
    summary = {
        "workers": workers,
        "requests": total,
        "throughput": total / results.elapsed if results.elapsed else 0.0,
        "p50_ms": percentile(every, 50) * 1000,
        "p95_ms": percentile(every, 95) * 1000,
        "p99_ms": percentile(every, 99) * 1000,
        "errors": sum(results.errors.values()),
        **check,
    }
    print(
        f"\n== {workers} worker(s): {total} requests in {results.elapsed:.1f} s "
        f"= {summary['throughput']:.1f} req/s; latency p50 {summary['p50_ms']:.1f} ms, "
        f"p95 {summary['p95_ms']:.1f} ms, p99 {summary['p99_ms']:.1f} ms; errors {summary['errors']}"
    )
    for kind, values in sorted(results.latencies.items()):
        print(
            f"   {kind:<12} {len(values):>7} req  p50 {percentile(values, 50) * 1000:7.1f} ms  "
            f"p95 {percentile(values, 95) * 1000:7.1f} ms  p99 {percentile(values, 99) * 1000:7.1f} ms"
        )
    per_request = 1000 / total if total else 0.0
    print(
        f"   CPU used while measured: server {results.server_cpu / results.elapsed:.2f} cores, "
        f"PostgreSQL {results.database_cpu / results.elapsed:.2f} cores, "
        f"this load generator {results.client_cpu / results.elapsed:.2f} cores "
        f"(machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    if workers > 1:
        print(
            "   server CPU per busy process: "
            + ", ".join(f"{cpu / results.elapsed:.2f}" for cpu in results.worker_cpu)
            + " cores; client connections per process: "
            + ", ".join(map(str, results.connections))
        )
    print(
        f"   CPU per request: server {results.server_cpu * per_request:.1f} ms, "
        f"PostgreSQL {results.database_cpu * per_request:.1f} ms, "
        f"load generator {results.client_cpu * per_request:.1f} ms; server processes preempted "
        f"{results.preempted / results.elapsed:.0f} times a second ({results.preempted / total if total else 0:.1f} "
        f"per request)"
    )
    print(
        f"   writes acknowledged {check['acknowledged']}, lost {check['lost']}, "
        f"orders whose counters disagree with their rows {check['counter_drift']}"
    )
    for sample in results.error_samples:
        print(f"   error: {sample}")
    return summary


async def run_one(workers: int, args: argparse.Namespace) -> dict[str, Any]:
    name = f"po_bench_{os.getpid()}_{workers}"
    secret = secrets.token_urlsafe(32)
    print(f"-- {workers} worker(s): preparing database {name} with {args.orders} orders", flush=True)
    url = await prepare_database(args.admin_url, name, args.orders)
    tokens = await tokens_for(url, secret)
    log = Path(args.log_dir) / f"load-test-server-{workers}.log"
    process = start_server(url, args.port, workers, secret, args, log)
    try:
        await wait_ready(args.port, process)
        print(
            f"-- {workers} worker(s): {args.clients} clients for {args.warmup:g} s warm-up + "
            f"{args.duration:g} s measured (server log: {log})",
            flush=True,
        )
        results = await run_load(args.port, tokens, args, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
    check = await verify(url, results)
    summary = report(workers, results, check)
    if not args.keep:
        admin = create_async_engine(args.admin_url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
    return summary


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="measured seconds per run (default 60)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load before measuring (default 5)")
    parser.add_argument("--clients", type=int, default=100, help="concurrent clients (default 100)")
    parser.add_argument("--workers", default="1,4", help="worker counts to compare (default 1,4)")
    parser.add_argument("--orders", type=int, default=300, help="orders the load spreads over (default 300)")
    parser.add_argument("--write-share", type=float, default=0.2, help="share of mutations (default 0.2)")
    parser.add_argument(
        "--connections", type=int, default=60, help="database connections all workers together may open (default 60)"
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8390)))
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--redis-url", default=None, help="REDIS_URL for the server (event bus between workers)")
    parser.add_argument("--log-dir", default="/tmp")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()

    summaries = [await run_one(int(w), args) for w in args.workers.split(",")]
    print("\nworkers  req/s    p50 ms   p95 ms   p99 ms  errors  acknowledged writes  lost")
    for s in summaries:
        print(
            f"{s['workers']:>7} {s['throughput']:>7.1f} {s['p50_ms']:>8.1f} {s['p95_ms']:>8.1f} {s['p99_ms']:>8.1f}"
            f" {s['errors']:>7} {s['acknowledged']:>20} {s['lost']:>5}"
        )
    if len(summaries) > 1 and summaries[0]["throughput"]:
        ratio = summaries[-1]["throughput"] / summaries[0]["throughput"]
        print(f"throughput {summaries[-1]['workers']} vs {summaries[0]['workers']} worker(s): {ratio:.2f}x")
    failed = any(s["errors"] or s["lost"] or s["counter_drift"] for s in summaries)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        import uvloop  # uvicorn's event loop (uvicorn[standard]): the cheaper loop for the load too
    except ImportError:  # pragma: no cover
        raise SystemExit(asyncio.run(main())) from None
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        raise SystemExit(runner.run(main()))
