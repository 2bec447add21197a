"""Strawberry's ASGI view, adapted to GraphQL over HTTP as its specification says.

- Every failure is a GraphQL-shaped JSON body, never a plain-text or HTML page.
- A mutation over GET is refused with 405; so is a subscription over HTTP (WebSocket only).
- A body that is not UTF-8, not JSON, not a JSON object, or nested past what the decoder
  handles is 400 BAD_REQUEST, like a `query`, `variables` or `operationName` of the wrong type.
- A client accepting `application/graphql-response+json` gets that media type, and a 4xx
  status with no `data` key when the request failed before execution (parse, validation,
  variables); with `application/json` such failures stay 200, as before the spec.
"""

from __future__ import annotations

import json
import logging
import uuid
from functools import partial
from typing import Any

from cachetools import LRUCache
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from app.admission import Admission
from app.auth import Authenticated, AuthenticationError, authenticate, bearer_token, load_viewer
from app.db import Database
from app.graphiql import graphiql_html
from app.oidc import Tokens
from app.origins import OriginPolicy, refused_websocket_origin
from app.persisted import PersistedQueries, PersistedQueryError
from app.revocation import ACCESS_REVOKED, AccessWatcher, OpenSockets
from app.settings import Settings
from app.shutdown import OpenWebSockets
from app.uploads import UploadError, UploadLimits, check_preflight, current_upload, is_multipart, parse_upload_request
from models.database import is_unavailable
from resolvers.context import SERVICE_UNAVAILABLE_MESSAGE, Context, Refused
from schema.compiled import encode_response
from subscriptions.connection import LegacyWSHandler, TransportWSHandler

GRAPHQL_RESPONSE = "application/graphql-response+json"
KNOWN_VIEWERS = 10_000  # tokens whose viewer is remembered
log = logging.getLogger("provider_orders.http")


class UnparsableJSON(json.JSONDecodeError):
    """JSON that Python's decoder refused with another error than JSONDecodeError."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "", 0)


def error_body(message: str, code: str) -> dict[str, Any]:
    # The message may quote the request (an operation name): a lone surrogate cannot be
    # encoded as UTF-8, so it is replaced rather than failing the response.
    message = message.encode("utf-8", "replace").decode("utf-8")
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def wants_graphql_response(accept: str) -> bool:
    return GRAPHQL_RESPONSE in accept


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(
        self,
        schema: Any,
        db: Database,
        settings: Settings,
        bus: Any,
        websockets: OpenWebSockets | None = None,
        feed: Any = None,
        storage: Any = None,
        **kwargs: Any,
    ):
        # CORS_ORIGINS, for the WebSocket handshake as for CORS (app.origins).
        self.origins = OriginPolicy(settings.cors_origins, loopback_alike=not settings.is_production)
        kwargs.setdefault("allowed_origins", sorted(self.origins.origins))
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            # Uploads by the GraphQL multipart request spec, parsed by app.uploads (CSRF guard included).
            multipart_uploads_enabled=True,
            **kwargs,
        )
        self.db, self.settings, self.bus, self.feed, self.storage = db, settings, bus, feed, storage
        self.tokens = Tokens(settings)  # development tokens, and the identity provider's (app.oidc)
        # The viewer each token named at its last check (see `authenticate`).
        self.known_viewers: LRUCache[str, Authenticated] = LRUCache(KNOWN_VIEWERS)
        self.persisted = PersistedQueries(settings)  # APQ, or trusted documents only (app.persisted)
        self.upload_limits = UploadLimits(
            max_file_bytes=settings.max_upload_bytes,
            max_request_bytes=settings.max_upload_bytes,
            max_files=settings.max_upload_files,
        )
        self.websockets = websockets if websockets is not None else OpenWebSockets()
        # Every operation, HTTP or WebSocket, waits at this gate (app.admission).
        self.admission = Admission(settings)
        self.max_subscriptions_per_connection = None  # the gate counts them, and answers with a code
        # Authenticated sockets by user, closed when their access ends (app.revocation).
        self.sockets = OpenSockets()
        self.access_watcher = AccessWatcher(db, bus, self.sockets, settings.access_recheck_seconds)

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the app's own files (app.graphiql), never Strawberry's CDN page."""
        return HTMLResponse(graphiql_html(self.settings, request.scope.get("root_path", "")))

    async def get_context(self, request: Request | WebSocket, response: Any = None) -> Context:
        request_id = request.scope.get("request_id") or uuid.uuid4().hex[:16]
        context = Context(
            db=self.db,
            settings=self.settings,
            bus=self.bus,
            request_id=request_id,
            request=request,
            response=response,
            feed=self.feed,
            mutation_rate=self.admission.mutation_retry_after,
            storage=self.storage,
        )
        if isinstance(request, Request):
            context.raw_json = self.settings.compiled_reads
            await self.authenticate(context, request.headers.get("authorization"))
            response.context = context  # read back in create_response
        return context

    async def authenticate(self, context: Context, header: str | None) -> None:
        """Sets the viewer, or the reason there is none (reported by the first field that needs one).

        An HTTP request whose reads may be compiled (PostgreSQL) takes the viewer its token named
        at its last check on trust: a compiled read checks it in its own statement, in the same
        round trip; any other field has it looked up first (schema.compiled)."""
        try:
            token = bearer_token(header)
            if token is None:
                return
            claims = await self.tokens.verify(token)  # may fetch the provider's keys: no session held
        except AuthenticationError as exc:
            context.auth_error = str(exc)
            return
        look_up = partial(self._look_up_viewer, context, token, claims)
        known = self.known_viewers.get(token) if context.raw_json and not self.db.is_sqlite else None
        if known is None:
            await look_up()
            return
        context.viewer, context.token_expires_at, context.token_version = known
        context.look_up_viewer, context.viewer_confirmed = look_up, False

    async def _look_up_viewer(self, context: Context, token: str, claims: Any) -> None:
        try:
            async with self.db.read_connection() as connection:
                authenticated = await authenticate(connection, claims)
        except AuthenticationError as exc:
            self.known_viewers.pop(token, None)
            context.viewer, context.auth_error = None, str(exc)
            return
        self.tokens.remember(claims, authenticated.viewer.user_id)
        context.viewer, context.token_expires_at, context.token_version = authenticated
        context.look_up_viewer = partial(self._look_up_viewer, context, token, claims)
        if context.raw_json and not authenticated.viewer.is_provider:
            self.known_viewers[token] = authenticated
        else:
            self.known_viewers.pop(token, None)  # an organisation that became a provider's

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """WebSocket auth: `{"authorization": "Bearer <token>"}` as the `connection_init` payload.

        No or a bad token refuses the connection (graphql-transport-ws: close 4403; legacy
        graphql-ws: `connection_error`). The connection is closed with 4403 when the token
        expires, and when the user's access ends (app.revocation); each operation on it reloads
        the viewer first (`recheck_viewer`).
        """
        params = context.connection_params or {}
        context.connection_params = None  # read once: a connection keeps neither the token nor its memory
        header = params.get("authorization", params.get("Authorization"))
        if not isinstance(header, str) or not header:
            raise ConnectionRejectionError({"message": "authentication required", "code": "UNAUTHENTICATED"})
        try:
            await self.authenticate(context, header)
        except Exception as exc:
            if not is_unavailable(exc) or context.connection is None:
                raise
            # Not the client's fault: "try again later" (graphql-ws clients retry it).
            await context.connection.close(1013, "service temporarily unavailable; try again shortly")
            return UNSET
        if context.viewer is None:
            raise ConnectionRejectionError(
                {"message": context.auth_error or "invalid token", "code": "UNAUTHENTICATED"}
            )
        if context.connection is not None:
            context.connection.expire_at(context.token_expires_at)
            self._register(context, context.viewer.user_id)
        context.recheck_viewer = partial(self.recheck_viewer, context)
        return UNSET

    def _register(self, context: Context, user_id: int) -> None:
        connection = context.connection
        self.sockets.add(user_id, context.token_version or 0, connection)
        # Forgotten when the socket ends (`run`).
        context.request.scope["provider_orders.socket"] = (user_id, connection)
        self.access_watcher.ensure_started()

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        finally:
            if isinstance(request, WebSocket):
                registered = request.scope.pop("provider_orders.socket", None)
                if registered is not None:
                    self.sockets.discard(*registered)

    async def recheck_viewer(self, context: Context) -> None:
        """Before each operation on a socket: reload the viewer; once the user, its organisation
        or its token is refused, the operation runs without one and the socket closes (4403)."""
        if context.viewer is None:
            return
        try:
            async with self.db.read_connection() as connection:
                viewer = await load_viewer(connection, context.viewer.user_id, context.token_version or 0)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            return  # the operation meets the outage itself and says so
        if viewer is not None:
            context.viewer = viewer
            return
        user_id = context.viewer.user_id
        context.viewer, context.auth_error = None, "access revoked"
        if context.connection is not None:
            self.sockets.discard(user_id, context.connection)
            await context.connection.close(*ACCESS_REVOKED)

    async def get_sub_response(self, request: Request | WebSocket) -> Any:
        # Strawberry's Response, with what create_response reads back (getattr: a WebSocket has none).
        sub_response: Any = await super().get_sub_response(request)
        sub_response.accept = request.headers.get("accept", "")
        sub_response.context = None
        if request.scope.get("method") == "GET":
            # A GET answer is the viewer's: no shared cache keeps it, no browser stores it.
            sub_response.headers["Cache-Control"] = "private, no-store"
        return sub_response

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET with only a persisted query's hash (no `query`) is an operation, not a page.
        return "extensions" not in request.query_params and super().should_render_graphql_ide(request)

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        # Strawberry's hook, for cross-origin handshakes: the same rule as CORS (checked first in __call__).
        return self.origins.allows(origin, request.headers.get("host"))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            if refused_websocket_origin(self.origins, scope) is not None:
                # Before the handshake completes: the client gets HTTP 403, no connection_ack.
                await WebSocket(scope, receive, send).close(1008)
                return
            await self.websockets.serve(super().__call__, scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        upload = None
        try:
            # The body is read first: a slow upload holds no slot. Files stream to temporary files.
            if is_multipart(request) and request.method == "POST":
                check_preflight(request)
                upload = await parse_upload_request(request, self.upload_limits)
                current_upload.set(upload)
            else:
                await request.body()
            async with self.admission.operation(self.tokens.user_of(request.headers.get("authorization"))):
                response = await self.run(request)
        except UploadError as refused_upload:
            response = JSONResponse(error_body(refused_upload.message, refused_upload.code), refused_upload.status)
            # The rest of the body is not read: the connection is closed after this answer.
            response.headers["Connection"] = "close"
        except Refused as refused:
            response = self._refused(request, refused)
        except PersistedQueryError as exc:
            response = JSONResponse(
                exc.body,
                exc.status,
                media_type=GRAPHQL_RESPONSE if wants_graphql_response(request.headers.get("accept", "")) else None,
                headers={"Cache-Control": "private, no-store"} if request.method == "GET" else None,
            )
        except HTTPException as exc:
            response = self._http_error(request, exc)
        except Exception as exc:
            # The database failed before execution (the viewer's lookup): say so, do not 500.
            if not is_unavailable(exc):
                raise
            log.warning("database unavailable before execution: %r", exc)
            response = JSONResponse(
                error_body(SERVICE_UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE"), 503, headers={"Retry-After": "1"}
            )
        finally:
            if upload is not None:
                upload.close()
        await response(scope, receive, send)

    def _refused(self, request: Request, refused: Refused) -> Response:
        accept = request.headers.get("accept", "")
        return JSONResponse(
            {"errors": [refused.formatted]},
            status_code=refused.status,
            headers={"Retry-After": str(refused.retry_after)},
            media_type=GRAPHQL_RESPONSE if wants_graphql_response(accept) else "application/json",
        )

    def _http_error(self, request: Request, exc: HTTPException) -> Response:
        accept = request.headers.get("accept", "")
        code = {405: "METHOD_NOT_ALLOWED", 404: "NOT_FOUND"}.get(exc.status_code, "BAD_REQUEST")
        response = JSONResponse(
            error_body(exc.reason, code),
            status_code=exc.status_code,
            media_type=GRAPHQL_RESPONSE if wants_graphql_response(accept) else "application/json",
        )
        if exc.status_code == 405:
            response.headers["Allow"] = "GET, POST"
        return response

    def encode_json(self, data: object) -> str:
        return encode_response(data)  # compiled reads' JSON spliced as the database wrote it

    def decode_json(self, data: str | bytes) -> object:
        """json.loads, but every failure is a JSONDecodeError, which Strawberry reports (HTTP:
        400; WebSocket: close 4400) rather than letting it escape as a 500."""
        try:
            return json.loads(data)
        except json.JSONDecodeError:
            raise
        except UnicodeDecodeError:
            raise UnparsableJSON("the request body is not valid UTF-8") from None
        except RecursionError:
            raise UnparsableJSON("the request body is nested too deeply") from None
        except ValueError:  # a number of more digits than Python converts
            raise UnparsableJSON("Unable to parse request body as JSON") from None

    def parse_json(self, data: str | bytes) -> Any:
        try:
            value = super().parse_json(data)
        except HTTPException as exc:
            if isinstance(exc.__cause__, UnparsableJSON):
                raise HTTPException(400, exc.__cause__.msg) from None
            raise
        # A list is a batch, refused by Strawberry with its own message (batching is off).
        if not isinstance(value, dict | list):
            raise HTTPException(400, "expected a JSON object")
        return value

    async def parse_multipart(self, request: Any) -> dict[str, Any]:
        """The multipart request `__call__` parsed as it arrived (app.uploads)."""
        upload = current_upload.get()
        if upload is None:
            raise HTTPException(400, "Unable to parse the multipart body")
        return upload.operations

    async def parse_http_body(self, request):
        request_data = await super().parse_http_body(request)
        if isinstance(request_data, GraphQLRequestData) and not isinstance(request_data.operation_name, str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        return request_data

    async def execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):
        """Strawberry's, but a subscription is refused: over plain HTTP it cannot stream (no
        SSE or multipart transport is enabled), and graphql-core would run it as a query."""
        method = request_adapter.method
        allowed = OperationType.from_http(method) - {OperationType.SUBSCRIPTION}
        if not self.allow_queries_via_get and method == "GET":
            allowed -= {OperationType.QUERY}
        query = await self.persisted.query(request_data.query, request_data.extensions)
        try:
            return await self.schema.execute(
                query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise HTTPException(
                    405, "subscriptions are served over WebSocket (graphql-transport-ws), not over HTTP"
                ) from exc
            if method == "GET":
                raise HTTPException(405, "mutations and subscriptions are not allowed over GET; use POST") from exc
            raise HTTPException(400, exc.as_http_error_reason(method)) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc

    def create_response(self, response_data: Any, sub_response: Any) -> Response:
        graphql_response = wants_graphql_response(getattr(sub_response, "accept", ""))
        status = sub_response.status_code or 200
        context = getattr(sub_response, "context", None)
        if context is not None and context.viewer_unavailable:
            # The viewer taken on trust could not be looked up again: answered as when the
            # look-up fails before execution (see __call__).
            log.warning("database unavailable while looking up the viewer")
            refusal = JSONResponse(error_body(SERVICE_UNAVAILABLE_MESSAGE, "SERVICE_UNAVAILABLE"), 503)
            refusal.headers.update(sub_response.headers)
            refusal.headers["Retry-After"] = "1"
            return refusal
        if (
            graphql_response
            and isinstance(response_data, dict)
            and response_data.get("errors")
            and response_data.get("data") is None
            and context is not None
            and not context.executed
        ):
            response_data = {key: value for key, value in response_data.items() if key != "data"}
            status = 400
        response = Response(
            self.encode_json(response_data),
            status_code=status,
            media_type=GRAPHQL_RESPONSE if graphql_response else "application/json",
        )
        response.headers.update(sub_response.headers)
        return response
