"""The `provider-orders` command: migrate, seed, token, create-portal, sweep-quotes, serve, deliver, and ending
(or restoring) access: deactivate-user, reactivate-user, deactivate-organization,
reactivate-organization, revoke-tokens."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys

import uvicorn
from sqlalchemy import select

from app.auth import mint_token
from app.db import Database
from app.delivery import deliver_due, run_worker
from app.logging import configure_logging
from app.migrate import upgrade
from app.seed import is_empty, seed_demo, seed_demo_orders
from app.seed_bench import seed_bench
from app.settings import Environment, SettingsError, get_settings
from app.websocket import uvicorn_websocket_options
from app.workers import ReusePortMultiprocess, reuse_port_supported, serve_inherited
from domain import accounts
from domain.admin.portals import create_portal
from domain.claims import expired_claim_orders, release_expired
from domain.errors import DomainError
from domain.events import event_message
from domain.quotes import sweep_expired_quotes
from domain.unit_of_work import unit_of_work
from models import User
from models.base import utcnow
from subscriptions.redis_bus import create_bus


async def _migrate() -> None:
    db = Database(get_settings())
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()


async def _seed(if_empty: bool) -> None:
    settings = get_settings()
    db = Database(settings)
    try:
        async with db.write_session() as session:
            if not await is_empty(session):
                print("database already has data; not seeding" if if_empty else "database not empty", file=sys.stderr)
                if not if_empty:
                    raise SystemExit(1)
                return
            await seed_demo(session)
            await seed_demo_orders(session, settings)
        print("seeded the demo portals and orders", file=sys.stderr)
    finally:
        await db.dispose()


async def _seed_bench(orders: int, database_url: str | None, seed: int) -> None:
    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    db = Database(settings)
    try:
        await upgrade(db.engine)
        await seed_bench(db, orders, seed=seed, log=lambda line: print(line, file=sys.stderr))
    finally:
        await db.dispose()


async def _token(email: str, ttl: int | None) -> str:
    settings = get_settings()
    db = Database(settings)
    try:
        async with db.read_session() as session:
            user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    finally:
        await db.dispose()
    if user is None or not user.is_active:
        raise SystemExit(f"no user with e-mail {email!r} in {settings.database_url}")
    return mint_token(settings, user, ttl)


async def _create_portal(name: str, supplier_email: str, supplier_name: str) -> str:
    """Migrate (an empty database is fine), then make the portal, its supplier and first ADMIN;
    in development, the ADMIN's token (elsewhere: `provider-orders token EMAIL`)."""
    settings = get_settings()
    db = Database(settings)
    try:
        await upgrade(db.engine)
        async with unit_of_work(db.write_session(), settings) as uow:
            portal, admin = await create_portal(uow, name, supplier_email, supplier_name)
            summary = f"portal {portal.name!r} (id {portal.id}): supplier ADMIN {admin.email}"
        async with db.read_session() as session:
            admin = await session.get_one(User, admin.id)
    except DomainError as error:
        raise SystemExit(f"create-portal: {error.message}") from None
    finally:
        await db.dispose()
    print(f"created {summary}", file=sys.stderr)
    if settings.env is Environment.DEVELOPMENT:
        return mint_token(settings, admin)
    return f"mint the ADMIN's token with: provider-orders token {admin.email}"


ACCESS_COMMANDS = {
    "deactivate-user": "refuse a user from now on and close the user's open WebSockets",
    "reactivate-user": "let a deactivated user sign in again (with a token minted from now on)",
    "deactivate-organization": "refuse every user of an organisation and close their open WebSockets",
    "reactivate-organization": "let a deactivated organisation's users sign in again (with new tokens)",
    "revoke-tokens": "refuse every token minted for a user so far and close the user's open WebSockets",
}


async def _access(command: str, key: str) -> str:
    """Change, commit, then tell every server process on the bus (REDIS_URL: all of them)."""
    settings = get_settings()
    db = Database(settings)
    bus = create_bus(settings.redis_url, channel=settings.redis_channel)

    async def change(session):
        if command.endswith("-organization"):
            org = await accounts.find_organization(session, key)
            users = await accounts.set_organization_active(session, org, command.startswith("reactivate"))
            return f"organisation {org.name!r} (id {org.id}, {len(users)} user(s))"
        user = await accounts.find_user(session, key)
        if command == "revoke-tokens":
            await accounts.revoke_tokens(session, user)
        else:
            await accounts.set_user_active(session, user, command.startswith("reactivate"))
        return f"user {user.email} (id {user.id})"

    try:
        return await accounts.apply(db, bus, change)
    except DomainError as error:
        raise SystemExit(f"{command}: {error.message}: {key!r}") from None
    finally:
        await bus.close()
        await db.dispose()


async def _sweep_quotes() -> int:
    db = Database(get_settings())
    try:
        async with db.write_session() as session:
            return await sweep_expired_quotes(session)
    finally:
        await db.dispose()


async def _sweep_claims() -> int:
    """Release the reservations of orders past their portal's claim deadline (one transaction
    each; the events are published on the bus, and stored for replay regardless)."""
    settings = get_settings()
    db = Database(settings)
    bus = create_bus(settings.redis_url, channel=settings.redis_channel)
    await bus.start()
    released = 0
    try:
        now = utcnow()
        async with db.read_session() as session:
            due = await expired_claim_orders(session, now)
        for order_id in due:
            async with unit_of_work(db.write_session(), settings) as uow:
                done = await release_expired(uow, order_id, now)
            if done:
                released += 1
                for event in uow.events:
                    await bus.publish(event_message(event))
        return released
    finally:
        await bus.close()
        await db.dispose()


async def _deliver(once: bool) -> None:
    settings = get_settings()
    if not settings.smtp_host:
        raise SystemExit("SMTP_HOST is not set: e-mail is off (in-app notifications still work)")
    db = Database(settings)
    try:
        if once:
            stats = await deliver_due(db, settings)
            print(f"sent {stats.sent}, retrying {stats.retrying}, failed {stats.failed}", file=sys.stderr)
        else:
            await run_worker(db, settings)
    finally:
        await db.dispose()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_count(value: str) -> int:
    """`--workers`: a number of processes, or `auto` for one per usable core."""
    if value == "auto":
        return usable_cores()
    try:
        count = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of processes or 'auto', not {value!r}") from None
    if count < 1:
        raise argparse.ArgumentTypeError("at least 1 worker")
    return count


def serve_advice(workers: int, redis_url: str | None, cores: int) -> list[str]:
    """What an operator should hear about a worker count before the server starts."""
    advice = []
    if workers > 1 and not redis_url:
        advice.append(
            f"{workers} workers without REDIS_URL: a subscriber hears only the changes made in its own process"
        )
    if workers > cores:
        # Two workers alternating on a core evict each other's caches (docs/benchmarks.md, load test).
        advice.append(
            f"{workers} workers on {cores} cores: workers take turns on the cores, each turn costs "
            f"the caches, and {cores} workers usually serve more"
        )
    return advice


def _serve(host: str, port: int, workers: int, fd: int | None = None) -> None:
    configure_logging()
    settings = get_settings()
    try:
        settings.check_secret()
    except SettingsError as exc:
        raise SystemExit(f"provider-orders: {exc}") from None
    for advice in serve_advice(workers, settings.redis_url, usable_cores()):
        logging.getLogger("provider_orders.cli").warning(advice)
    options = dict(
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        timeout_graceful_shutdown=10,
        **uvicorn_websocket_options(settings),
    )
    if fd is not None:
        # Not uvicorn's `fd`: it would take the socket for a Unix-domain one (app.workers.inherited_socket).
        with contextlib.suppress(KeyboardInterrupt):
            serve_inherited(uvicorn.Config("app.main:app", **options), fd)
        return
    if workers > 1 and reuse_port_supported():
        # One listening socket per worker, so that connections spread over the workers
        # (app.workers); an inherited socket (--fd) can only be shared.
        with contextlib.suppress(KeyboardInterrupt):
            ReusePortMultiprocess(uvicorn.Config("app.main:app", **options)).run()
        return
    uvicorn.run("app.main:app", **options)  # an import string: each worker process builds its own app


def main(argv: list[str] | None = None) -> None:
    try:
        settings = get_settings()
    except SettingsError as exc:  # one line for the operator, no traceback
        raise SystemExit(f"provider-orders: {exc}") from None
    parser = argparse.ArgumentParser(prog="provider-orders", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations")
    seed = commands.add_parser("seed", help="seed the demo data")
    seed.add_argument("--if-empty", action="store_true", help="do nothing when the database has data")
    bench = commands.add_parser("seed-bench", help="build a large synthetic portal for benchmarks")
    bench.add_argument("--orders", type=int, default=200_000, help="how many orders (default 200000)")
    bench.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    bench.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    token = commands.add_parser("token", help="print a bearer token for a user")
    token.add_argument("email")
    token.add_argument("--ttl", type=int, default=None, help="seconds the token is valid")
    portal = commands.add_parser("create-portal", help="make a portal with its supplier and first ADMIN")
    portal.add_argument("--name", required=True, help="the portal's name")
    portal.add_argument("--supplier-email", required=True, help="the supplier ADMIN's e-mail address")
    portal.add_argument("--supplier-name", required=True, help="the supplier organisation's name")
    commands.add_parser("sweep-quotes", help="mark open quotes past their expiry EXPIRED (run it from cron)")
    commands.add_parser(
        "sweep-claims", help="release MDF reservations of orders past their claim deadline (run it from cron)"
    )
    for name, help_text in ACCESS_COMMANDS.items():
        access = commands.add_parser(name, help=help_text)
        access.add_argument("key", metavar="NAME-OR-ID" if name.endswith("-organization") else "EMAIL")
    serve = commands.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default=settings.host)
    serve.add_argument("--port", type=int, default=settings.port)
    serve.add_argument(
        "--workers",
        type=worker_count,
        default=1,
        help="server processes, or 'auto' for one per core (use REDIS_URL with more than one)",
    )
    serve.add_argument("--fd", type=int, default=None, help="serve on this already-bound socket (socket activation)")
    deliver = commands.add_parser("deliver", help="send notification e-mails (runs until stopped)")
    deliver.add_argument("--once", action="store_true", help="send what is due now, then exit")
    args = parser.parse_args(argv)

    if args.command == "migrate":
        asyncio.run(_migrate())
    elif args.command == "seed":
        asyncio.run(_seed(args.if_empty))
    elif args.command == "seed-bench":
        asyncio.run(_seed_bench(args.orders, args.database_url, args.seed))
    elif args.command == "token":
        print(asyncio.run(_token(args.email, args.ttl)))
    elif args.command == "create-portal":
        print(asyncio.run(_create_portal(args.name, args.supplier_email, args.supplier_name)))
    elif args.command in ACCESS_COMMANDS:
        print(f"{args.command}: {asyncio.run(_access(args.command, args.key))}", file=sys.stderr)
    elif args.command == "sweep-quotes":
        print(f"{asyncio.run(_sweep_quotes())} quote(s) marked EXPIRED", file=sys.stderr)
    elif args.command == "sweep-claims":
        print(f"{asyncio.run(_sweep_claims())} order(s) past the claim deadline released", file=sys.stderr)
    elif args.command == "serve":
        _serve(args.host, args.port, args.workers, args.fd)
    elif args.command == "deliver":
        configure_logging()
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_deliver(args.once))


if __name__ == "__main__":
    main()
