"""CORS_ORIGINS: one list for CORS and the WebSocket handshake, checked with real handshakes."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

import httpx
import pytest
import websockets

from app.db import Database
from app.server import create_app
from app.settings import Settings, SettingsError, get_settings
from tests.conftest import PARTNER
from tests.live import TRANSPORT_WS, WS, Live, running_server
from tests.test_posture import serve as serve_cli

SPA = "http://localhost:5173"
VIEWER = "{ viewer { user { email } } }"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://localhost:5173", ["http://localhost:5173"]),
        (
            " http://localhost:5173 , https://Portal.Example.com:443/ ",
            ["http://localhost:5173", "https://portal.example.com"],
        ),
        ('["http://localhost:5173", "http://[::1]:3000"]', ["http://localhost:5173", "http://[::1]:3000"]),
        ("*", ["*"]),
        ("", []),
    ],
)
def test_origins_comma_separated_or_json(monkeypatch, value: str, expected: list[str]) -> None:
    monkeypatch.setenv("CORS_ORIGINS", value)
    get_settings.cache_clear()
    try:
        assert get_settings().cors_origins == expected
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    "value", ["localhost:5173", "http://x.test/app", '["http://x.test"', "ftp://x.test", "http://x:99999"]
)
def test_a_malformed_origin_is_a_setting_error(monkeypatch, value: str) -> None:
    monkeypatch.setenv("CORS_ORIGINS", value)
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="invalid setting CORS_ORIGINS"):
            get_settings()
    finally:
        get_settings.cache_clear()


def test_a_malformed_origin_stops_serve_with_one_line() -> None:
    result = serve_cli(CORS_ORIGINS="localhost:5173,http://ok.test")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("provider-orders: invalid setting CORS_ORIGINS") and "'localhost:5173'" in lines[0]


def http_url(live: Live) -> str:
    return live.url.replace("ws://", "http://")


async def test_preflight_allows_apollo_headers_and_responses_expose_the_request_id(serve) -> None:
    live = await serve(cors_origins=[SPA])
    async with httpx.AsyncClient(timeout=10) as http:
        preflight = await http.options(
            http_url(live),
            headers={
                "Origin": SPA,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": (
                    "content-type, authorization, apollographql-client-name, apollographql-client-version, x-request-id"
                ),
            },
        )
        assert preflight.status_code == 200, preflight.text
        assert preflight.headers["access-control-allow-origin"] == SPA
        response = await http.post(
            http_url(live),
            json={"query": VIEWER},
            headers={"Origin": SPA, "Authorization": f"Bearer {await live.token(PARTNER)}", "X-Request-ID": "abc"},
        )
        assert response.json()["data"]["viewer"]["user"]["email"] == PARTNER
        assert response.headers["access-control-allow-origin"] == SPA
        assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
        assert response.headers["x-request-id"] == "abc"

        other = await http.options(
            http_url(live),
            headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "POST"},
        )
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers


async def test_a_listed_origin_subscribes_and_another_is_refused_before_the_ack(serve, caplog) -> None:
    live = await serve(cors_origins=[SPA])
    async with AsyncExitStack() as stack:
        ws = await stack.enter_async_context(WS.connect(live.url, origin=SPA))
        assert (await ws.init(await live.token(PARTNER)))["type"] == "connection_ack"

    caplog.set_level(logging.WARNING)
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with WS.connect(live.url, origin="https://evil.test"):
            pass
    assert refused.value.response.status_code == 403
    logged = [r for r in caplog.records if "evil.test" in r.getMessage()]
    assert len(logged) == 1 and "CORS_ORIGINS" in logged[0].getMessage()


async def test_same_origin_and_clients_without_origin_are_allowed(serve) -> None:
    live = await serve()  # no CORS_ORIGINS
    port = live.url.split(":")[2].split("/")[0]
    for origin in (f"http://127.0.0.1:{port}", None):
        async with WS.connect(live.url, origin=origin) as ws:
            assert (await ws.init(await live.token(PARTNER)))["type"] == "connection_ack"
    with pytest.raises(websockets.InvalidStatus):
        async with WS.connect(live.url, origin=SPA):
            pass


async def loopback_server(stack: AsyncExitStack, database_url: str, env: str) -> tuple[str, Settings]:
    settings = Settings(database_url=database_url, PROVIDER_ORDERS_ENV=env, jwt_secret="s" * 40)
    db = Database(settings)
    stack.push_async_callback(db.dispose)
    return await stack.enter_async_context(running_server(create_app(settings, db))), settings


@pytest.mark.parametrize("env", ["development", "production"])
async def test_localhost_page_on_the_servers_port_reaches_127_0_0_1_outside_production(database_url, env) -> None:
    async with AsyncExitStack() as stack:
        url, _ = await loopback_server(stack, database_url, env)
        port = url.split(":")[2].split("/")[0]
        page = f"http://localhost:{port}"
        async with httpx.AsyncClient(timeout=10) as http:
            preflight = await http.options(
                url.replace("ws://", "http://"),
                headers={
                    "Origin": page,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type",
                },
            )
        if env == "development":
            assert preflight.headers["access-control-allow-origin"] == page
            async with websockets.connect(url, subprotocols=[TRANSPORT_WS], origin=page) as conn:
                assert conn.subprotocol == TRANSPORT_WS
        else:
            assert preflight.status_code == 400
            with pytest.raises(websockets.InvalidStatus):
                async with websockets.connect(url, subprotocols=[TRANSPORT_WS], origin=page):
                    pass
        # Another port on loopback is another origin, everywhere.
        with pytest.raises(websockets.InvalidStatus):
            async with websockets.connect(url, subprotocols=[TRANSPORT_WS], origin="http://localhost:1"):
                pass
