"""Production posture: errors that do not spell out the schema, and no start-up with a weak secret."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from app.settings import DEVELOPMENT_SECRET, Settings, SettingsError
from tests.conftest import SUPPLIER
from tests.live import WS
from tests.servers import ROOT, LiveServer

# Documents with a typo in a field, an argument, an input field (literal and variable) and a type
# name, each with the suggestion a development server adds to its error.
TYPOS = [
    ("{ ordrs { totalCount } }", None, "Did you mean 'orders'"),
    ("{ orders(frist: 1) { totalCount } }", None, "Did you mean 'first'"),
    ("{ orders(filter: {statuss: [SUBMITTED]}) { totalCount } }", None, "Did you mean 'statuses'"),
    (
        "query($f: OrderFilter) { orders(filter: $f) { totalCount } }",
        {"f": {"statuss": ["SUBMITTED"]}},
        "Did you mean 'statuses'",
    ),
    ("query($f: OrderFiltr) { orders(filter: $f) { totalCount } }", None, "Did you mean 'OrderFilter'"),
]
SUBSCRIPTION_TYPO = "subscription { orderEvents(aftr: null) { cursor } }"


def messages(body: dict) -> list[str]:
    return [error["message"] for error in body.get("errors") or []]


async def test_development_errors_suggest_the_names_meant(gql) -> None:
    for document, variables, suggestion in TYPOS:
        body = await gql(document, variables, as_=None)
        assert any(suggestion in message for message in messages(body)), (document, body)


async def test_production_errors_suggest_nothing_over_http_or_websocket(database_url, gql) -> None:
    token = await gql.token(SUPPLIER)
    async with LiveServer(database_url, env={"PROVIDER_ORDERS_ENV": "production"}) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            for document, variables in [(d, v) for d, v, _ in TYPOS] + [(SUBSCRIPTION_TYPO, None)]:
                response = await http.post("/graphql", json={"query": document, "variables": variables})
                found = messages(response.json())
                assert found and not any("Did you mean" in m for m in found), (document, response.text)
            response = await http.post("/graphql", json={"query": TYPOS[0][0]})
            assert messages(response.json()) == ["Cannot query field 'ordrs' on type 'Query'."]

        async with WS.connect(f"ws://127.0.0.1:{server.port}/graphql") as ws:
            assert (await ws.init(token))["type"] == "connection_ack"
            operations = [(d, v) for d, v, _ in TYPOS] + [(SUBSCRIPTION_TYPO, None)]
            for n, (document, variables) in enumerate(operations):
                await ws.subscribe(str(n), document, variables)
                found: list[str] = []
                while True:  # `error` (validation), or `next` with errors then `complete` (variables)
                    message = await ws.receive()
                    assert message["id"] == str(n), message
                    if message["type"] == "error":
                        found += [e["message"] for e in message["payload"]]
                        break
                    if message["type"] == "complete":
                        break
                    found += messages(message["payload"])
                assert found and not any("Did you mean" in m for m in found), (document, found)


def test_suggestions_default_off_in_production_only_and_can_be_set() -> None:
    assert Settings(PROVIDER_ORDERS_ENV="development").suggestions_enabled
    assert Settings(PROVIDER_ORDERS_ENV="test").suggestions_enabled
    assert not Settings(PROVIDER_ORDERS_ENV="production").suggestions_enabled
    assert Settings(PROVIDER_ORDERS_ENV="production", graphql_suggestions=True).suggestions_enabled
    assert not Settings(PROVIDER_ORDERS_ENV="development", graphql_suggestions=False).suggestions_enabled


@pytest.mark.parametrize("env", ["test", "production"])
def test_outside_development_the_secret_must_be_set_and_long_enough(env: str) -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET is unset"):
        Settings(PROVIDER_ORDERS_ENV=env, jwt_secret=DEVELOPMENT_SECRET).check_secret()
    with pytest.raises(SettingsError, match="31 bytes long: at least 32"):
        Settings(PROVIDER_ORDERS_ENV=env, jwt_secret="s" * 31).check_secret()
    Settings(PROVIDER_ORDERS_ENV=env, jwt_secret="s" * 32).check_secret()
    Settings(PROVIDER_ORDERS_ENV="development", jwt_secret="short").check_secret()


def serve(**env: str) -> subprocess.CompletedProcess:
    """`provider-orders serve` with these settings (and no JWT_SECRET unless given)."""
    base = {k: v for k, v in os.environ.items() if k not in ("JWT_SECRET", "PROVIDER_ORDERS_ENV", "PORT")}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PROVIDER_ORDERS_ENV": "production"}, "JWT_SECRET is unset or the public development secret"),
        ({"PROVIDER_ORDERS_ENV": "test"}, "JWT_SECRET is unset or the public development secret"),
        ({"PROVIDER_ORDERS_ENV": "production", "JWT_SECRET": "too-short"}, "JWT_SECRET is 9 bytes long"),
        ({"PROVIDER_ORDERS_ENV": "staging"}, "invalid setting PROVIDER_ORDERS_ENV"),
        ({"PORT": "eighty"}, "invalid setting PORT"),
        ({"MAX_CONCURRENT_REQUESTS": "0"}, "invalid setting MAX_CONCURRENT_REQUESTS"),
        ({"DB_POOL_SIZE": "-1"}, "invalid setting DB_POOL_SIZE"),
        ({"MAX_QUERY_COST": "-5"}, "invalid setting MAX_QUERY_COST"),
        ({"MUTATION_RATE_LIMIT": "lots"}, "invalid setting MUTATION_RATE_LIMIT"),
    ],
)
def test_a_bad_setting_stops_serve_with_one_line(env: dict[str, str], expected: str) -> None:
    result = serve(**env)
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"provider-orders: {expected}"), result.stderr
