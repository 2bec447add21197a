"""Authentication and GraphQL over HTTP."""

from __future__ import annotations

import asyncio

from sqlalchemy import update

from app.auth import mint_token
from app.settings import DEVELOPMENT_SECRET, Environment, Settings
from models import User
from tests.conftest import PARTNER

VIEWER = "{ viewer { user { email } organization { name kind } portal { name } } }"


async def test_no_token_is_unauthenticated(gql) -> None:
    body = await gql(VIEWER, as_=None)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["data"] is None


async def test_bad_and_expired_tokens_are_unauthenticated(gql, db, settings) -> None:
    async with db.read_session() as session:
        from sqlalchemy import select

        user = await session.scalar(select(User).where(User.email == PARTNER))
    expired = mint_token(settings, user, ttl_seconds=-10)
    other_secret = mint_token(Settings(jwt_secret="x" * 40), user)
    for header in (f"Bearer {expired}", f"Bearer {other_secret}", "Bearer garbage", "Basic abc"):
        response = await gql.raw(VIEWER, headers={"Authorization": header})
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", header


async def test_a_token_is_refused_once_it_expires_though_its_check_was_remembered(gql, db, settings) -> None:
    async with db.read_session() as session:
        from sqlalchemy import select

        user = await session.scalar(select(User).where(User.email == PARTNER))
    header = {"Authorization": f"Bearer {mint_token(settings, user, ttl_seconds=2)}"}
    body = (await gql.raw(VIEWER, headers=header)).json()
    assert body["data"]["viewer"]["user"]["email"] == PARTNER  # checked, and remembered
    await asyncio.sleep(2.2)
    body = (await gql.raw(VIEWER, headers=header)).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_token_of_a_deleted_user_is_unauthenticated(gql, db) -> None:
    token = await gql.token(PARTNER)
    async with db.write_session() as session:
        await session.execute(update(User).where(User.email == PARTNER).values(is_active=False))
    response = await gql.raw(VIEWER, headers={"Authorization": f"Bearer {token}"})
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_viewer(gql) -> None:
    data = await gql.data(VIEWER)
    assert data["viewer"] == {
        "user": {"email": PARTNER},
        "organization": {"name": "Acme Resellers", "kind": "PARTNER"},
        "portal": {"name": "Demo Portal"},
    }


async def test_malformed_json_is_400_with_graphql_error_body(client) -> None:
    response = await client.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


async def test_graphql_response_media_type_gives_4xx_without_data_before_execution(gql) -> None:
    accept = {"accept": "application/graphql-response+json"}
    response = await gql.raw("{ viewer { nope } }", as_=PARTNER, headers=accept)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert "data" not in response.json()
    # A syntax error too.
    response = await gql.raw("{ viewer { ", as_=PARTNER, headers=accept)
    assert response.status_code == 400 and "data" not in response.json()
    # A request that executes keeps 200 and its data.
    response = await gql.raw(VIEWER, as_=PARTNER, headers=accept)
    assert response.status_code == 200 and response.json()["data"]["viewer"]["user"]["email"] == PARTNER


async def test_validation_error_with_plain_json_is_200(gql) -> None:
    response = await gql.raw("{ viewer { nope } }", as_=PARTNER)
    assert response.status_code == 200
    assert "Cannot query field" in response.json()["errors"][0]["message"]


async def test_get_query_works_and_get_is_refused_for_mutations(client, gql) -> None:
    token = await gql.token(PARTNER)
    headers = {"Authorization": f"Bearer {token}", "accept": "application/json"}
    response = await client.get("/graphql", params={"query": VIEWER}, headers=headers)
    assert response.status_code == 200 and response.json()["data"]["viewer"]["user"]["email"] == PARTNER
    response = await client.get(
        "/graphql",
        params={"query": 'mutation { addComment(input: {orderId: "x", body: "hi"}) { errors { code } } }'},
        headers=headers,
    )
    assert response.status_code == 405


async def test_graphiql_on_get_from_a_browser(client) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_request_size_limit(client) -> None:
    response = await client.post("/graphql", json={"query": "{ viewer { user { id } } }", "pad": "x" * 300_000})
    assert response.status_code == 413


async def test_depth_and_alias_limits(gql) -> None:
    deep = (
        "{ viewer { user { organization { ... on Provider { services { provider { services { provider { services "
        "{ provider { services { provider { services { provider { name } } } } } } } } } } } } } } }"
    )
    body = await gql(deep)
    assert body["errors"] and "exceeds maximum operation depth" in body["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: viewer {{ user {{ id }} }}" for i in range(40)) + " }"
    body = await gql(aliases)
    assert body["errors"] and "aliases" in body["errors"][0]["message"].lower()
    long = "{ " + "viewer { user { id } } " * 1000 + "}"  # 6,000 tokens, over MAX_TOKENS
    body = await gql(long)
    assert body["errors"] and "more than 5000 tokens" in body["errors"][0]["message"]


def test_production_refuses_the_development_secret() -> None:
    import pytest

    with pytest.raises(RuntimeError):
        Settings(PROVIDER_ORDERS_ENV="production", jwt_secret=DEVELOPMENT_SECRET).check_secret()
    Settings(PROVIDER_ORDERS_ENV="production", jwt_secret="s" * 40).check_secret()


async def test_unexpected_errors_are_masked(gql, monkeypatch) -> None:
    from resolvers import portal

    async def boom(info):
        raise RuntimeError("secret internals at /etc/passwd")

    monkeypatch.setattr(portal, "resolve_activity_types", boom)
    body = await gql("{ activityTypes { name } }")
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR" and error["extensions"]["requestId"]
    assert "passwd" not in str(body)


def test_development_secret_warns_once(caplog) -> None:
    import app.settings as settings_module

    settings_module._warned_about_secret = False
    development = Settings(PROVIDER_ORDERS_ENV="development", jwt_secret=DEVELOPMENT_SECRET)
    with caplog.at_level("WARNING"):
        development.check_secret()
        development.check_secret()
    assert sum("development JWT secret" in r.getMessage() for r in caplog.records) == 1


async def test_production_switches_off_graphiql_and_introspection(settings, db) -> None:
    import httpx

    from app.server import create_app
    from schema.api import build_schema

    production = settings.model_copy(update={"env": Environment.PRODUCTION, "jwt_secret": "p" * 40})
    assert not production.graphiql_enabled and not production.introspection_enabled
    application = create_app(production, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as http:
        response = await http.get("/graphql", headers={"accept": "text/html"})
        assert response.status_code == 404
    locked = build_schema(production)
    result = await locked.execute("{ __schema { types { name } } }")
    assert result.errors and "introspection" in result.errors[0].message.lower()
