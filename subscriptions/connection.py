"""WebSocket connections: auth from `connection_init`, token expiry, closing a connection.

Strawberry builds one Context per socket. The handler subclasses here give every operation
(a subscription, or a query/mutation sent over the socket) its own loaders, let a
subscription close its whole connection with a clear code (too slow, token expired), and tell
an operation task how to send a data message whose payload was encoded once for every
subscriber sharing it (`delivery_of_current_task`, subscriptions.sharing).

They also take every operation through the view's admission gate (app.admission), as HTTP
requests are: the socket counts for its user once acknowledged (past the user's cap it is
closed with 4429 instead), and each operation holds a slot while it runs (a subscription:
while it sets up and while an event is executed for it), within the caps on operations per
socket and per user; an operation refused there gets an `error` message with the code.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from starlette.websockets import WebSocketDisconnect
from starlette.websockets import WebSocketDisconnected as StarletteWebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from resolvers.context import Context, Refused, TooManyOperations

log = logging.getLogger("provider_orders.ws")

# Close codes. 4403 is graphql-transport-ws's Forbidden. 1013 ("try again later") tells a
# standard client (graphql-ws retries it) to reconnect; it resumes with orderEvents(after:).
TOKEN_EXPIRED = (4403, "Forbidden: token expired")
TOO_SLOW = (1013, "subscriber too slow; resume with orderEvents(after:)")
# graphql-ws clients treat 4429 as final (no automatic reconnect): the user has enough sockets open.
TOO_MANY_SOCKETS = (4429, "Too many connections for this user")


class LiveConnection:
    """What a subscription may do to its connection: close it, once, for everyone on it."""

    def __init__(self, handler: Any):
        self._handler = handler
        self._expiry: asyncio.TimerHandle | None = None
        self._closing: asyncio.Task | None = None  # referenced, so the closing task is not collected midway
        self.closed = False

    def expire_at(self, when: datetime | None) -> None:
        """Close the connection with 4403 when the token expires."""
        if when is None:
            return
        delay = max(0.0, (when - datetime.now(UTC)).total_seconds())
        self._expiry = asyncio.get_running_loop().call_later(delay, self._expire)

    def _expire(self) -> None:
        self._expiry = None
        self._closing = asyncio.get_running_loop().create_task(self.close(*TOKEN_EXPIRED))

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self.stop()
        current = asyncio.current_task()
        others = [task for task in self._handler.operation_tasks() if task is not current]
        for task in others:  # nothing more is sent on this socket
            task.cancel()
        with suppress(Exception):
            await self._handler.websocket.close(code=code, reason=reason)

    def lost(self) -> None:
        """The client went away: nothing more is sent (the handler sees the disconnect and ends)."""
        self.closed = True
        self.stop()

    def stop(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None


def _attach(handler: Any) -> None:
    handler.counted_for = None  # the user this socket counts for at the gate, once acknowledged
    if hasattr(handler.context, "connection"):
        handler.context.connection = LiveConnection(handler)


async def _admit_socket(handler: Any) -> bool:
    """Counts the socket for its user as it is acknowledged; past the cap closes it instead."""
    user_id = handler.context.viewer.user_id
    if handler.view.admission.open_socket(user_id):
        handler.counted_for = user_id
        return True
    await handler.context.connection.close(*TOO_MANY_SOCKETS)
    return False


def _release_socket(handler: Any) -> None:
    if handler.counted_for is not None:
        handler.view.admission.close_socket(handler.counted_for)
        handler.counted_for = None


@asynccontextmanager
async def _admitted(handler: Any, operations_on_socket: int) -> AsyncIterator[None]:
    """An operation of this socket at the gate (raises Refused: too many, or no slot in time)."""
    gate = handler.view.admission
    if operations_on_socket > gate.max_operations_per_socket:
        raise TooManyOperations("on this connection")
    async with gate.operation(handler.counted_for):
        yield


async def _send_text(handler: Any, text: str) -> bool:
    """What Strawberry's `send_json` does after encoding (the ASGI adapter's socket). False when
    the client is gone: the connection is then marked closed (nothing more is sent on it, the
    protocol's `complete` included) and its handler ends every operation as it sees the
    disconnect, as when a send of Strawberry's own fails, minus the logged traceback."""
    connection = handler.context.connection
    if connection is not None and connection.closed:
        return True
    try:
        await handler.websocket.ws.send_text(text)
    except (WebSocketDisconnect, StarletteWebSocketDisconnected):
        if connection is not None:
            connection.lost()
        return False
    return True


class _NextDelivery:
    """graphql-transport-ws: `{"id":..,"type":"next","payload":..}`, as `Operation.send_next`
    sends it (nothing once the operation completed)."""

    __slots__ = ("handler", "operation")

    def __init__(self, handler: TransportWSHandler, operation: Any):
        self.handler, self.operation = handler, operation

    async def send_payload(self, payload_json: str) -> bool:
        if self.operation.completed:
            return True
        op_id = json.dumps(self.operation.id)
        return await _send_text(self.handler, f'{{"id":{op_id},"type":"next","payload":{payload_json}}}')


class _DataDelivery:
    """Legacy graphql-ws: `{"type":"data","id":..,"payload":..}`, as `send_data_message` sends it."""

    __slots__ = ("handler", "operation_id")

    def __init__(self, handler: LegacyWSHandler, operation_id: str):
        self.handler, self.operation_id = handler, operation_id

    async def send_payload(self, payload_json: str) -> bool:
        op_id = json.dumps(self.operation_id)
        return await _send_text(self.handler, f'{{"type":"data","id":{op_id},"payload":{payload_json}}}')


def _has_socket(handler: Any) -> bool:
    return hasattr(handler.websocket, "ws")  # Strawberry's ASGI adapter (the only one this app uses)


def delivery_of_current_task(connection: LiveConnection | None) -> _NextDelivery | _DataDelivery | None:
    """How the running operation task sends a pre-encoded data message on its connection; None
    off a WebSocket. Looked up when first needed, not kept per idle subscription."""
    if connection is None or not _has_socket(connection._handler):
        return None
    return connection._handler.delivery_of(asyncio.current_task())


class _OurSocket:
    """What both protocols' handlers do alike: nothing is sent on a closed connection, and a
    socket is counted for its user (or refused) as it is acknowledged."""

    context: Context

    async def send_message(self, message: Any) -> None:
        if self.context.connection is not None and self.context.connection.closed:
            return
        if message["type"] == "connection_ack" and not await _admit_socket(self):
            return
        await super().send_message(message)  # type: ignore[misc]  # the protocol handler's


class TransportWSHandler(_OurSocket, BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws (the graphql-ws library's protocol)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _attach(self)

    def operation_tasks(self) -> list[asyncio.Task]:
        return [op.task for op in self.operations.values() if op.task is not None]

    async def run_operation(self, operation: Any) -> None:
        self.context.fresh_loaders()  # this task's own loaders (see resolvers.context)
        try:
            async with _admitted(self, len(self.operations)):  # this operation included
                await super().run_operation(operation)
        except Refused as refused:
            await operation.send_initial_errors([refused])

    def delivery_of(self, task: asyncio.Task | None) -> _NextDelivery | None:
        operation = next((op for op in self.operations.values() if op.task is task), None)
        return _NextDelivery(self, operation) if operation is not None else None

    async def handle_connection_init_timeout(self) -> None:
        try:
            await super().handle_connection_init_timeout()
        finally:  # over (connection_init cancels it): an idle connection need not keep the task
            self.connection_init_timeout_task = None

    async def shutdown(self) -> None:
        if self.context.connection is not None:
            self.context.connection.stop()
        try:
            await super().shutdown()
        finally:
            _release_socket(self)


class LegacyWSHandler(_OurSocket, BaseGraphQLWSHandler[Context, None]):
    """The legacy graphql-ws protocol (subscriptions-transport-ws), when switched on."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _attach(self)

    def operation_tasks(self) -> list[asyncio.Task]:
        return list(self.tasks.values())

    async def handle_async_results(self, operation_id: str, *args: Any, **kwargs: Any) -> None:
        self.context.fresh_loaders()
        try:
            async with _admitted(self, len(self.tasks)):
                await super().handle_async_results(operation_id, *args, **kwargs)
        except Refused as refused:
            self.tasks.pop(operation_id, None)
            await self.send_message({"type": "error", "id": operation_id, "payload": refused.formatted})

    def delivery_of(self, task: asyncio.Task | None) -> _DataDelivery | None:
        operation_id = next((op_id for op_id, op_task in self.tasks.items() if op_task is task), None)
        return _DataDelivery(self, operation_id) if operation_id is not None else None

    async def cleanup(self) -> None:
        if self.context.connection is not None:
            self.context.connection.stop()
        try:
            await super().cleanup()
        finally:
            _release_socket(self)
