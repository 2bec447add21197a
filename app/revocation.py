"""Closing the WebSockets of users whose access ended, in every server process.

A socket is authenticated once, at `connection_init`, and may stay open for the token's whole
life. So each process keeps its open sockets by user id (`OpenSockets`: one dict entry per
socket), and closes a user's sockets with 4403 when the user, or the user's organisation, is
deactivated or the user's tokens are revoked (`domain.accounts`):

- on the bus message `{"type": "access", "users": [...]}` sent after that commit (Redis
  carries it to every process): the named users with sockets here are re-checked (one query);
- every `ACCESS_RECHECK_SECONDS`, and after the bus reconnected (messages may have been lost),
  every open socket's user is re-checked (one query per few thousand users);
- every operation started on a socket reloads its viewer first (`GraphQLView.recheck_viewer`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from app.auth import current_token_versions
from app.db import Database
from domain.accounts import ACCESS_MESSAGE
from subscriptions.bus import RESYNC, EventBus, SubscriberOverflow

log = logging.getLogger("provider_orders.revocation")

# graphql-transport-ws's Forbidden, as for an expired token.
ACCESS_REVOKED = (4403, "Forbidden: access revoked")


class OpenSockets:
    """This process's authenticated WebSockets: user id -> {connection: token version}."""

    def __init__(self) -> None:
        self._by_user: dict[int, dict[Any, int]] = {}

    def __len__(self) -> int:
        return sum(len(connections) for connections in self._by_user.values())

    def add(self, user_id: int, token_version: int, connection: Any) -> None:
        self._by_user.setdefault(user_id, {})[connection] = token_version

    def discard(self, user_id: int, connection: Any) -> None:
        connections = self._by_user.get(user_id)
        if connections is not None:
            connections.pop(connection, None)
            if not connections:
                del self._by_user[user_id]

    def __contains__(self, user_id: int) -> bool:
        return user_id in self._by_user

    def user_ids(self) -> list[int]:
        return list(self._by_user)

    def refused(self, user_ids: list[int], allowed: dict[int, int]) -> list[tuple[int, Any]]:
        """(user id, connection) of the sockets of `user_ids` whose user is no longer allowed in
        (missing from `allowed`) or whose token was revoked (another version)."""
        return [
            (user_id, connection)
            for user_id in user_ids
            for connection, version in list(self._by_user.get(user_id, {}).items())
            if allowed.get(user_id) != version
        ]


class AccessWatcher:
    """Re-checks the users of this process's open sockets, on bus messages and periodically."""

    def __init__(self, db: Database, bus: EventBus, sockets: OpenSockets, interval: float):
        self.db, self.bus, self.sockets, self.interval = db, bus, sockets, interval
        self._task: asyncio.Task | None = None
        self.closed = 0  # sockets closed so far (for tests and logs)

    def ensure_started(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="access-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = 0.1
        while True:
            try:
                async with self.bus.subscribe(max_queued=1000) as messages:
                    loop = asyncio.get_running_loop()
                    due = loop.time() + self.interval
                    while True:
                        try:
                            message = await asyncio.wait_for(messages.get(), max(0.0, due - loop.time()))
                        except TimeoutError:
                            message = None
                        except SubscriberOverflow:
                            messages.reset()
                            message = RESYNC
                        if message is None or message.get("type") == RESYNC["type"]:
                            await self.recheck(self.sockets.user_ids())
                            due = loop.time() + self.interval
                            delay = 0.1
                        elif message.get("type") == ACCESS_MESSAGE:
                            users = message.get("users")
                            if isinstance(users, list):
                                await self.recheck([u for u in users if isinstance(u, int)])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("re-checking open sockets failed; retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def recheck(self, user_ids: list[int]) -> int:
        """Close the sockets of those of `user_ids` no longer allowed in; how many were closed."""
        mine = [user_id for user_id in set(user_ids) if user_id in self.sockets]
        if not mine:
            return 0
        async with self.db.read_session() as session:
            allowed = await current_token_versions(session, mine)
        refused = self.sockets.refused(mine, allowed)
        for user_id, connection in refused:
            self.sockets.discard(user_id, connection)
        if refused:
            log.info("closing %d websocket(s) whose access ended", len(refused))
            await asyncio.gather(
                *(connection.close(*ACCESS_REVOKED) for _, connection in refused), return_exceptions=True
            )
            self.closed += len(refused)
        return len(refused)
