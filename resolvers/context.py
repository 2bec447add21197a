"""What every resolver gets as `info.context`."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from graphql import GraphQLError
from starlette.responses import Response

from domain.viewer import Viewer
from models.database import Database, is_unavailable
from resolvers.dataloaders import Loaders
from resolvers.pagination import CursorCodec


class Unauthenticated(GraphQLError):
    def __init__(self, reason: str = "authentication required"):
        super().__init__(
            f"Not authenticated: {reason}. Send 'Authorization: Bearer <token>'.",
            extensions={"code": "UNAUTHENTICATED"},
        )


SERVICE_UNAVAILABLE_MESSAGE = "The service is temporarily unavailable; try again shortly"


class ServiceUnavailable(GraphQLError):
    """The database cannot be reached or is too busy right now; the client should try again."""

    def __init__(self, message: str = SERVICE_UNAVAILABLE_MESSAGE):
        super().__init__(message, extensions={"code": "SERVICE_UNAVAILABLE"})


class Refused(GraphQLError):
    """An operation turned away before it ran (app.admission); the client may try again after
    `retry_after` seconds. `status` is the HTTP status when it refuses a whole request."""

    def __init__(self, message: str, code: str, retry_after: int, status: int = 503):
        super().__init__(message, extensions={"code": code, "retryAfter": retry_after})
        self.retry_after, self.status = retry_after, status


class TooManyOperations(Refused):
    def __init__(self, where: str):
        super().__init__(f"Too many operations in flight {where}; complete some first", "TOO_MANY_OPERATIONS", 1, 429)


class RateLimited(Refused):
    def __init__(self, retry_after: int):
        super().__init__(
            f"Too many changes in a short time; try again in {retry_after} s", "RATE_LIMITED", retry_after, 429
        )


# What the running operation's user may still spend on subscriptions (app.admission sets it for
# each operation): `charge(cost)` grants the cost for the operation's lifetime and answers None,
# or answers what is left. Every event runs every subscription of the user again, so their
# costs add up (MAX_SUBSCRIPTION_COST_PER_USER).
subscription_budget: ContextVar[Callable[[int], int | None] | None] = ContextVar("subscription_budget", default=None)


# WebSocket operations share their connection's Context (Strawberry builds it once per socket),
# so each operation, and each subscription event, gets its own Loaders through this variable:
# every operation runs in its own asyncio task, whose context this variable belongs to.
_operation_loaders: ContextVar[Loaders | None] = ContextVar("operation_loaders", default=None)


@functools.lru_cache(maxsize=8)
def _cursor_codec(secret: str) -> CursorCodec:
    return CursorCodec(secret)


class Settings(Protocol):
    """The settings resolvers read (app.settings.Settings, which app/ passes in)."""

    jwt_secret: str  # signs the cursors
    mutation_attempts: int
    max_leads_per_order: int
    subscription_queue_size: int
    max_upload_files: int  # files per addAttachments
    file_url_seconds: int  # how long an Attachment.url is valid
    public_url: str


@dataclass
class Context:
    """Built by app/ (app.graphql_view) per request, once per WebSocket: the database, the
    settings and the bus come from there, so that nothing below schema/ imports app/."""

    db: Database
    settings: Settings
    bus: Any
    request_id: str
    viewer: Viewer | None = None
    auth_error: str | None = None
    token_expires_at: datetime | None = None
    token_version: int | None = None
    request: Any = None
    response: Any = None
    # WebSocket only: the `connection_init` payload and the connection (to close it).
    connection_params: dict[str, Any] | None = None
    connection: Any = None
    # WebSocket only: reloads the viewer before each operation (the socket may outlive access).
    recheck_viewer: Callable[[], Awaitable[None]] | None = None
    feed: Any = None  # subscriptions.feed.EventFeed: the process's live events
    # The mutation rate limit (app.admission): a user id -> None, or seconds to wait.
    mutation_rate: Callable[[int], Awaitable[int | None]] | None = None
    storage: Any = None  # domain.storage.FileStorage: where attachments are kept
    # Set by an extension when execution starts (tells pre-execution failures apart).
    executed: bool = False
    # Root reads may be answered as JSON text built by the database (schema.compiled): only
    # where the response is encoded by schema.compiled.encode_response (app.graphql_view, HTTP).
    raw_json: bool = False
    # HTTP: looks the token's viewer up again (sets `viewer`, or `auth_error`). `viewer_confirmed`
    # is false while the viewer is the one the token named at its last check, taken on trust:
    # only a compiled read, which checks it in its own statement, may use it so; everything
    # else waits for `confirm_viewer` (schema.compiled).
    look_up_viewer: Callable[[], Awaitable[None]] | None = None
    viewer_confirmed: bool = True
    # The look-up met an outage (or a compiled read did, on a viewer taken on trust): fields needing
    # a viewer say so, and the HTTP answer is a 503, as when the look-up fails before execution.
    viewer_unavailable: bool = False
    cursors: CursorCodec = field(init=False)

    def __post_init__(self) -> None:
        self._loaders = Loaders(self.db)
        self.cursors = _cursor_codec(self.settings.jwt_secret)
        self._confirming: asyncio.Task | None = None

    async def confirm_viewer(self, *, again: bool = False) -> None:
        """Looks the viewer up (once for the request, however many fields ask), if it was taken
        on trust, or `again` when a compiled read found it no longer allowed. An outage leaves
        no viewer and `viewer_unavailable`: the fields that need one answer SERVICE_UNAVAILABLE."""
        if self.look_up_viewer is None or (self.viewer_confirmed and not again):
            return
        if again and self._confirming is not None and self._confirming.done():
            self._confirming = None
        if self._confirming is None:
            self._confirming = asyncio.ensure_future(self._look_up())
        await asyncio.shield(self._confirming)

    async def _look_up(self) -> None:
        assert self.look_up_viewer is not None
        try:
            await self.look_up_viewer()
        except BaseException as exc:  # cancelled too: nothing may go on with the viewer taken on trust
            self.viewer = None
            if not isinstance(exc, Exception) or not is_unavailable(exc):
                raise
            self.viewer_unavailable = True
        finally:
            self.viewer_confirmed = True

    @property
    def loaders(self) -> Loaders:
        return _operation_loaders.get() or self._loaders

    @loaders.setter
    def loaders(self, loaders: Loaders) -> None:
        if _operation_loaders.get() is not None:
            _operation_loaders.set(loaders)
        else:
            self._loaders = loaders

    def fresh_loaders(self, primed: Any = ()) -> Loaders:
        """New loaders for the rest of the current task (one WebSocket operation or event),
        empty but for the `primed` rows."""
        loaders = Loaders(self.db, primed)
        _operation_loaders.set(loaders)
        return loaders

    async def check_mutation_rate(self, viewer: Viewer) -> None:
        """Counts a mutation of `viewer`; raises RateLimited (before anything runs) past the limit."""
        if self.mutation_rate is None:
            return
        retry_after = await self.mutation_rate(viewer.user_id)
        if retry_after is None:
            return
        if isinstance(self.response, Response):  # HTTP: the header too
            self.response.headers["Retry-After"] = str(retry_after)
        raise RateLimited(retry_after)

    def require_viewer(self) -> Viewer:
        if not self.viewer_confirmed:
            raise RuntimeError("the viewer was taken on trust and not confirmed (schema.compiled)")
        if self.viewer is None:
            if self.viewer_unavailable:
                raise ServiceUnavailable()
            raise Unauthenticated(self.auth_error or "authentication required")
        return self.viewer
