"""GraphiQL's page and the example dashboard as served (no browser needed: tests/test_browser.py
runs them in Chromium): every script and style comes from this server, and production shows
neither unless GraphiQL is switched on."""

from __future__ import annotations

import re
from typing import Any

import httpx

from app.server import create_app
from app.settings import Environment, Settings

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def production(settings: Settings, **update: Any) -> Settings:
    return settings.model_copy(update={"env": Environment.PRODUCTION, "jwt_secret": "p" * 40, **update})


async def get(settings: Settings, db: Any, path: str, **kwargs: Any) -> httpx.Response:
    application = create_app(settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://t") as http:
        return await http.get(path, **kwargs)


async def test_graphiql_loads_every_asset_from_this_server(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assets = [url for url in ASSET.findall(page.text) if not url.startswith("data:")]
    assert {url.rsplit("/", 1)[1] for url in assets} >= {
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "graphiql.min.css",
        "graphiql-plugin-explorer.umd.js",
        "graphql-ws.min.js",
    }
    for url in assets:
        assert url.startswith("/static/vendor/"), url
        response = await client.get(url)
        assert response.status_code == 200 and len(response.content) > 500, url
    assert "https://" not in page.text and "http://" not in page.text
    # Outside production: a first query and the token command in the Headers tab.
    assert "provider-orders token partner@demo.example" in page.text


async def test_production_graphiql_is_off_unless_enabled_and_then_opens_empty(settings: Settings, db: Any) -> None:
    html = {"accept": "text/html"}
    assert (await get(production(settings), db, "/graphql", headers=html)).status_code == 404
    enabled = await get(production(settings, graphiql=True), db, "/graphql", headers=html)
    assert enabled.status_code == 200 and "/static/vendor/graphiql.min.js" in enabled.text
    assert "provider-orders token" not in enabled.text


async def test_the_example_dashboard_is_served_outside_production_only(client: httpx.AsyncClient, settings, db) -> None:
    page = await client.get("/examples/dashboard/")
    assert page.status_code == 200 and '<script src="dashboard.js">' in page.text
    assert (await client.get("/examples/dashboard/dashboard.js")).status_code == 200
    assert (await get(production(settings), db, "/examples/dashboard/")).status_code == 404
