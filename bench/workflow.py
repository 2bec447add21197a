"""Benchmark of the order workflow mutations (a script, not a test): latency percentiles.

    .venv/bin/python bench/workflow.py                      # a fresh SQLite file in /tmp
    .venv/bin/python bench/workflow.py --database-url postgresql+asyncpg://postgres@127.0.0.1/po_bench

The database must be empty or absent (it is migrated and seeded with the demo portals). Mutations go
through the ASGI app over in-process HTTP (no network) as the demo users: per round a fixed-price
order is submitted, approved (MDF reserved), accepted, started and completed (spent); a comment is
added; and, on some rounds, a quote with 100 line items and a batch of 1,000 leads.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PROVIDER_ORDERS_ENV", "development")

import httpx
from sqlalchemy import select

from app.auth import mint_token
from app.db import Database
from app.migrate import upgrade
from app.seed import is_empty, seed_demo
from app.settings import Settings
from models import LedgerEntryKind, MdfFund, MdfLedgerEntry, User

PAYLOAD = "order { id status } errors { code message }"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench_workflow.db")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    settings = Settings(database_url=args.database_url, mutation_rate_limit="")  # every round's writes
    db = Database(settings)
    await upgrade(db.engine)
    async with db.write_session() as session:
        if not await is_empty(session):
            raise SystemExit("use an empty database")
        await seed_demo(session)
        fund = await session.scalar(select(MdfFund).where(MdfFund.name == "2026 Q4 MDF"))
        # Enough money for every round's approval.
        session.add(MdfLedgerEntry(fund_id=fund.id, kind=LedgerEntryKind.ALLOCATE, amount=10_000_000, memo="bench"))
        users = {u.email: u for u in await session.scalars(select(User))}

    from app.server import create_app

    app = create_app(settings, db)
    await app.state.bus.start()
    tokens = {email: mint_token(settings, user) for email, user in users.items()}
    timings: dict[str, list[float]] = defaultdict(list)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:

        async def call(name: str, as_: str, query: str, variables: dict[str, Any]) -> dict:
            started = time.perf_counter()
            response = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {tokens[as_]}"},
            )
            timings[name].append((time.perf_counter() - started) * 1000)
            body = response.json()
            assert response.status_code == 200 and not body.get("errors"), body
            payload = next(iter(body["data"].values()))
            assert payload["errors"] == [], payload["errors"]
            return payload

        ids = (
            await http.post(
                "/graphql",
                json={"query": "{ services(first: 10) { edges { node { id name } } } mdfFunds { id } }"},
                headers={"Authorization": f"Bearer {tokens['partner@demo.example']}"},
            )
        ).json()["data"]
        service = {e["node"]["name"]: e["node"]["id"] for e in ids["services"]["edges"]}
        fund_id = ids["mdfFunds"][0]["id"]

        def mutation(name: str, extra: str = "") -> str:
            input_type = name[0].upper() + name[1:] + "Input"
            return f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ {PAYLOAD} {extra} }} }}"

        for round_ in range(args.rounds):
            order = (
                await call(
                    "submitOrder",
                    "partner@demo.example",
                    mutation("submitOrder"),
                    {
                        "input": {
                            "serviceId": service["Social Media Starter Pack"],
                            "name": f"Bench {round_}",
                            "origin": "MARKETPLACE",
                            "paymentMethod": "MDF",
                            "mdfFundId": fund_id,
                            "notificationRecipients": ["boss@acme.example"],
                        }
                    },
                )
            )["order"]
            oid = {"orderId": order["id"]}
            await call("approveOrder", "supplier@demo.example", mutation("approveOrder"), {"input": oid})
            for name in ("acceptOrder", "startWork"):
                await call(name, "provider@demo.example", mutation(name), {"input": oid})
            await call(
                "addComment",
                "partner@demo.example",
                mutation("addComment"),
                {"input": {**oid, "body": "How is it going?"}},
            )
            if round_ % 10 == 0:
                leads = [{"name": f"Lead {i}", "email": f"lead{round_}-{i}@example.com"} for i in range(1000)]
                await call(
                    "addLeads (1000)", "provider@demo.example", mutation("addLeads"), {"input": {**oid, "leads": leads}}
                )
                quote_order = (
                    await call(
                        "submitOrder",
                        "partner@demo.example",
                        mutation("submitOrder"),
                        {
                            "input": {
                                "serviceId": service["SEO Consultation"],
                                "name": f"Bench quote {round_}",
                                "origin": "MARKETPLACE",
                                "paymentMethod": "PARTNER_FUNDED",
                            }
                        },
                    )
                )["order"]
                items = [{"description": f"Item {i}", "quantity": 2, "unitPrice": "99.99"} for i in range(100)]
                await call(
                    "submitQuote (100 items)",
                    "provider@demo.example",
                    mutation("submitQuote"),
                    {
                        "input": {
                            "orderId": quote_order["id"],
                            "plan": "plan",
                            "lineItems": items,
                            "estimatedCompletionOn": "2099-01-01",
                        }
                    },
                )
            await call("completeOrder", "provider@demo.example", mutation("completeOrder"), {"input": oid})

    await app.state.bus.close()
    await db.dispose()
    print(f"{args.rounds} rounds on {db.engine.dialect.name}; milliseconds per mutation (HTTP in-process)")
    print(f"{'mutation':<26}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}")
    for name, values in timings.items():
        values.sort()
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"{name:<26}{len(values):>5}{statistics.median(values):>9.1f}{p95:>9.1f}{values[-1]:>9.1f}")


if __name__ == "__main__":
    asyncio.run(main())
