"""One write transaction of a domain change, and what it collects on the way.

The domain actions receive a `UnitOfWork`: its session, the settings they need, and the lists
where `domain.events.record_event` (and the notifications it writes) put the rows that are
stored last, as the transaction commits (`store_pending`). The mutation runner publishes them
on the bus once the commit has succeeded, so a refused or rolled-back change publishes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from models import Notification, OrderEvent

log = logging.getLogger("provider_orders.unit_of_work")


class NotificationSettings(Protocol):
    """What the notifications written in a transaction read from the settings."""

    smtp_host: str | None
    comment_digest_seconds: int


@dataclass
class UnitOfWork:
    session: AsyncSession
    settings: NotificationSettings
    events: list[OrderEvent] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    stored: bool = field(default=False, init=False)
    # Work outside the database: undone when the transaction fails (a stored file deleted),
    # or done only once it has committed (a removed attachment's file deleted).
    undo: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def run_undo(self) -> None:
        """Best effort, newest first; a failure is logged (the row never committed, so nothing
        points at what is left)."""
        for step in reversed(self.undo):
            try:
                await step()
            except Exception:
                log.exception("could not undo a step of a failed transaction")
        self.undo.clear()

    async def run_after_commit(self) -> None:
        for step in self.after_commit:
            try:
                await step()
            except Exception:
                log.exception("could not finish a step after the commit")
        self.after_commit.clear()

    def store_pending(self) -> None:
        """Add the transaction's events and notifications last, just before it commits.

        Event ids must grow in commit order, so that "every event after id N" (the subscribers'
        replay) misses nothing: no transaction may commit an event with a smaller id later; the
        same goes for notification ids (`notificationAdded`). SQLite writers are serialised
        already (BEGIN IMMEDIATE): ids drawn at insert are in commit order. On PostgreSQL the
        rows are inserted with a draft id (`draft_id`, negative), and a deferred trigger
        (`id_at_commit`, migration 0003) gives each its real id inside the COMMIT, under a
        transaction-scoped advisory lock that is released once the commit is visible. Writers
        therefore wait for each other only within PostgreSQL's commit, not across the round
        trips of their last statements (a lock taken earlier would be held while its worker
        waits for a turn on a core, and writers would queue on it). Notifications follow their
        event's new id (`ON UPDATE CASCADE`).

        The rows are flushed by the commit that follows. Called once; later calls add nothing.
        """
        events, notifications = self.events, self.notifications
        if not events or self.stored:
            return
        self.stored = True
        if self.session.get_bind().dialect.name == "postgresql":
            for event in events:
                event.id = draft_id()
            for notification in notifications:
                notification.id = draft_id()
        self.session.add_all(events)
        self.session.add_all(notifications)  # they point at their events


def draft_id() -> Any:
    """`-nextval('draft_id_seq')`: a negative id, unique among the transactions in flight,
    that the commit replaces (PostgreSQL). After the commit the Python object still holds the
    draft: read the row again for its id."""
    return -func.nextval("draft_id_seq")


@asynccontextmanager
async def unit_of_work(
    write_session: AbstractAsyncContextManager[AsyncSession], settings: NotificationSettings
) -> AsyncIterator[UnitOfWork]:
    """A `UnitOfWork` over `write_session` (a session in a transaction that commits when its block
    ends): the pending rows are added when the block ends without an exception, then it commits.
    When the block or the commit fails, the unit's `undo` steps run."""
    uow: UnitOfWork | None = None
    try:
        async with write_session as session:
            uow = UnitOfWork(session, settings)
            yield uow
            uow.store_pending()
    except BaseException:
        if uow is not None:
            await uow.run_undo()
        raise
