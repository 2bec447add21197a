"""One execution per (event, viewer, query) instead of one per subscriber, and one JSON encoding.

Every subscriber of an event runs the same GraphQL selection over the same rows; subscribers
signed in as the same user with the same document and variables get the same result. The
executor below keeps the first such execution on the event (`LiveEvent.results`, which lives
only as long as the event is being delivered) and hands its result to the others. The key holds
the whole viewer, so nothing is ever shared between two users: access checks stay per viewer.

An execution with async resolvers (a loader, a relay id) is kept while still running: the
event wakes every subscriber at once, so otherwise each would start its own before the first
finished (measured: every subscriber of `commentAdded` executing, 4x the delivery latency).

The other subscribers of a shared execution skip the rest of the per-subscriber pipeline too
(graphql-core's event mapping, Strawberry's result handling and extension hooks, the JSON
encoding of the message): when the result has no errors, its `payload` is encoded once
(`SharedExecution.payload_json`) and each subscriber's connection only wraps it in its own
message (`subscriptions.connection.delivery_of_current_task`). Byte for byte what
Strawberry sends: its encoder (`json.dumps`, compact) on `{"data": ...}`; none of our schema
extensions adds `extensions` to a result (tests/test_subscription_sharing.py compares both
paths). A result with errors goes through Strawberry for every subscriber (masking, request ids).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from contextvars import ContextVar
from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

# The live event being delivered by the current operation task (set just before each yield).
current_event: ContextVar[Any] = ContextVar("current_event", default=None)


_NOT_SHAREABLE = ""  # payload_json's answer, once known, for a result that must go through Strawberry


def share_key(viewer: Any, operation: Any, variable_values: Any) -> tuple:
    """Who gets the same result: the viewer, the operation node and the coerced variables.

    id(): hashing an AST walks all of it. The node is kept with the result and compared by
    identity, so a recycled id can never match."""
    return (viewer, id(operation), _variables_key(variable_values))


class SharedExecution:
    """One execution's result (or the future of it), shared by the subscribers of its key."""

    __slots__ = ("_payload", "operation", "result")

    def __init__(self, operation: Any, result: Any):
        self.operation = operation
        self.result = result
        self._payload: str | None = None

    async def payload_json(self) -> str | None:
        """The result as the `payload` of a data message, JSON-encoded once for every subscriber;
        None when each subscriber must go through Strawberry (errors, a failed execution)."""
        if self._payload is None:
            result = self.result
            if isinstance(result, asyncio.Future):
                if not result.done():
                    # shielded: this subscriber leaving must not cancel the others' execution
                    with contextlib.suppress(Exception):
                        await asyncio.shield(result)
                if self._payload is not None:  # another subscriber encoded it meanwhile
                    return self._payload or None
                result = None if result.cancelled() or result.exception() is not None else result.result()
            self._payload = _encoded(result)
        return self._payload or None


def _encoded(result: Any) -> str:
    if result is None or result.errors or getattr(result, "extensions", None):
        return _NOT_SHAREABLE
    try:
        return json.dumps({"data": result.data}, separators=(",", ":"))  # Strawberry's encode_json
    except (TypeError, ValueError):
        return _NOT_SHAREABLE


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        executor._live_event = current_event.get()  # type: ignore[attr-defined]  # read back in execute_operation
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        live = getattr(self, "_live_event", None)
        viewer = getattr(self.context_value, "viewer", None)
        if live is None or viewer is None:
            return super().execute_operation(serially)
        key = share_key(viewer, self.operation, self.variable_values)
        shared = live.results.get(key)
        if shared is not None and shared.operation is self.operation:
            result = shared.result
        else:
            result = super().execute_operation(serially)
            if self.is_awaitable(result):
                result = asyncio.ensure_future(result)  # runs once, whoever waits for it
            live.results[key] = SharedExecution(self.operation, result)
        return _result_of(result) if isinstance(result, asyncio.Future) else result


async def _result_of(execution: asyncio.Future) -> Any:
    # Shielded: a subscriber that leaves meanwhile must not cancel the others' execution.
    return await asyncio.shield(execution)


def _variables_key(variables: Any) -> str:
    coerced = getattr(variables, "coerced", variables)
    return json.dumps(coerced, sort_keys=True, default=str) if coerced else ""
