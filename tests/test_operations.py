"""Running in production: probes, logs, timeouts, shutdown, and a database that goes away."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import signal
from types import SimpleNamespace

import httpx
import pytest
import websockets
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from app.db import Database
from app.logging import JsonFormatter, RequestIdFilter
from app.server import create_app
from app.settings import Settings
from domain.ids import to_global_id
from resolvers.context import Context, ServiceUnavailable
from resolvers.mutations.runner import run_mutation
from tests.conftest import BACKEND, PARTNER, SUPPLIER, requires_postgresql
from tests.servers import LiveServer, TcpProxy, bind_free_port

VIEWER = "{ viewer { user { email } } }"


async def test_healthz_and_readyz_when_everything_is_up(client) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.fixture
def unreachable_database_url(tmp_path):
    if BACKEND == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/orders.db"
        return
    closed = bind_free_port()  # bound, never listening: connections are refused
    yield f"postgresql+asyncpg://postgres@127.0.0.1:{closed.getsockname()[1]}/nowhere"
    closed.close()


async def test_unreachable_database_readyz_503_and_requests_say_service_unavailable(
    gql, unreachable_database_url
) -> None:
    token = await gql.token(PARTNER)
    settings = Settings(database_url=unreachable_database_url, PROVIDER_ORDERS_ENV="test")
    down = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=down), base_url="http://t") as http:
        assert (await http.get("/healthz")).status_code == 200  # the process is alive
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unavailable")
        response = await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    await down.state.db.dispose()


async def test_json_logs_carry_the_request_id(client, gql) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        response = await gql.raw(VIEWER, as_=PARTNER, headers={"X-Request-ID": "trace-me-42"})
        unnamed = await gql.raw(VIEWER, as_=PARTNER)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert response.headers["x-request-id"] == "trace-me-42"
    generated = unnamed.headers["x-request-id"]
    assert generated and generated != "trace-me-42"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line["message"] == "request"]
    assert {line.get("request_id") for line in access} == {"trace-me-42", generated}
    first = next(line for line in access if line["request_id"] == "trace-me-42")
    assert first["path"] == "/graphql" and first["status"] == 200 and first["method"] == "POST"
    assert isinstance(first["duration_ms"], float)


@requires_postgresql
async def test_statement_timeout_from_settings(database_url, gql) -> None:
    token = await gql.token(PARTNER)
    settings = Settings(database_url=database_url, PROVIDER_ORDERS_ENV="test", db_statement_timeout_ms=300)
    slow_db = Database(settings)
    application = create_app(settings, slow_db)
    try:
        async with slow_db.read_session() as session:
            assert await session.scalar(text("SHOW statement_timeout")) == "300ms"
        # Someone holds a lock the viewer lookup needs: the request gives up instead of hanging.
        locker = Database(Settings(database_url=database_url))
        async with locker.write_session() as session:
            await session.execute(text("LOCK TABLE user_account IN ACCESS EXCLUSIVE MODE"))
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as http:
                response = await http.post(
                    "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
                )
        await locker.dispose()
        assert response.status_code == 503
        assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    finally:
        await slow_db.dispose()


IDLE = 0.2  # the proxied app checks pooled connections idle longer than this before reuse


@pytest.fixture
async def proxied(database_url, gql):
    """An app whose database connections go through a proxy the test can cut."""
    url = make_url(database_url)
    proxy = await TcpProxy(url.host, url.port).start()
    settings = Settings(
        database_url=url.set(port=proxy.port).render_as_string(hide_password=False),
        PROVIDER_ORDERS_ENV="test",
        db_connect_timeout=2,
        db_ping_after_idle_seconds=IDLE,
    )
    application = create_app(settings)
    transport = httpx.ASGITransport(app=application)
    token = await gql.token(PARTNER)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://t", headers={"Authorization": f"Bearer {token}"}
    ) as http:
        yield SimpleNamespace(proxy=proxy, http=http, app=application, settings=settings)
    await application.state.db.dispose()
    await proxy.close()


async def viewer_email(http: httpx.AsyncClient) -> httpx.Response:
    return await http.post("/graphql", json={"query": VIEWER})


@requires_postgresql
async def test_database_gone_mid_query_then_back(proxied) -> None:
    http, proxy = proxied.http, proxied.proxy
    assert (await viewer_email(http)).json()["data"]["viewer"]["user"]["email"] == PARTNER

    # The connection breaks while the query is running (after the viewer was looked up).
    engine = proxied.app.state.db.engine.sync_engine

    def cut_on_viewer_query(_conn, _cursor, statement, *_args) -> None:
        if "FROM organization" in statement:
            proxy.cut_connections()

    event.listen(engine, "before_cursor_execute", cut_on_viewer_query)
    try:
        body = (await http.post("/graphql", json={"query": "{ viewer { organization { name } } }"})).json()
    finally:
        event.remove(engine, "before_cursor_execute", cut_on_viewer_query)
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "try again" in body["errors"][0]["message"]

    # The database is gone altogether: clear errors, readiness fails, liveness holds.
    await proxy.cut()
    response = await viewer_email(http)
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert (await http.get("/readyz")).status_code == 503
    assert (await http.get("/healthz")).status_code == 200

    # Back: the same process serves again (dead pooled connections are replaced).
    await proxy.restore()
    assert (await http.get("/readyz")).status_code == 200
    assert (await viewer_email(http)).json()["data"]["viewer"]["user"]["email"] == PARTNER


@requires_postgresql
async def test_database_gone_mid_mutation_is_service_unavailable_and_writes_nothing(proxied, db) -> None:
    app_db = proxied.app.state.db
    context = Context(db=app_db, settings=proxied.settings, bus=proxied.app.state.bus, request_id="t")
    context.viewer = SimpleNamespace(user_id=1)
    published: list = []
    context.bus = SimpleNamespace(publish=lambda message: published.append(message))

    async def write_then_lose_the_database(uow, _viewer):
        await uow.session.execute(
            text("UPDATE organization SET name = 'lost' WHERE id = (SELECT min(id) FROM organization)")
        )
        proxied.proxy.cut_connections()
        await uow.session.execute(text("SELECT 1"))

    with pytest.raises(ServiceUnavailable) as raised:
        info = SimpleNamespace(context=context, selected_fields=[SimpleNamespace(arguments={})])
        await run_mutation(info, write_then_lose_the_database)
    assert raised.value.extensions == {"code": "SERVICE_UNAVAILABLE"}
    assert published == []
    async with db.read_session() as session:
        assert await session.scalar(text("SELECT count(*) FROM organization WHERE name = 'lost'")) == 0
    # The next request gets a fresh connection.
    assert (await viewer_email(proxied.http)).json()["data"]["viewer"]["user"]["email"] == PARTNER


@requires_postgresql
async def test_idle_connections_killed_by_the_server_are_replaced_silently(proxied, database_url) -> None:
    """A restart or failover while the pool is idle: nobody sees an error."""
    assert (await viewer_email(proxied.http)).status_code == 200
    admin = Database(Settings(database_url=database_url))
    async with admin.write_session() as session:
        killed = await session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    await admin.dispose()
    assert killed >= 1
    await asyncio.sleep(IDLE * 1.5)
    response = await viewer_email(proxied.http)
    assert response.json()["data"]["viewer"]["user"]["email"] == PARTNER


async def test_migrate_seed_token_and_serve_with_workers(empty_database_url) -> None:
    server = LiveServer(empty_database_url, workers=2)
    assert server.cli("migrate").returncode == 0
    assert server.cli("seed", "--if-empty").returncode == 0
    token = server.cli("token", SUPPLIER).stdout.strip()
    async with server:
        async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as http:
            for _ in range(6):  # spread over both workers
                response = await http.post("/graphql", json={"query": VIEWER}, headers={"X-Request-ID": "live-7"})
                assert response.json()["data"]["viewer"]["user"]["email"] == SUPPLIER
        server.signal(signal.SIGTERM)
        await server.wait(30)
        lines = [json.loads(line) for line in server.output().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("message") == "request" and line.get("request_id") == "live-7"]
    assert len(access) == 6
    assert any("Application shutdown complete" in line["message"] for line in lines)


async def test_graceful_shutdown_finishes_requests_and_closes_websockets_with_1001(database_url, gql) -> None:
    token = await gql.token(PARTNER)
    async with LiveServer(database_url) as server:
        ws = await websockets.connect(f"ws://127.0.0.1:{server.port}/graphql", subprotocols=["graphql-transport-ws"])
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"

        # A request in flight: headers and half of the body sent when the server is told to stop.
        body = json.dumps({"query": VIEWER}).encode()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(
            b"POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body[:10]
        )
        await writer.drain()
        await asyncio.sleep(0.3)
        server.signal(signal.SIGTERM)

        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001

        writer.write(body[10:])
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        head, _, payload = response.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        assert json.loads(payload)["data"]["viewer"]["user"]["email"] == PARTNER
        await server.wait(20)


async def test_redis_down_the_api_keeps_serving_queries_and_mutations(database_url, gql, db) -> None:
    closed = bind_free_port()  # bound, never listening: Redis "is down"
    settings = Settings(
        database_url=database_url,
        PROVIDER_ORDERS_ENV="test",
        redis_url=f"redis://127.0.0.1:{closed.getsockname()[1]}/0",
    )
    application = create_app(settings)
    token = await gql.token(PARTNER)
    from models import OrderStatus
    from tests import factories

    async with db.write_session() as session:
        order = await factories.make_order(
            session, status=OrderStatus.IN_PROGRESS, service_name="Social Media Starter Pack"
        )
        order_id = order.id
    try:
        await application.state.bus.start()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application),
            base_url="http://t",
            headers={"Authorization": f"Bearer {token}"},
        ) as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"] == {"database": "ok", "redis": "unavailable"}
            assert (await viewer_email(http)).json()["data"]["viewer"]["user"]["email"] == PARTNER
            body = (
                await http.post(
                    "/graphql",
                    json={
                        "query": 'mutation($id: ID!) { addComment(input: {orderId: $id, body: "Redis is down"}) '
                        "{ comment { body } errors { code } } }",
                        "variables": {"id": to_global_id("Order", order_id)},
                    },
                )
            ).json()
        assert body["data"]["addComment"] == {"comment": {"body": "Redis is down"}, "errors": []}
    finally:
        await application.state.bus.close()
        await application.state.db.dispose()
        closed.close()


async def test_requests_past_the_concurrency_limit_wait_their_turn(database_url, gql) -> None:
    token = await gql.token(PARTNER)
    settings = Settings(database_url=database_url, PROVIDER_ORDERS_ENV="test", max_concurrent_requests=2)
    application = create_app(settings)
    view = application.state.graphql
    running, most = 0, 0
    run = view.run

    async def counted_run(request):
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            await asyncio.sleep(0.01)
            return await run(request)
        finally:
            running -= 1

    view.run = counted_run
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application),
            base_url="http://t",
            headers={"Authorization": f"Bearer {token}"},
        ) as http:
            responses = await asyncio.gather(*(viewer_email(http) for _ in range(10)))
    finally:
        await application.state.db.dispose()
    assert [r.json()["data"]["viewer"]["user"]["email"] for r in responses] == [PARTNER] * 10
    assert most == 2
