"""Ending access: a deactivated user or organisation, or revoked tokens, are refused over HTTP
and WebSocket; open sockets close with 4403 in every process (the bus message, the periodic
re-check, the re-check before each operation)."""

from __future__ import annotations

import asyncio
import os
import uuid
from contextlib import AsyncExitStack

import httpx
from sqlalchemy import update

from app.auth import mint_token
from app.db import Database
from app.server import create_app
from app.settings import Settings
from domain import accounts
from models import Organization, User
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.live import WS, Live, running_server
from tests.servers import LiveServer
from tests.test_subscriptions import STATUS_CHANGED

VIEWER = "{ viewer { user { email } } }"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def revoke(db: Database, bus, email: str) -> None:
    async def change(session):
        await accounts.revoke_tokens(session, await accounts.find_user(session, email))

    await accounts.apply(db, bus, change)


async def deactivate_user(db: Database, bus, email: str, active: bool = False) -> None:
    async def change(session):
        await accounts.set_user_active(session, await accounts.find_user(session, email), active)

    await accounts.apply(db, bus, change)


async def deactivate_organization(db: Database, bus, name: str, active: bool = False) -> None:
    async def change(session):
        await accounts.set_organization_active(session, await accounts.find_organization(session, name), active)

    await accounts.apply(db, bus, change)


async def test_a_revoked_token_is_refused_over_http_and_a_new_one_works(gql, db, app) -> None:
    old = await gql.token(PARTNER)
    assert (await gql.data(VIEWER))["viewer"]["user"]["email"] == PARTNER
    await revoke(db, app.state.bus, PARTNER)
    body = (await gql.http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {old}"})).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "token revoked" in body["errors"][0]["message"]
    gql._tokens.clear()
    assert (await gql.data(VIEWER))["viewer"]["user"]["email"] == PARTNER


async def test_deactivated_users_and_organisations_are_refused_over_http(gql, db, app) -> None:
    for email in (PARTNER, PROVIDER):
        await gql.token(email)
    await deactivate_user(db, app.state.bus, PARTNER)
    await deactivate_organization(db, app.state.bus, "Taylor Marketing")
    for email in (PARTNER, PROVIDER):
        body = await gql(VIEWER, as_=email)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
    assert (await gql.data(VIEWER, as_=SUPPLIER))["viewer"]["user"]["email"] == SUPPLIER
    await deactivate_user(db, app.state.bus, PARTNER, active=True)
    await deactivate_organization(db, app.state.bus, "Taylor Marketing", active=True)
    for email in (PARTNER, PROVIDER):  # back, with new tokens: those minted before stay refused
        body = await gql(VIEWER, as_=email)
        assert "token revoked" in body["errors"][0]["message"], body
    gql._tokens.clear()
    for email in (PARTNER, PROVIDER):
        assert (await gql.data(VIEWER, as_=email))["viewer"]["user"]["email"] == email


async def test_deactivating_a_user_closes_its_sockets_through_the_in_memory_bus(serve) -> None:
    live: Live = await serve(access_recheck_seconds=600)  # only the bus message can close them in time
    async with AsyncExitStack() as stack:
        mine = [await live.client(stack, PARTNER) for _ in range(2)]
        other = await live.client(stack, SUPPLIER)
        for ws in (*mine, other):
            await ws.subscribe("s", STATUS_CHANGED)
        await live.subscribed(3)
        await deactivate_user(live.db, live.bus, PARTNER)
        for ws in mine:
            assert await ws.closed(timeout=3) == (4403, "Forbidden: access revoked")
        await other.nothing(0.2)  # another user's socket lives on
        await other.send({"id": "q", "type": "subscribe", "payload": {"query": VIEWER}})
        assert (await other.next())["payload"]["data"]["viewer"]["user"]["email"] == SUPPLIER
        # The deactivated user cannot connect again.
        ws = await stack.enter_async_context(WS.connect(live.url))
        await ws.send({"type": "connection_init", "payload": {"authorization": f"Bearer {await live.token(PARTNER)}"}})
        assert (await ws.closed())[0] == 4403


async def test_a_lost_bus_message_is_made_up_for_by_the_periodic_recheck(serve) -> None:
    live: Live = await serve(access_recheck_seconds=0.3)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PROVIDER)
        await ws.subscribe("s", STATUS_CHANGED)
        await live.subscribed(1)
        async with live.db.write_session() as session:  # committed, never published
            await session.execute(
                update(Organization).where(Organization.name == "Taylor Marketing").values(is_active=False)
            )
        assert await ws.closed(timeout=3) == (4403, "Forbidden: access revoked")


async def test_every_operation_on_an_open_socket_rechecks_the_viewer(serve) -> None:
    live: Live = await serve(access_recheck_seconds=600)
    async with AsyncExitStack() as stack:
        ws = await live.client(stack, PARTNER)
        await ws.send({"id": "1", "type": "subscribe", "payload": {"query": VIEWER}})
        assert (await ws.next())["payload"]["data"]["viewer"]["user"]["email"] == PARTNER
        assert (await ws.receive())["type"] == "complete"
        async with live.db.write_session() as session:  # revoked, never published
            await session.execute(
                update(User).where(User.email == PARTNER).values(token_version=User.token_version + 1)
            )
        await ws.send({"id": "2", "type": "subscribe", "payload": {"query": VIEWER}})
        assert await ws.closed(timeout=3) == (4403, "Forbidden: access revoked")
        assert not any(m.get("type") == "next" for m in ws.drained), ws.drained


async def test_revoking_closes_a_socket_of_another_process_through_redis(database_url: str) -> None:
    """Two app instances sharing the database and a Redis channel: the change made through one
    closes the socket held by the other."""
    channel = f"po-test:{uuid.uuid4().hex}"
    async with AsyncExitStack() as stack:
        apps = []
        for _ in range(2):
            settings = Settings(
                database_url=database_url,
                PROVIDER_ORDERS_ENV="test",
                redis_url=REDIS_URL,
                redis_channel=channel,
                access_recheck_seconds=600,
            )
            db = Database(settings)
            stack.push_async_callback(db.dispose)
            app = create_app(settings, db)
            url = await stack.enter_async_context(running_server(app))
            apps.append((Live(url, db, app, settings), app))
        (holder, holder_app), (writer, writer_app) = apps
        await holder_app.state.bus.wait_connected()
        ws = await holder.client(stack, PROVIDER)
        await ws.subscribe("s", STATUS_CHANGED)
        await holder.subscribed(1)
        await asyncio.sleep(0.2)  # the holder's watcher listens on the bus
        await revoke(writer.db, writer_app.state.bus, PROVIDER)
        assert await ws.closed(timeout=5) == (4403, "Forbidden: access revoked")
        assert len(holder_app.state.graphql.sockets) == 0


async def test_the_cli_deactivates_an_organisation_and_a_server_process_closes_its_sockets(
    database_url: str,
) -> None:
    """`provider-orders deactivate-organization` in its own process, a server in another, Redis between."""
    channel = f"po-test:{uuid.uuid4().hex}"
    env = {"REDIS_URL": REDIS_URL, "REDIS_CHANNEL": channel, "ACCESS_RECHECK_SECONDS": "600"}
    async with AsyncExitStack() as stack:
        server = await stack.enter_async_context(LiveServer(database_url, env=env, ports="8200-8299"))
        settings = Settings(database_url=database_url)
        db = Database(settings)
        stack.push_async_callback(db.dispose)
        async with db.read_session() as session:
            token = mint_token(settings, await accounts.find_user(session, PROVIDER))
        ws = await stack.enter_async_context(WS.connect(f"ws://127.0.0.1:{server.port}/graphql"))
        assert (await ws.init(token))["type"] == "connection_ack"
        await ws.subscribe("s", STATUS_CHANGED)
        await asyncio.sleep(0.5)  # subscribed, and the server's watcher listens on the bus
        done = await asyncio.to_thread(server.cli, "deactivate-organization", "Taylor Marketing")
        assert "Taylor Marketing" in done.stderr
        assert await ws.closed(timeout=5) == (4403, "Forbidden: access revoked")
        missing = await asyncio.to_thread(server.cli, "revoke-tokens", "nobody@demo.example", check=False)
        assert missing.returncode != 0 and "user not found" in missing.stderr
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            body = (
                await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
            ).json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
