"""Benchmark of live dashboards (a script, not a test): delivery latency and memory per subscriber.

    .venv/bin/python bench/subscriptions.py                      # 1,000 subscribers, 50 changes, both modes
    .venv/bin/python bench/subscriptions.py --subscribers 200 --changes 20 --mode redis
    .venv/bin/python bench/subscriptions.py --subscription all --mode local   # a dashboard: all three

Starts real servers (`provider-orders serve`, on ports of `--ports`, default 8200-8299) on a
fresh SQLite database with the demo data, opens N WebSocket subscribers (graphql-transport-ws,
offering permessage-deflate as browsers do; as the order's partner, supplier and assigned
provider in turn), each subscribed to `--subscription`:

- `orderStatusChanged` (default): `orderStatusChanged(orderId:)` of the bench order;
- `orderEvents`, `commentAdded`: every order the subscriber may see (a dashboard's feed);
- `all`: the three above on each connection (N connections, 3N subscriptions).

Then it makes M changes through real mutations over HTTP, one after the other, each once every
subscriber had the previous one: status changes (requestPartnerInput / resumeWork), or comments
(addComment) for `commentAdded`, alternating both for `all`. It prints:

- latency from commit to receipt, p50/p99/max over every delivery: from the event's `at`,
  taken in the committing transaction just before COMMIT, to the moment the subscriber's
  client read the message. `commentAdded` carries no commit time: alone, its latency is from
  the comment's `createdAt` (set as the mutation inserts it, so it also counts the rest of
  that transaction); with `all`, its messages are counted but left out of the latency;
- memory per idle subscriber (connection): the servers' RSS (VmRSS, everything the process
  holds: Python objects, C libraries, allocator overhead) once the N subscribers are connected
  and have been idle 2 s, minus before the first one, / N. Also the marginal figure, from the
  101st subscriber on, without one-off costs (modules imported, caches filled by the first
  subscriptions). No garbage collection is forced: the servers run their own collector (see
  app/main.py), and a forced one was measured to return nothing to the OS.

`--tracemalloc` runs the servers under tracemalloc (slow: use a few hundred subscribers) and
prints, instead of latency, where the Python memory of an idle subscriber goes (gc collected,
allocations per subscriber grouped by file and line).

`--profile` runs the servers under cProfile (bench/profile_server.py) from the first change to
the last, and prints the functions that took the most time (the latency figures are then
meaningless); the statistics stay in the run's directory for `python -m pstats`.

`--mode local`: one server, the in-process bus. `--mode redis`: two servers sharing the database
through Redis pub/sub (REDIS_URL, a channel of its own); subscribers split over both, every
change made on the second, so half the deliveries cross processes. `--mode both` runs the two.
Targets on the 2-core machine: 1,000 subscribers, p99 under 250 ms, under 50 KB per subscriber.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx
import websockets

# What each kind of subscriber subscribes to, and where its messages carry the commit time.
SUBSCRIPTIONS = {
    "orderStatusChanged": "subscription($id: ID) { orderStatusChanged(orderId: $id) { at to order { id status } } }",
    "orderEvents": (
        "subscription { orderEvents { __typename ... on OrderEventBase { cursor at order { id name status } "
        "actor { name } } ... on StatusChangedEvent { from to reason } "
        "... on CommentAddedEvent { comment { body } } } }"
    ),
    "commentAdded": "subscription { commentAdded { id body createdAt author { name } order { id name } } }",
}
SENT_AT = {"orderStatusChanged": "at", "orderEvents": "at", "commentAdded": "createdAt"}  # see the docstring
# Which subscriptions hear a change of each kind.
HEARS = {"status": {"orderStatusChanged", "orderEvents"}, "comment": {"commentAdded", "orderEvents"}}
USERS = ["partner@demo.example", "supplier@demo.example", "provider@demo.example"]
TRACEMALLOC_LAUNCHER = Path(__file__).with_name("tracemalloc_server.py")
PROFILE_LAUNCHER = Path(__file__).with_name("profile_server.py")


def bound_socket(ports: str) -> socket.socket:
    """A socket bound to a free port of the range, handed to the server (`serve --fd`)."""
    first, last = (int(part) for part in ports.split("-"))
    for port in range(first, last + 1):
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        return sock
    raise RuntimeError(f"no free port in {ports}")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Server:
    def __init__(
        self,
        env: dict[str, str],
        log_dir: Path,
        name: str,
        ports: str,
        tracemalloc: bool = False,
        profile: bool = False,
    ):
        sock = bound_socket(ports)
        self.port = sock.getsockname()[1]
        self.log = open(log_dir / f"{name}.log", "w")  # noqa: SIM115
        if profile:
            self.report = log_dir / f"{name}.prof"
            launcher = [str(PROFILE_LAUNCHER), str(self.report)]
        else:
            self.report = log_dir / f"{name}.tracemalloc.txt"
            launcher = [str(TRACEMALLOC_LAUNCHER), str(self.report)] if tracemalloc else ["-m", "app.cli"]
        try:
            self.process = subprocess.Popen(
                [sys.executable, *launcher, "serve", "--fd", str(sock.fileno())],
                cwd=ROOT,
                env=env,
                stdout=self.log,
                stderr=subprocess.STDOUT,
                pass_fds=[sock.fileno()],
            )
        finally:
            sock.close()

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    async def ready(self, seconds: float = 30) -> None:
        async with httpx.AsyncClient(timeout=2) as http:
            for _ in range(int(seconds * 10)):
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited; see {self.log.name}")
                try:
                    if (await http.get(self.http.replace("/graphql", "/readyz"))).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("server not ready")

    async def signal_and_wait(self, signum: int, path: Path, seconds: float = 300) -> None:
        """Ask the tracemalloc (profile) launcher for a snapshot (to start) with SIGUSR1 or a report with
        SIGUSR2, and wait for it."""
        done = path.with_suffix(path.suffix + ".done")
        done.unlink(missing_ok=True)
        self.process.send_signal(signum)
        for _ in range(int(seconds * 10)):
            if done.exists():
                return
            await asyncio.sleep(0.1)
        raise RuntimeError("no tracemalloc answer")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def cli(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


class Subscriber:
    __slots__ = ("conn", "received", "task")

    def __init__(self, conn: Any):
        self.conn = conn
        self.received: list[tuple[float, str]] = []  # (receipt time, raw message)
        self.task: asyncio.Task | None = None

    async def read(self) -> None:
        try:
            async for raw in self.conn:
                self.received.append((time.time(), raw))
        except websockets.ConnectionClosed:
            pass


async def connect(url: str, token: str, order_gid: str, kinds: list[str], timeout: float) -> Subscriber:
    # Offers permessage-deflate, as browsers do: the server's setting decides (WS_PER_MESSAGE_DEFLATE).
    conn = await websockets.connect(url, subprotocols=["graphql-transport-ws"], open_timeout=timeout, max_queue=None)
    await conn.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
    ack = json.loads(await asyncio.wait_for(conn.recv(), timeout))
    assert ack["type"] == "connection_ack", ack
    for kind in kinds:
        variables = {"id": order_gid} if kind == "orderStatusChanged" else {}
        await conn.send(
            json.dumps(
                {"id": kind, "type": "subscribe", "payload": {"query": SUBSCRIPTIONS[kind], "variables": variables}}
            )
        )
    subscriber = Subscriber(conn)
    subscriber.task = asyncio.create_task(subscriber.read())
    return subscriber


async def mutate(http: httpx.AsyncClient, url: str, token: str, query: str, variables: dict) -> dict:
    response = await http.post(
        url, json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
    )
    body = response.json()
    assert not body.get("errors"), body
    payload = next(iter(body["data"].values()))
    assert not payload.get("errors"), payload
    return payload


SUBMIT = (
    """mutation($input: SubmitOrderInput!) { submitOrder(input: $input) { order { id } errors { code message } } }"""
)
SERVICES = """{ services(first: 10) { edges { node { id name } } } }"""


def step(name: str, extra: str = "") -> str:
    input_type = name[0].upper() + name[1:] + "Input"
    return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ errors {{ code message }} }} }}"


async def prepare_order(http: httpx.AsyncClient, url: str, tokens: dict[str, str]) -> str:
    """A fixed-price order taken to IN_PROGRESS through the real mutations."""
    services = (
        await http.post(
            url, json={"query": SERVICES}, headers={"Authorization": f"Bearer {tokens['partner@demo.example']}"}
        )
    ).json()
    service = next(
        e["node"]["id"]
        for e in services["data"]["services"]["edges"]
        if e["node"]["name"] == "Social Media Starter Pack"
    )
    order = (
        await mutate(
            http,
            url,
            tokens["partner@demo.example"],
            SUBMIT,
            {
                "input": {
                    "serviceId": service,
                    "name": "Bench order",
                    "origin": "MARKETPLACE",
                    "paymentMethod": "PARTNER_FUNDED",
                }
            },
        )
    )["order"]["id"]
    for action, user in (
        ("approveOrder", "supplier@demo.example"),
        ("acceptOrder", "provider@demo.example"),
        ("startWork", "provider@demo.example"),
    ):
        await mutate(http, url, tokens[user], step(action), {"input": {"orderId": order}})
    return order


async def make_change(http: httpx.AsyncClient, url: str, token: str, order: str, kind: str, k: int) -> None:
    """The k-th change of its kind: a comment, or a status change (IN_PROGRESS <-> AWAITING_INPUT)."""
    if kind == "comment":
        await mutate(http, url, token, step("addComment"), {"input": {"orderId": order, "body": f"note {k}"}})
    elif k % 2 == 0:
        await mutate(
            http, url, token, step("requestPartnerInput"), {"input": {"orderId": order, "message": f"question {k}"}}
        )
    else:
        await mutate(http, url, token, step("resumeWork"), {"input": {"orderId": order}})


async def make_users(database_url: str, count: int) -> list[str]:
    """`count` extra channel managers of the demo portal (each its own viewer); their tokens."""
    from sqlalchemy import select

    from app.auth import mint_token
    from app.db import Database
    from app.settings import Settings
    from models import Organization, User

    settings = Settings(database_url=database_url)
    db = Database(settings)
    try:
        async with db.write_session() as session:
            brand = await session.scalar(select(Organization).where(Organization.name == "Demo Brand"))
            users = [
                User(organization_id=brand.id, email=f"manager{i}@demo.example", name=f"Manager {i}")
                for i in range(count)
            ]
            session.add_all(users)
        return [mint_token(settings, user) for user in users]
    finally:
        await db.dispose()


def change_kinds(subscription: str, changes: int) -> list[str]:
    if subscription == "commentAdded":
        return ["comment"] * changes
    if subscription == "all":
        return ["status" if k % 2 == 0 else "comment" for k in range(changes)]
    return ["status"] * changes


async def run(mode: str, n: int, changes: int, args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="po-bench-subs-"))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        "PROVIDER_ORDERS_ENV": "development",
        "SUBSCRIPTION_QUEUE_SIZE": "1000",
        # Thousands of sockets from a handful of demo users: no per-user caps.
        "MAX_SOCKETS_PER_USER": "1000000",
        "MAX_OPERATIONS_PER_USER": "1000000",
        "MUTATION_RATE_LIMIT": "",
        "MAX_CONCURRENT_PER_USER": os.environ.get("MAX_CONCURRENT_REQUESTS", "16"),
    }
    if mode == "redis":
        env |= {"REDIS_URL": args.redis_url, "REDIS_CHANNEL": f"po-bench:{uuid.uuid4().hex}"}
    cli(env, "migrate")
    cli(env, "seed")
    tokens = {user: cli(env, "token", user) for user in USERS}
    subscriber_tokens = [tokens[user] for user in USERS]
    if args.distinct_users:
        subscriber_tokens = await make_users(env["DATABASE_URL"], args.distinct_users)
    kinds = list(SUBSCRIPTIONS) if args.subscription == "all" else [args.subscription]
    timeout = 300 if args.tracemalloc else 30
    servers = [
        Server(env, workdir, f"server{i}", args.ports, args.tracemalloc, args.profile)
        for i in range(2 if mode == "redis" else 1)
    ]
    subscribers: list[Subscriber] = []
    made: list[str] = []
    expected = 0  # messages each subscriber should have had by now
    try:
        await asyncio.gather(*(s.ready(timeout) for s in servers))
        writer = servers[-1]
        async with httpx.AsyncClient(timeout=30) as http:
            order = await prepare_order(http, writer.http, tokens)
            await asyncio.sleep(1.0)
            if args.tracemalloc:
                await asyncio.gather(*(s.signal_and_wait(signal.SIGUSR1, s.report) for s in servers))
            before = [rss_kb(s.process.pid) for s in servers]
            warm = None
            for start in range(0, n, 100):  # connect in batches
                batch = range(start, min(n, start + 100))
                subscribers += await asyncio.gather(
                    *(
                        connect(
                            servers[i % len(servers)].ws,
                            subscriber_tokens[i % len(subscriber_tokens)],
                            order,
                            kinds,
                            timeout,
                        )
                        for i in batch
                    )
                )
                if warm is None and n > 100:
                    await asyncio.sleep(1.0)
                    warm = [rss_kb(s.process.pid) for s in servers]
            await asyncio.sleep(2.0)  # idle: let the servers settle
            after = [rss_kb(s.process.pid) for s in servers]
            per_subscriber_kb = (sum(after) - sum(before)) / n
            marginal_kb = (sum(after) - sum(warm)) / (n - 100) if warm else None
            if args.tracemalloc:
                for s in servers:
                    await s.signal_and_wait(signal.SIGUSR2, s.report)
                return {
                    "mode": mode,
                    "subscribers": n,
                    "kb_per_idle_subscriber": per_subscriber_kb,
                    "marginal_kb": marginal_kb,
                    "reports": [s.report for s in servers],
                }

            provider = tokens["provider@demo.example"]
            if args.profile:
                await asyncio.gather(*(s.signal_and_wait(signal.SIGUSR1, s.report) for s in servers))
            started = time.perf_counter()
            for kind in change_kinds(args.subscription, changes):
                await make_change(http, writer.http, provider, order, kind, made.count(kind))
                made.append(kind)
                expected += len(HEARS[kind] & set(kinds))
                deadline = time.monotonic() + 5
                while any(len(s.received) < expected for s in subscribers) and time.monotonic() < deadline:
                    await asyncio.sleep(0.002)
            elapsed = time.perf_counter() - started
            if args.profile:
                await asyncio.gather(*(s.signal_and_wait(signal.SIGUSR2, s.report) for s in servers))
    finally:
        for s in subscribers:
            await s.conn.close()
        for s in servers:
            s.stop()

    latencies, missing, wrong, delivered = [], 0, 0, 0
    per_change: dict[str, list[float]] = {}
    for s in subscribers:
        messages = [(t, json.loads(raw)) for t, raw in s.received]
        data = [(t, m) for t, m in messages if m.get("type") == "next"]
        missing += expected - len(data)
        for t, m in data:
            event = (m["payload"].get("data") or {}).get(m["id"])
            if not event:
                wrong += 1
                continue
            delivered += 1
            if m["id"] == "commentAdded" and args.subscription == "all":
                continue  # no commit time (see the docstring)
            at = event[SENT_AT[m["id"]]]
            latency = (t - datetime.fromisoformat(at).timestamp()) * 1000
            latencies.append(latency)
            per_change.setdefault(at, []).append(latency)
    latencies.sort()
    slowest_per_change = [round(max(values)) for _, values in sorted(per_change.items())]
    return {
        "mode": mode,
        "users": len(subscriber_tokens),
        "subscribers": n,
        "changes": changes,
        "deliveries": delivered,
        "missing": missing,
        "errors": wrong,
        "p50_ms": statistics.median(latencies) if latencies else None,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] if latencies else None,
        "max_ms": latencies[-1] if latencies else None,
        "kb_per_idle_subscriber": per_subscriber_kb,
        "marginal_kb": marginal_kb,
        "changes_per_s": changes / elapsed,
        "slowest_per_change_ms": slowest_per_change,
        "reports": [s.report for s in servers] if args.profile else [],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--mode", choices=["local", "redis", "both"], default="both")
    parser.add_argument(
        "--subscription",
        choices=[*SUBSCRIPTIONS, "all"],
        default="orderStatusChanged",
        help="what each connection subscribes to (all: the three, on each connection)",
    )
    parser.add_argument(
        "--distinct-users",
        type=int,
        default=0,
        help="subscribe as this many different users (default: the order's partner, supplier "
        "and provider in turn); results are computed once per user and event",
    )
    parser.add_argument("--ports", default="8200-8299", help="the servers' port range (default 8200-8299)")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="report where an idle subscriber's Python memory goes instead of latency",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the servers under cProfile while the changes are made; print where the time goes "
        "(latency figures are then meaningless)",
    )
    parser.add_argument("--verbose", action="store_true", help="also print the slowest delivery of each change")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.subscribers + 256)), hard))
    modes = ["local", "redis"] if args.mode == "both" else [args.mode]
    try:  # the clients' side should not be the bottleneck: uvloop when there (uvicorn[standard] has it)
        import uvloop

        run_loop = uvloop.run
    except ImportError:
        run_loop = asyncio.run
    for mode in modes:
        result = run_loop(run(mode, args.subscribers, args.changes, args))
        marginal = result["marginal_kb"]
        memory = (
            f"{result['kb_per_idle_subscriber']:.1f} KB per idle subscriber (server RSS delta / N"
            + (f"; {marginal:.1f} KB from the 101st on" if marginal is not None else "")
            + ")"
        )
        if args.tracemalloc:  # RSS means nothing here: tracemalloc's own bookkeeping dwarfs it
            print(f"{mode:>5}: {result['subscribers']} {args.subscription} subscribers", flush=True)
            for report in result["reports"]:
                print(report.read_text(), flush=True)
            continue
        print(
            f"{result['mode']:>5}: {result['subscribers']} {args.subscription} subscribers ({result['users']} users)"
            f" x {result['changes']} changes = "
            f"{result['deliveries']} deliveries (missing {result['missing']}, errors {result['errors']}); "
            f"{'createdAt' if args.subscription == 'commentAdded' else 'commit'}->receipt "
            f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
            f"max {result['max_ms']:.1f} ms; {memory}; {result['changes_per_s']:.1f} changes/s",
            flush=True,
        )
        if args.verbose:
            print(f"       slowest delivery of each change (ms): {result['slowest_per_change_ms']}", flush=True)
        for report in result["reports"]:
            print(f"  profile of the changes: {report} (pstats); summary:", flush=True)
            print(report.with_suffix(report.suffix + ".txt").read_text(), flush=True)


if __name__ == "__main__":
    main()
