"""Persisted operations: Apollo's automatic persisted queries over POST and GET, the bounded
cache (per process, and shared through Redis), and trusted documents only."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
import redis.asyncio as redis

from app.db import Database
from app.persisted import REDIS_KEY_PREFIX
from app.server import create_app
from app.settings import Settings, SettingsError, get_settings
from tests.conftest import PARTNER
from tests.live import WS
from tests.test_posture import serve as serve_cli

VIEWER = "query Viewer { viewer { user { email } } }"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


@pytest.fixture
async def api(database_url: str, gql) -> AsyncIterator[Any]:
    """api(**settings) -> an httpx client of an app with these settings (and a partner's token)."""
    token = await gql.token(PARTNER)
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> httpx.AsyncClient:
            settings = Settings(database_url=database_url, PROVIDER_ORDERS_ENV="test", **overrides)
            db = Database(settings)
            stack.push_async_callback(db.dispose)
            app = create_app(settings, db)
            await app.state.bus.start()
            stack.push_async_callback(app.state.bus.close)
            stack.push_async_callback(app.state.graphql.persisted.close)
            return await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url="http://testserver",
                    headers={"Authorization": f"Bearer {token}", "Accept": APOLLO_ACCEPT},
                )
            )

        yield start


async def post(http: httpx.AsyncClient, query: str | None, extensions: dict | None, **kw: Any) -> httpx.Response:
    body: dict[str, Any] = {"extensions": extensions} if extensions else {}
    if query is not None:
        body["query"] = query
    return await http.post("/graphql", json=body, **kw)


def code_of(response: httpx.Response) -> str:
    return response.json()["errors"][0]["extensions"]["code"]


async def test_apollo_flow_over_post_hash_first_then_text_then_hash_only(api) -> None:
    http = await api()
    digest = sha256(VIEWER)
    miss = await post(http, None, persisted(digest))
    # What Apollo Client's PersistedQueryLink and urql recover from: 200, that message, that code.
    assert miss.status_code == 200
    assert miss.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert code_of(miss) == "PERSISTED_QUERY_NOT_FOUND"
    registered = await post(http, VIEWER, persisted(digest))
    assert registered.json()["data"]["viewer"]["user"]["email"] == PARTNER
    hit = await post(http, None, persisted(digest))
    assert hit.status_code == 200 and hit.json()["data"]["viewer"]["user"]["email"] == PARTNER


async def test_apollo_flow_over_get_is_private_and_not_stored(api) -> None:
    http = await api()
    digest = sha256(VIEWER)
    params = {"extensions": json.dumps(persisted(digest)), "operationName": "Viewer"}
    for accept in (APOLLO_ACCEPT, "*/*"):  # `*/*` would otherwise get the GraphiQL page
        miss = await http.get("/graphql", params=params, headers={"Accept": accept})
        assert miss.status_code == 200 and code_of(miss) == "PERSISTED_QUERY_NOT_FOUND"
        assert miss.headers["cache-control"] == "private, no-store"
    registered = await http.get("/graphql", params={**params, "query": VIEWER})
    assert registered.json()["data"]["viewer"]["user"]["email"] == PARTNER
    hit = await http.get("/graphql", params=params)
    assert hit.json()["data"]["viewer"]["user"]["email"] == PARTNER
    assert hit.headers["cache-control"] == "private, no-store"
    assert "no-store" not in (await post(http, VIEWER, None)).headers.get("cache-control", "")


@pytest.mark.parametrize(
    ("extensions", "message"),
    [
        (persisted("abc"), "64 hexadecimal characters"),
        (persisted("z" * 64), "64 hexadecimal characters"),
        ({"persistedQuery": {"version": 1}}, "64 hexadecimal characters"),
        ({"persistedQuery": {"version": 2, "sha256Hash": sha256(VIEWER)}}, "version must be 1"),
        ({"persistedQuery": "yes"}, "must be an object"),
        (persisted(sha256("{ __typename }")), "not the SHA-256 of the query"),
    ],
)
async def test_bad_hashes_are_bad_requests(api, extensions: dict, message: str) -> None:
    http = await api()
    response = await post(http, VIEWER, extensions)
    assert response.status_code == 400
    assert code_of(response) == "BAD_REQUEST" and message in response.json()["errors"][0]["message"]


async def test_persisted_documents_meet_the_same_limits(api) -> None:
    http = await api(max_query_depth=1)
    digest = sha256(VIEWER)
    first = await post(http, VIEWER, persisted(digest))
    again = await post(http, None, persisted(digest))
    assert code_of(first) == code_of(again) == "QUERY_TOO_DEEP"
    assert "data" not in again.json()


async def test_the_cache_is_bounded_in_bytes(api) -> None:
    http = await api(persisted_query_cache_bytes=len(VIEWER) + 10)
    other = "query Other { viewer { user { name } } }"
    await post(http, VIEWER, persisted(sha256(VIEWER)))
    await post(http, other, persisted(sha256(other)))
    assert "data" in (await post(http, None, persisted(sha256(other)))).json()
    assert code_of(await post(http, None, persisted(sha256(VIEWER)))) == "PERSISTED_QUERY_NOT_FOUND"


async def test_with_redis_every_process_knows_a_registered_query(api) -> None:
    query = f"query Shared{uuid.uuid4().hex[:8]} {{ viewer {{ user {{ email }} }} }}"
    digest = sha256(query)
    one, other = await api(redis_url=REDIS_URL), await api(redis_url=REDIS_URL)
    try:
        assert code_of(await post(other, None, persisted(digest))) == "PERSISTED_QUERY_NOT_FOUND"
        await post(one, query, persisted(digest))
        assert (await post(other, None, persisted(digest))).json()["data"]["viewer"]["user"]["email"] == PARTNER
    finally:
        admin = redis.from_url(REDIS_URL)
        await admin.delete(REDIS_KEY_PREFIX + digest)
        await admin.aclose()


async def test_redis_down_falls_back_to_the_process_cache(api) -> None:
    http = await api(redis_url="redis://127.0.0.1:1/0")  # nothing listens there
    digest = sha256(VIEWER)
    assert code_of(await post(http, None, persisted(digest))) == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" in (await post(http, VIEWER, persisted(digest))).json()
    assert "data" in (await post(http, None, persisted(digest))).json()


async def test_trusted_documents_only(api, tmp_path) -> None:
    other = "{ viewer { user { name } } }"
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({f"sha256:{sha256(VIEWER)}": VIEWER, sha256(other): other}))
    http = await api(trusted_documents=str(path))

    by_hash = await post(http, None, persisted(sha256(VIEWER)))
    assert by_hash.json()["data"]["viewer"]["user"]["email"] == PARTNER
    assert "data" in (await post(http, other, None)).json()  # a trusted text runs as it is

    unknown = await post(http, None, persisted(sha256("{ __typename }")))
    assert unknown.status_code == 200 and code_of(unknown) == "PERSISTED_QUERY_NOT_FOUND"
    for extensions in (None, persisted(sha256("{ __typename }"))):  # no registering a new one either
        refused = await post(http, "{ __typename }", extensions)
        assert refused.status_code == 403 and code_of(refused) == "PERSISTED_QUERY_NOT_FOUND"
        assert "only its trusted documents" in refused.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "is not a JSON file"),
        ('["a"]', "JSON object"),
        ('{"abc": "{ viewer { id } }"}', "'abc' is not a SHA-256 hash"),
    ],
)
def test_an_unusable_trusted_documents_file_is_a_setting_error(
    monkeypatch, tmp_path, content: str | None, message: str
) -> None:
    path = tmp_path / "documents.json"
    if content is not None:
        path.write_text(content)
    monkeypatch.setenv("TRUSTED_DOCUMENTS", str(path))
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="invalid setting TRUSTED_DOCUMENTS") as refused:
            get_settings()
    finally:
        get_settings.cache_clear()
    assert message in str(refused.value)


def test_an_unusable_trusted_documents_file_stops_serve_with_one_line(tmp_path) -> None:
    result = serve_cli(TRUSTED_DOCUMENTS=str(tmp_path / "missing.json"))
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1, result.stderr
    assert lines[0].startswith("provider-orders: invalid setting TRUSTED_DOCUMENTS: Value error, cannot read")


async def test_trusted_documents_only_over_websocket_too(serve, tmp_path) -> None:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({sha256(VIEWER): VIEWER}))
    live = await serve(trusted_documents=str(path))
    async with WS.connect(live.url) as ws:
        assert (await ws.init(await live.token(PARTNER)))["type"] == "connection_ack"
        await ws.subscribe("1", VIEWER)
        assert (await ws.next())["payload"]["data"]["viewer"]["user"]["email"] == PARTNER
        assert (await ws.receive())["type"] == "complete"
        await ws.subscribe("2", "subscription { commentAdded { id body } }")
        refused = await ws.receive()
        assert refused["type"] == "error" and refused["id"] == "2", refused
        assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
