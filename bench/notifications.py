"""Notification e-mail throughput: how fast the delivery worker drains the outbox.

    .venv/bin/python bench/notifications.py                    # SQLite, 1000 e-mails, 1 and 2 workers
    .venv/bin/python bench/notifications.py --postgresql --emails 2000

Fills a fresh demo database's outbox with status-change notifications (as `record_event`
writes them), then drains it with 1 and with 2 concurrent workers into an aiosmtpd server on
loopback (port 8450-8499), and prints e-mails per second, the cost of writing notifications
inside the change's transaction, and checks that every e-mail arrived exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PROVIDER_ORDERS_ENV", "test")

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import Database
from app.delivery import deliver_due
from app.migrate import upgrade
from app.seed import seed_demo
from app.settings import Settings
from models import OrderStatus
from tests.mail import SmtpServer
from tests.notify_helpers import move, submit

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


async def admin(sql: str) -> None:
    engine = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(sql))
    await engine.dispose()


async def run_once(args: argparse.Namespace, server: SmtpServer, workers: int) -> None:
    name = f"po_bench_notify_{uuid.uuid4().hex[:8]}"
    if args.postgresql:
        await admin(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite+aiosqlite:////tmp/{name}.db"
    settings = Settings(database_url=url, smtp_host="127.0.0.1", smtp_port=server.port, comment_digest_seconds=0)
    dbs = [Database(settings) for _ in range(workers)]
    try:
        await upgrade(dbs[0].engine)
        async with dbs[0].write_session() as session:
            await seed_demo(session)
        # A fixed-price order with a recipient: its submission notifies 2 people, its approval 3.
        changes = max(1, args.emails // 5)
        started = time.perf_counter()
        for n in range(changes):
            order_id = await submit(
                dbs[0], service_name="Social Media Starter Pack", recipients=("boss@acme.example",), name=f"Order {n}"
            )
            await move(dbs[0], order_id, OrderStatus.APPROVED, "supplier@demo.example", action="APPROVE_ORDER")
        write_s = time.perf_counter() - started
        server.handler.reset()
        started = time.perf_counter()
        results = await asyncio.gather(*(deliver_due(db, settings) for db in dbs))
        send_s = time.perf_counter() - started
        sent = sum(r.sent for r in results)
        ids = [m.message["Message-ID"] for m in server.handler.received]
        print(
            f"{'PostgreSQL' if args.postgresql else 'SQLite'}, {workers} worker(s): "
            f"{sent} e-mails in {send_s:.2f} s = {sent / send_s:.0f} e-mails/s; "
            f"per worker {[r.sent for r in results]}; duplicates {len(ids) - len(set(ids))}; "
            f"writing {2 * changes} changes with their notifications: {1000 * write_s / (2 * changes):.1f} ms each"
        )
    finally:
        for db in dbs:
            await db.dispose()
        if args.postgresql:
            await admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(f"/tmp/{name}.db{suffix}").unlink(missing_ok=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    server = SmtpServer().start()
    try:
        for workers in (1, 2):
            await run_once(args, server, workers)
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
