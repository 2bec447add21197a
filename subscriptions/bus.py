"""The event bus: tells subscribers that stored order events exist.

Messages are small dicts (`{"order_id": .., "portal_id": .., "kind": .., "audience": ..}`);
subscribers load the stored event and check access themselves. The in-process bus serves
one server process (`make run`); the Redis bus (`REDIS_URL`) carries events between processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Any, Protocol

log = logging.getLogger("provider_orders.bus")


class SubscriberOverflow(Exception):
    """The subscriber fell too far behind; it must resume from its last cursor."""


class EventBus(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def publish(self, message: dict[str, Any]) -> None: ...
    def subscribe(self, max_queued: int = 1000) -> Any: ...
    @property
    def healthy(self) -> bool: ...


RESYNC: dict[str, Any] = {"type": "resync"}  # the bus may have dropped messages: re-read stored events


# How the current task gives up what it holds while it idles: an operation task sets it to its
# admission slot's `idle` (app.admission), so a subscriber waiting here for its next message
# holds no slot; it takes one again, waiting its turn, before it goes on with the message.
idle_while_waiting: ContextVar[Callable[[], AbstractAsyncContextManager[None]] | None] = ContextVar(
    "idle_while_waiting", default=None
)


class Subscription:
    """One subscriber's bounded queue (of bus messages, or of whatever its producer offers).

    Deliberately small (a list and, while waiting, one future): a server holds one per
    subscriber, thousands of them idle.
    """

    __slots__ = ("_items", "_waiter", "max_queued", "overflowed")

    def __init__(self, max_queued: int):
        self.max_queued = max_queued
        self._items: list[Any] = []
        self._waiter: asyncio.Future | None = None
        self.overflowed = False

    def offer(self, message: Any) -> None:
        if self.overflowed:
            return
        if len(self._items) >= self.max_queued:
            self.overflowed = True
            self._items.clear()  # nothing more is delivered: the reader must resume from its cursor
        else:
            self._items.append(message)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)  # wake the reader now, not on the next event

    async def get(self) -> Any:
        while not self._items:
            if self.overflowed:
                raise SubscriberOverflow("subscriber queue overflowed")
            self._waiter = asyncio.get_running_loop().create_future()
            idle = idle_while_waiting.get()
            try:
                if idle is None:
                    await self._waiter
                else:
                    async with idle():
                        await self._waiter
            finally:
                self._waiter = None
        if self.overflowed:
            raise SubscriberOverflow("subscriber queue overflowed")
        return self._items.pop(0)

    def reset(self) -> None:
        """Forget what is queued, and the overflow: for a reader that re-reads its source anyway."""
        self._items.clear()
        self.overflowed = False

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Any]:
        while True:
            yield await self.get()


class InProcessBus:
    """Fan-out to the subscribers of this process."""

    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subscribers.clear()

    @property
    def healthy(self) -> bool:
        return True

    async def publish(self, message: dict[str, Any]) -> None:
        self.deliver(message)

    def deliver(self, message: dict[str, Any]) -> None:
        for subscriber in list(self._subscribers):
            subscriber.offer(message)

    @asynccontextmanager
    async def subscribe(self, max_queued: int = 1000) -> AsyncIterator[Subscription]:
        subscription = Subscription(max_queued)
        self._subscribers.add(subscription)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
