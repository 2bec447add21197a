"""The one way a mutation runs: one transaction with its unit of work, typed errors, retries,
events published after commit.

A mutation resolver gives `run_mutation` a domain action `(uow, viewer) -> result` and gets back
`(result, [])` after commit, or `(None, errors)` (the `DomainError`s, each one problem) when the
input or the domain refused: nothing was written or published then. The schema layer turns the
errors into the payload's `UserError`s.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from strawberry.types import Info

from domain.accounts import access_message, pending_access_changes
from domain.errors import DomainError, ErrorCode, ValidationErrors
from domain.events import event_message
from domain.notifications import notification_message
from domain.unit_of_work import UnitOfWork, unit_of_work
from domain.validation import Problems, check_input
from domain.viewer import Viewer
from models.database import is_retryable, is_unavailable
from resolvers.context import ServiceUnavailable
from resolvers.dataloaders import Loaders
from resolvers.orders import selected_fields

T = TypeVar("T")
Action = Callable[[UnitOfWork, Viewer], Awaitable[T]]
log = logging.getLogger("provider_orders.mutations")

CONFLICT_MESSAGE = "Others changed this at the same moment; reload and try again"


async def run_mutation(info: Info, action: Action[T]) -> tuple[T | None, list[DomainError]]:
    """Run `action` in one write transaction and unit of work.

    A viewer over the mutation rate limit gets `RateLimited` (`extensions.code = RATE_LIMITED`)
    before anything runs; then every text and list of the arguments is checked
    (`check_arguments`). A transaction that lost a race (serialization failure, deadlock, lock
    timeout, SQLite busy) runs again from the start in a fresh transaction, a bounded number of
    times with jittered backoff; once those are spent the errors say CONFLICT. A database that
    cannot be reached raises `ServiceUnavailable` (a GraphQL error, `extensions.code =
    SERVICE_UNAVAILABLE`). After the commit the context gets fresh loaders (the payload, and later
    root fields of the same operation, read the state after the change, not what was cached
    before it), and the events and notifications are published once.
    """
    ctx = info.context
    viewer = ctx.require_viewer()
    await ctx.check_mutation_rate(viewer)
    try:
        check_arguments(info)
    except DomainError as error:
        return None, problems_of(error)
    attempts = max(1, ctx.settings.mutation_attempts)
    for attempt in range(1, attempts + 1):
        try:
            async with unit_of_work(ctx.db.write_session(), ctx.settings) as uow:
                result = await action(uow, viewer)
            break
        except DomainError as error:
            return None, problems_of(error)
        except Exception as error:
            if is_retryable(error):
                if attempt < attempts:
                    log.info(
                        "transaction lost a race (attempt %d of %d): %s", attempt, attempts, error.__class__.__name__
                    )
                    await asyncio.sleep(retry_delay(attempt))
                    continue
                log.warning("transaction still conflicting after %d attempts", attempts)
                return None, [DomainError(ErrorCode.CONFLICT, CONFLICT_MESSAGE)]
            if is_unavailable(error):
                log.warning("database unavailable during a mutation: %r", error)
                raise ServiceUnavailable() from error
            raise
    ctx.loaders = Loaders(ctx.db)
    await publish(ctx.bus, uow)
    await uow.run_after_commit()
    return result, []


async def publish(bus: Any, uow: UnitOfWork) -> None:
    """The committed unit's events, then whose notifications to re-read, then whose access ended
    (every process closes their WebSockets: app.revocation); a bus failure is logged (the rows
    are stored: subscribers replay them, and open sockets are re-checked periodically)."""
    access = access_message(pending_access_changes(uow.session))
    if access is not None:
        try:
            await bus.publish(access)
        except Exception:
            log.exception("could not publish an access change")
    for event in uow.events:
        try:
            await bus.publish(event_message(event))
        except Exception:
            log.exception("could not publish event %s", event.id)
    notices = notification_message(uow.notifications)
    if notices is not None:
        try:
            await bus.publish(notices)
        except Exception:
            log.exception("could not publish notifications")


def problems_of(error: DomainError) -> list[DomainError]:
    return list(error.errors) if isinstance(error, ValidationErrors) else [error]


def check_arguments(info: Info) -> None:
    """Every text and list of the mutation's arguments, wherever it is in them, before any
    other check (domain.validation.check_input): VALIDATION with the field's path."""
    problems = Problems()
    for name, value in info.selected_fields[0].arguments.items():
        check_input(value, [name], problems)
    problems.raise_any()


def selects(info: Info, name: str) -> bool:
    """Whether the operation asks for field `name` of this mutation's payload (fragments
    included): the payload reads what is not asked for only when it is cheap."""
    return name in selected_fields(info.selected_fields, ())


def retry_delay(attempt: int) -> float:
    """Exponential backoff with full jitter: 0-10 ms, 0-20 ms, 0-40 ms, ... (at most 0.5 s)."""
    return random.uniform(0, min(0.5, 0.01 * 2 ** (attempt - 1)))
