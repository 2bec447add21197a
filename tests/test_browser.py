"""A real browser (Playwright with Debian's Chromium) against real servers: the example dashboard
on one origin follows orders on the API's origin, through a server restart; GraphiQL works with
no request leaving the server.

Chromium comes from the system (`apt-get install chromium`; `.ci/run` installs it), never from
Playwright's download. Without it the tests are skipped with a message, except in CI (`CI=true`),
where they fail.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Route, async_playwright, expect
from sqlalchemy import select

from app.auth import mint_token
from app.db import Database
from app.server import create_app
from app.settings import Settings
from domain.ids import to_global_id
from models import OrderStatus, User
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.live import Live, add_comment, change_status, running_server
from tests.servers import ROOT, bind_free_port
from tests.test_subscriptions import fixed_price_order

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
DASHBOARD = ROOT / "examples" / "dashboard"
WAIT_MS = 20_000  # for a condition in the page (a loaded machine: servers restarting, reconnect backoff)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run installs it)"
        if os.environ.get("CI", "").lower() in ("1", "true"):
            pytest.fail(message)
        pytest.skip(message)
    expect.set_options(timeout=WAIT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        await browser.close()


class Requests:
    """Every request the pages of a context make; any to another origin than `allowed` is aborted."""

    def __init__(self, *allowed: str):
        self.allowed = {origin(url) for url in allowed}
        self.seen: list[str] = []
        self.outside: list[str] = []

    async def route(self, route: Route) -> None:
        url = route.request.url
        self.seen.append(url)
        if origin(url) in self.allowed:
            await route.continue_()
        else:
            self.outside.append(url)
            await route.abort()


async def until(condition: Callable[[], bool], seconds: float = WAIT_MS / 1000) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def recording_context(browser: Browser, *allowed: str) -> tuple[BrowserContext, Requests]:
    context = await browser.new_context()
    requests = Requests(*allowed)
    await context.route("**/*", requests.route)
    return context, requests


@pytest.fixture
def dashboard_origin() -> Iterator[str]:
    """examples/dashboard served by a plain static server: an origin of its own."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(DASHBOARD)), bind_and_activate=False
    )
    server.socket.close()
    server.socket = bind_free_port()
    server.server_address = server.socket.getsockname()
    server.server_activate()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def token(db: Database, email: str) -> str:
    async with db.read_session() as session:
        user = await session.scalar(select(User).where(User.email == email))
    return mint_token(db.settings, user)


async def mutate(api: str, db: Database, as_: str, query: str, **variables: Any) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        response = await http.post(
            api,
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {await token(db, as_)}"},
        )
    payload = next(iter(response.json()["data"].values()))
    assert payload["errors"] == [], payload


APPROVE = "mutation($id: ID!) { approveOrder(input: {orderId: $id}) { errors { code } } }"
START = "mutation($id: ID!) { startWork(input: {orderId: $id}) { errors { code } } }"
COMMENT = "mutation($id: ID!, $body: String!) { addComment(input: {orderId: $id, body: $body}) { errors { code } } }"


@asynccontextmanager
async def api_server(database_url: str, page_origin: str, sock: socket.socket) -> AsyncIterator[None]:
    """The API on `sock`, allowing the dashboard's origin (CORS and the WebSocket handshake)."""
    settings = Settings(
        database_url=database_url, PROVIDER_ORDERS_ENV="test", cors_origins=[page_origin], mutation_rate_limit=""
    )
    db = Database(settings)
    try:
        async with running_server(create_app(settings, db), sock):
            yield
    finally:
        await db.dispose()


async def test_dashboard_on_another_origin_follows_orders_live_through_a_server_restart(
    browser: Browser, dashboard_origin: str, database_url: str, db: Database
) -> None:
    order_id = await fixed_price_order(db, name="Spring social push")  # waiting for the supplier's approval
    gid = to_global_id("Order", order_id)
    sock = bind_free_port(reuse_address=True)
    port = sock.getsockname()[1]
    api = f"http://127.0.0.1:{port}/graphql"
    context, requests = await recording_context(browser, dashboard_origin, api)
    try:
        page = await context.new_page()
        row = page.locator(f'#orders tr[data-order-id="{gid}"]')
        activity = page.locator("#activity li")
        connection = page.locator("#connection")
        async with api_server(database_url, dashboard_origin, sock):
            await page.goto(f"{dashboard_origin}/index.html#api={api}&token={await token(db, PARTNER)}")
            await expect(connection).to_have_attribute("data-state", "live")
            await expect(row.locator(".status")).to_have_text("PENDING_APPROVAL")
            assert "token=" not in page.url  # taken out of the address bar

            # Live: a status change and a comment made by others.
            await mutate(api, db, SUPPLIER, APPROVE, id=gid)
            await expect(row.locator(".status")).to_have_text("APPROVED")
            await mutate(api, db, SUPPLIER, COMMENT, id=gid, body="Approved, go ahead")
            await expect(activity.first).to_have_text("Sam Supplier on Spring social push: Approved, go ahead")

        # The server has stopped (sockets closed with 1001, as on SIGTERM). Meanwhile another
        # server process changes the order and comments: stored events, no bus message.
        await expect(connection).to_have_attribute("data-state", "reconnecting")
        await change_status(db, None, order_id, OrderStatus.NOT_STARTED, PROVIDER)
        await add_comment(db, None, order_id, PROVIDER, "Starting next week")

        async with api_server(database_url, dashboard_origin, bind_free_port(f"{port}-{port}", reuse_address=True)):
            # The page resumes from its cursor: the missed events, then live ones.
            await expect(row.locator(".status")).to_have_text("NOT_STARTED")
            await expect(connection).to_have_attribute("data-state", "live")
            await mutate(api, db, PROVIDER, START, id=gid)
            await expect(row.locator(".status")).to_have_text("IN_PROGRESS")
            # Each event once, in order (newest first), none lost across the restart.
            await expect(activity).to_have_text(
                [
                    "Spring social push: NOT_STARTED → IN_PROGRESS by Taylor Provider",
                    "Taylor Provider on Spring social push: Starting next week",
                    "Spring social push: APPROVED → NOT_STARTED by Taylor Provider",
                    "Sam Supplier on Spring social push: Approved, go ahead",
                    "Spring social push: PENDING_APPROVAL → APPROVED by Sam Supplier",
                ]
            )
    finally:
        await context.close()
    assert requests.outside == []


async def test_graphiql_renders_with_no_outside_request_and_runs_a_query_and_a_subscription(
    browser: Browser, live: Live
) -> None:
    http_url = live.url.replace("ws://", "http://")
    context, requests = await recording_context(browser, http_url)
    try:
        page = await context.new_page()
        await page.goto(http_url)  # GET /graphql from a browser: GraphiQL
        editor = page.locator(".graphiql-query-editor")
        await expect(editor).to_contain_text("provider-orders token partner@demo.example")
        await expect(page.locator(".graphiql-editor-tool")).to_contain_text("Bearer <the output of")

        # A token in the Headers tab, a query of ours in the editor (CodeMirror's own API), run.
        headers = json.dumps({"Authorization": f"Bearer {await live.token(PARTNER)}"})
        await page.evaluate(
            """([headers, query]) => {
                const tools = [...document.querySelectorAll(".graphiql-editor-tool .CodeMirror")];
                tools.find((e) => e.CodeMirror.getValue().includes("Authorization")).CodeMirror.setValue(headers);
                document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(query);
            }""",
            [headers, "{ viewer { user { email } } }"],
        )
        await page.locator(".graphiql-execute-button").click()
        await expect(page.locator(".result-window")).to_contain_text(PARTNER)

        # A subscription, over the vendored graphql-ws with the token of the Headers tab.
        await page.evaluate(
            """(query) => document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(query)""",
            "subscription { commentAdded { body } }",
        )
        await page.locator(".graphiql-execute-button").click()
        await until(lambda: live.app.state.feed.subscriber_count == 1)
        order_id = await fixed_price_order(live.db)
        await add_comment(live.db, live.bus, order_id, SUPPLIER, "Seen in GraphiQL")
        await expect(page.locator(".result-window")).to_contain_text("Seen in GraphiQL")
    finally:
        await context.close()
    assert requests.outside == []
    assert any(url.endswith("/static/vendor/graphiql.min.js") for url in requests.seen)
