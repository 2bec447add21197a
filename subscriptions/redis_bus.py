"""The Redis pub/sub event bus: carries event doorbells between server processes.

One pub/sub connection per process reads the channel and fans each message out to the
process's local bounded queues (in practice one: the event feed's). Publishing never raises
into the mutation that committed the event: a failure is logged, and the event is still
delivered from the stored events (the feed re-reads them on a resync and on its poll).

Redis pub/sub drops whatever is published while a subscriber is disconnected. So after every
(re)connection the bus offers a `{"type": "resync"}` marker to its local subscribers, which
re-read the stored events after the last one they delivered: nothing is lost, nothing doubled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from subscriptions.bus import RESYNC, EventBus, InProcessBus, Subscription

log = logging.getLogger("provider_orders.bus.redis")


class RedisBus(InProcessBus):
    """The in-process fan-out, fed from a Redis channel instead of directly."""

    def __init__(
        self,
        url: str,
        channel: str = "provider-orders:events",
        *,
        min_backoff: float = 0.1,
        max_backoff: float = 5.0,
        publish_timeout: float = 2.0,
    ):
        super().__init__()
        self.url, self.channel = url, channel
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        # Named, so that an operator (or a test) can find this process's reader in CLIENT LIST.
        self.client_name = f"po-bus-{os.getpid()}-{random.randrange(1 << 32):08x}"
        self._publisher = redis.from_url(
            url,
            socket_timeout=publish_timeout,
            socket_connect_timeout=publish_timeout,
            health_check_interval=30,
        )
        self._reader: asyncio.Task | None = None
        self._connected = asyncio.Event()
        self.reconnects = 0

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_forever(), name="redis-bus-reader")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._reader
            self._reader = None
        self._connected.clear()
        self._subscribers.clear()
        with suppress(Exception):
            await self._publisher.aclose()

    @property
    def healthy(self) -> bool:
        """Subscribed to the channel right now (for /readyz)."""
        return self._connected.is_set()

    async def wait_connected(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    # -- publishing --------------------------------------------------------------------------
    async def publish(self, message: dict[str, Any]) -> None:
        """Send to every process (this one included, through Redis). Never raises."""
        try:
            await self._publisher.publish(self.channel, json.dumps(message, separators=(",", ":")))
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning(
                "could not publish an event of order %s on Redis (%s); subscribers will re-read it",
                message.get("order_id"),
                exc,
            )
            # This process's own subscribers need not wait for their poll.
            self.deliver(message)

    @asynccontextmanager
    async def subscribe(self, max_queued: int = 1000) -> AsyncIterator[Subscription]:
        await self.start()
        async with super().subscribe(max_queued) as subscription:
            yield subscription

    # -- the one reader ----------------------------------------------------------------------
    async def _read_forever(self) -> None:
        backoff = self.min_backoff
        while True:
            client = redis.from_url(
                self.url,
                client_name=self.client_name,
                socket_connect_timeout=2.0,
                socket_keepalive=True,
                health_check_interval=5,
            )
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        # (Re)subscribed, by us or by redis-py's own reconnect: whatever was
                        # published meanwhile is lost to pub/sub, so re-read the stored events.
                        self._connected.set()
                        backoff = self.min_backoff
                        self.deliver(RESYNC)
                    elif message["type"] == "message":
                        self._on_message(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._connected.clear()
                self.reconnects += 1
                log.warning("Redis bus connection lost (%s); reconnecting in about %.1fs", exc, backoff)
            finally:
                self._connected.clear()
                with suppress(Exception):
                    await pubsub.aclose()
                with suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(backoff * (0.5 + random.random() / 2))
            backoff = min(backoff * 2, self.max_backoff)

    def _on_message(self, data: bytes | str) -> None:
        try:
            message = json.loads(data)
        except (TypeError, ValueError):
            log.warning("ignoring a malformed bus message: %r", data[:200])
            return
        if isinstance(message, dict):
            self.deliver(message)


def create_bus(redis_url: str | None, channel: str = "provider-orders:events") -> EventBus:
    """The bus over Redis with a REDIS_URL (several processes), else the in-process one."""
    return RedisBus(redis_url, channel=channel) if redis_url else InProcessBus()
