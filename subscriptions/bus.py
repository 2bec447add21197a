"""The event bus: tells subscribers that stored order events exist.

Messages are small dicts (`{"event_id": .., "order_id": .., "portal_id": .., "kind": ..}`);
subscribers load the stored event and check access themselves. The in-process bus serves
one server process (`make run`); the Redis bus (`REDIS_URL`) carries events between processes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

log = logging.getLogger("provider_orders.bus")


class SubscriberOverflow(Exception):
    """The subscriber fell too far behind; it must resume from its last cursor."""


class EventBus(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def publish(self, message: dict[str, Any]) -> None: ...
    def subscribe(self, max_queued: int = 1000) -> Any: ...


RESYNC: dict[str, Any] = {"type": "resync"}  # the bus may have dropped messages: re-read stored events
_OVERFLOW: dict[str, Any] = {"type": "overflow"}


class Subscription:
    """One subscriber's bounded queue (of bus messages, or of whatever its producer offers)."""

    __slots__ = ("overflowed", "queue")

    def __init__(self, max_queued: int):
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=max_queued)
        self.overflowed = False

    def offer(self, message: Any) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True
            # Wake the reader so it notices the overflow now, not on the next event.
            self.queue._queue.appendleft(_OVERFLOW)  # type: ignore[attr-defined]
            self.queue._wakeup_next(self.queue._getters)  # type: ignore[attr-defined]

    async def get(self) -> Any:
        message = await self.queue.get()
        if message is _OVERFLOW:
            raise SubscriberOverflow("subscriber queue overflowed")
        return message

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[dict[str, Any]]:
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


def create_bus(redis_url: str | None, channel: str = "provider-orders:events") -> EventBus:
    if redis_url:
        from subscriptions.redis_bus import RedisBus

        return RedisBus(redis_url, channel=channel)
    return InProcessBus()
