"""The admission gate: every GraphQL operation, over HTTP or a WebSocket, waits here for a slot.

A slot is what an operation holds while it executes: `MAX_CONCURRENT_REQUESTS` per process,
so that a burst waits here holding nothing, instead of each operation taking database
connections (a query takes one per DataLoader batch) and starving the pool for everyone.

- Fair: an operation first waits in its user's own line, which holds at most
  `MAX_CONCURRENT_PER_USER` slots; one user's flood queues behind itself, not in front of
  the others. An HTTP request counts for the user its token names (the signature checked,
  before the viewer is loaded); requests without a valid token share one line.
- Bounded: past `ADMISSION_TIMEOUT_SECONDS` of waiting the operation is refused with
  SERVICE_UNAVAILABLE and a `retryAfter` (HTTP: 503 and `Retry-After`), rather than failing
  later on a database pool timeout.
- A subscription holds a slot while it sets up (its checks, a replay) and while an event is
  executed and sent for it, never while it waits for the next event (the wait gives the slot
  up: `subscriptions.bus.idle_while_waiting`), so thousands of idle subscribers hold none.
  An event waits for a slot without a time limit: the subscriber's bounded queue limits
  how far it can fall behind.
- Counted: a user's open WebSockets and operations (subscriptions and operations in flight,
  HTTP included) are capped, per process; past a cap the new socket is closed with 4429 and
  the new operation refused with TOO_MANY_OPERATIONS.
- Mutations have a per-user rate limit (`limits`, moving window), stored in Redis when
  REDIS_URL is set (so every process shares it), in memory otherwise; checked by the
  mutation runner before its transaction (`Context.check_mutation_rate`).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from app.settings import Settings
from resolvers.context import Refused, TooManyOperations, subscription_budget
from subscriptions.bus import idle_while_waiting

log = logging.getLogger("provider_orders.admission")

BUSY_RETRY_AFTER = 1  # seconds: what a client refused at the gate is told to wait
REDIS_TIMEOUT = 1.0  # seconds a rate-limit check waits for Redis before letting the mutation through


class Slot:
    """One operation's claim on the gate: a place in its user's line, then one of the process's slots."""

    __slots__ = ("_gate", "_line", "held")

    def __init__(self, gate: Admission, line: asyncio.Semaphore):
        self._gate, self._line = gate, line
        self.held = False

    async def acquire(self) -> None:
        await self._line.acquire()
        try:
            await self._gate._slots.acquire()
        except BaseException:
            self._line.release()
            raise
        self.held = True
        self._gate.busy += 1

    def release(self) -> None:
        if self.held:
            self.held = False
            self._gate.busy -= 1
            self._gate._slots.release()
            self._line.release()

    @asynccontextmanager
    async def idle(self) -> AsyncIterator[None]:
        """Not holding the slot for the duration (a subscriber waiting for its next event)."""
        if not self.held:
            yield
            return
        self.release()
        try:
            yield
        finally:
            await self.acquire()


class _User:
    __slots__ = ("line", "operations", "sockets", "subscription_cost")

    def __init__(self, slots: int):
        self.line = asyncio.Semaphore(slots)
        self.operations = 0
        self.sockets = 0
        self.subscription_cost = 0  # of the user's open subscriptions (`subscription_budget`)


class _Charges:
    """What one operation took of its user's subscription budget, given back when it ends."""

    __slots__ = ("limit", "taken", "user")

    def __init__(self, user: _User, limit: int):
        self.user, self.limit, self.taken = user, limit, 0

    def __call__(self, cost: int) -> int | None:
        left = self.limit - self.user.subscription_cost
        if cost > left:
            return left
        self.user.subscription_cost += cost
        self.taken += cost
        return None

    def give_back(self) -> None:
        self.user.subscription_cost -= self.taken
        self.taken = 0


class Admission:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.timeout = settings.admission_timeout_seconds
        self.max_operations_per_socket = settings.max_operations_per_socket
        self._slots = asyncio.Semaphore(settings.max_concurrent_requests)
        self.busy = 0  # slots held right now
        self._users: dict[int | None, _User] = {}
        self.mutation_limit = MutationRateLimit.from_settings(settings)

    @asynccontextmanager
    async def operation(self, user_id: int | None) -> AsyncIterator[Slot]:
        """One operation of a user, holding a slot (given up while it idles). Raises Refused
        when the user has too many operations, or no slot came in time."""
        user = self._user(user_id)
        if user.operations >= self.settings.max_operations_per_user:
            self._forget(user_id, user)
            raise TooManyOperations("for this user")
        user.operations += 1
        slot = Slot(self, user.line)
        try:
            try:
                async with asyncio.timeout(self.timeout):
                    await slot.acquire()
            except TimeoutError:
                raise Refused(
                    "The server is busy; try again shortly", "SERVICE_UNAVAILABLE", BUSY_RETRY_AFTER
                ) from None
            charges = _Charges(user, self.settings.max_subscription_cost_per_user)
            token = idle_while_waiting.set(slot.idle)
            budget_token = subscription_budget.set(charges)
            try:
                yield slot
            finally:
                subscription_budget.reset(budget_token)
                idle_while_waiting.reset(token)
                charges.give_back()
        finally:
            slot.release()
            user.operations -= 1
            self._forget(user_id, user)

    def open_socket(self, user_id: int) -> bool:
        """Counts an acknowledged WebSocket of the user; False (not counted) past the cap."""
        user = self._user(user_id)
        if user.sockets >= self.settings.max_sockets_per_user:
            self._forget(user_id, user)
            return False
        user.sockets += 1
        return True

    def close_socket(self, user_id: int) -> None:
        user = self._users.get(user_id)
        if user is not None:
            user.sockets -= 1
            self._forget(user_id, user)

    async def mutation_retry_after(self, user_id: int) -> int | None:
        """Counts a mutation of the user: None when it may run, else the seconds to wait."""
        if self.mutation_limit is None:
            return None
        return await self.mutation_limit.retry_after(user_id)

    async def close(self) -> None:
        if self.mutation_limit is not None:
            await self.mutation_limit.close()

    def _user(self, user_id: int | None) -> _User:
        user = self._users.get(user_id)
        if user is None:
            user = self._users[user_id] = _User(self.settings.max_concurrent_per_user)
        return user

    def _forget(self, user_id: int | None, user: _User) -> None:
        if user.operations == 0 and user.sockets == 0:
            self._users.pop(user_id, None)


class MutationRateLimit:
    """`MUTATION_RATE_LIMIT` per user, e.g. "60/minute": at most 60 in any 60 seconds."""

    def __init__(self, rate: str, redis_url: str | None = None, key_prefix: str = "provider-orders:limits"):
        self.item = parse(rate)
        self._pool: ConnectionPool | None = None
        if redis_url:
            self._pool = ConnectionPool.from_url(
                redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
            )
            storage: Any = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=key_prefix,
                wrap_exceptions=True,
                # limits types the storage options as scalars; redis-py takes the pool itself.
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
        else:
            storage = MemoryStorage(wrap_exceptions=True)
        self.limiter = MovingWindowRateLimiter(storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> MutationRateLimit | None:
        if not settings.mutation_rate_limit.strip():
            return None
        return cls(settings.mutation_rate_limit, settings.redis_url, settings.rate_limit_key_prefix)

    async def retry_after(self, user_id: int) -> int | None:
        key = ("mutations", str(user_id))
        try:
            if await self.limiter.hit(self.item, *key):
                return None
            stats = await self.limiter.get_window_stats(self.item, *key)
        except StorageError as exc:
            # Redis down: writes go on (the database is the authority); the bus reports the outage.
            log.warning("mutation rate limit unavailable, not applied: %r", exc.storage_error)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()
