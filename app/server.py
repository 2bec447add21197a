"""The Starlette application: GraphQL at /graphql (HTTP and WebSocket), health probes, the
vendored browser assets under /static/ and, outside production, examples/dashboard."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Message
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

from app.db import Database
from app.delivery import DeliveryWorker
from app.downloads import download_endpoint
from app.graphiql import STATIC_DIR
from app.graphql_view import GraphQLView, error_body
from app.logging import request_id_var
from app.origins import OriginCORSMiddleware
from app.settings import Settings, get_settings
from app.shutdown import OpenWebSockets, close_on_exit_signals
from app.storage import create_storage
from schema.api import build_schema
from subscriptions.feed import EventFeed
from subscriptions.redis_bus import create_bus

log = logging.getLogger("provider_orders.app")
# The example dashboard of the checkout (absent from an installed package: then not served).
DASHBOARD_DIR = Path(__file__).resolve().parent.parent / "examples" / "dashboard"


def assign_request_id(scope: Any) -> str:
    """The request id: the client's X-Request-ID (64 characters at most) or a new one."""
    request_id = next((value for name, value in scope.get("headers") or () if name == b"x-request-id"), b"")
    request_id = request_id.decode("latin-1")[:64] or uuid.uuid4().hex[:16]
    scope["request_id"] = request_id
    return request_id


class RequestContextMiddleware:
    """Request id (taken from X-Request-ID or made), access log, and a request size cap."""

    def __init__(self, app: Any, max_body: int, max_upload_body: int | None = None):
        self.app, self.max_body = app, max_body
        # A multipart upload may be as large as its files allow (app.uploads cuts each file itself).
        self.max_upload_body = max_upload_body or max_body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = assign_request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": None}
        try:
            if scope["type"] == "http":
                content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
                max_body = self.max_upload_body if content_type == b"multipart/form-data" else self.max_body
                length = headers.get(b"content-length")
                if length is not None and length.isdigit() and int(length) > max_body:
                    response = JSONResponse(error_body(f"request body over {max_body} bytes", "PAYLOAD_TOO_LARGE"), 413)
                    await response(scope, receive, send)
                    return
                receive = self._capped(receive, scope, send, max_body)

            async def send_wrapper(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status_holder["status"] = message["status"]
                    message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
                await send(message)

            try:
                await self.app(scope, receive, send_wrapper)
            except BodyTooLarge:
                if status_holder["status"] is None:
                    response = JSONResponse(error_body("request body too large", "PAYLOAD_TOO_LARGE"), 413)
                    await response(scope, receive, send_wrapper)
        finally:
            if scope["type"] == "http":
                log.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status_holder["status"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)

    def _capped(self, receive: Any, scope: Any, send: Any, max_body: int) -> Any:
        seen = 0

        async def capped_receive() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_body:
                    raise BodyTooLarge()
            return message

        return capped_receive


class BodyTooLarge(Exception):
    pass


class App(Starlette):
    """Starlette, with WebSockets to /graphql handed straight to the GraphQL view.

    The middleware (error pages, CORS, access log, body cap) has nothing to do for a WebSocket,
    but each layer, and the router, would stay on the stack awaiting as long as the socket is
    open: about 5 KB per idle subscriber, a tenth of its budget. (Anything else, e.g. a path
    under a root_path, still goes the usual way, to the same view.)
    """

    def __init__(self, *, graphql_websocket: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.graphql_websocket = graphql_websocket

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and scope["path"] == "/graphql":
            scope["app"] = self
            token = request_id_var.set(assign_request_id(scope))
            try:
                await self.graphql_websocket(scope, receive, send)
            finally:
                request_id_var.reset(token)
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, db: Database | None = None) -> Starlette:
    settings = settings or get_settings()
    settings.check_secret()
    db = db or Database(settings)
    bus = create_bus(settings.redis_url, channel=settings.redis_channel)
    feed = EventFeed(db, bus, poll_seconds=settings.event_poll_seconds)
    storage = create_storage(settings)

    protocols = [GRAPHQL_TRANSPORT_WS_PROTOCOL] + ([GRAPHQL_WS_PROTOCOL] if settings.legacy_graphql_ws else [])
    websockets = OpenWebSockets()
    graphql = GraphQLView(
        build_schema(settings),
        db=db,
        settings=settings,
        bus=bus,
        websockets=websockets,
        feed=feed,
        storage=storage,
        subscription_protocols=protocols,
        connection_init_wait_timeout=timedelta(seconds=10),
    )

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def database_reachable() -> None:
        async with db.read_session() as session:
            await session.execute(text("SELECT 1"))

    async def readyz(_request: Request) -> JSONResponse:
        """Ready to serve: the database answers (within a bound) and, with REDIS_URL, the bus is up."""
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(database_reachable(), settings.readiness_timeout)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
        if settings.redis_url:
            checks["redis"] = "ok" if bus.healthy else "unavailable"
        if websockets.shutting_down:
            checks["server"] = "shutting down"
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        """Starlette's own refusals (an unknown path, a method a route does not take) as JSON."""
        status = getattr(exc, "status_code", 500)
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "BAD_REQUEST")
        return JSONResponse(error_body(getattr(exc, "detail", "") or code, code), status)

    async def index(_request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await bus.start()
        app.state.background = []
        restore_signals = close_on_exit_signals(websockets)
        mailer = None
        if settings.smtp_host:
            # The notification e-mail worker; more processes may run one too (claims are leased).
            mailer = DeliveryWorker(db, settings).start()
            app.state.background.append(mailer.task)
        try:
            yield
        finally:
            restore_signals()
            await websockets.close_all()
            if mailer is not None:
                await mailer.stop()
            for task in app.state.background:
                task.cancel()
            await graphql.access_watcher.stop()
            await feed.close()
            await graphql.admission.close()
            await graphql.persisted.close()
            await bus.close()
            await db.dispose()

    routes: list[BaseRoute] = [
        Route("/", index),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", graphql, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        WebSocketRoute("/graphql", graphql),
        Route("/files/{token}", download_endpoint(db, settings, storage), methods=["GET"]),
        # GraphiQL's and the dashboard's scripts (app/static/vendor, `make vendor`).
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    if not settings.is_production and DASHBOARD_DIR.is_dir():
        routes.append(Mount("/examples/dashboard", StaticFiles(directory=DASHBOARD_DIR, html=True), name="dashboard"))
    app = App(
        graphql_websocket=graphql,
        routes=routes,
        middleware=[
            Middleware(
                RequestContextMiddleware,
                max_body=settings.max_request_bytes,
                # the files, plus room for the multipart framing and the `operations` and `map` fields
                max_upload_body=settings.max_upload_bytes + 2 * settings.max_request_bytes,
            ),
            Middleware(OriginCORSMiddleware, policy=graphql.origins),
        ],
        lifespan=lifespan,
        exception_handlers={404: http_error, 405: http_error},
    )
    app.state.db, app.state.bus, app.state.settings, app.state.graphql = db, bus, settings, graphql
    app.state.websockets = websockets
    app.state.feed = feed
    app.state.storage = storage
    return app
