"""Running a mutation: one transaction, typed errors, events published after commit."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain.errors import DomainError, ErrorCode, ValidationErrors
from domain.events import event_message, pending_events
from domain.notifications import notification_message, pending_notifications
from domain.validation import Problems, check_input
from domain.viewer import Viewer
from models.database import is_retryable, is_unavailable
from resolvers.context import ServiceUnavailable
from schema.common import UserError

T = TypeVar("T")
log = logging.getLogger("provider_orders.mutations")


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [UserError(code=e.code, message=e.message, field=e.field) for e in errors]


async def run_mutation(
    info: Info, action: Callable[[AsyncSession, Viewer], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """Run `action` in one write transaction.

    Returns (result, []) after commit, or (None, errors) when the domain refused: then the
    transaction was rolled back and nothing was written or published. A viewer over the
    mutation rate limit gets `RateLimited` (`extensions.code = RATE_LIMITED`) before anything runs.

    A transaction that lost a race (serialization failure, deadlock, lock timeout, SQLite
    busy) runs again from the start in a fresh transaction, a bounded number of times with
    jittered backoff; once those are spent the payload says CONFLICT. A database that cannot
    be reached raises `ServiceUnavailable` (a GraphQL error, `extensions.code =
    SERVICE_UNAVAILABLE`). Events are published once, after the commit that succeeded.
    """
    ctx = info.context
    viewer = ctx.require_viewer()
    await ctx.check_mutation_rate(viewer)
    try:
        check_arguments(info)
    except DomainError as error:
        return None, user_errors(error)
    attempts = max(1, ctx.settings.mutation_attempts)
    for attempt in range(1, attempts + 1):
        try:
            async with ctx.db.write_session() as session:
                result = await action(session, viewer)
                # Taken before the commit, which stores them (domain.events) and gives ids.
                events = list(pending_events(session))
                notified = list(pending_notifications(session))
            break
        except DomainError as error:
            return None, user_errors(error)
        except Exception as error:
            if is_retryable(error):
                if attempt < attempts:
                    log.info(
                        "transaction lost a race (attempt %d of %d): %s", attempt, attempts, error.__class__.__name__
                    )
                    await asyncio.sleep(retry_delay(attempt))
                    continue
                log.warning("transaction still conflicting after %d attempts", attempts)
                return None, user_errors(DomainError(ErrorCode.CONFLICT, CONFLICT_MESSAGE))
            if is_unavailable(error):
                log.warning("database unavailable during a mutation: %r", error)
                raise ServiceUnavailable() from error
            raise
    notices = notification_message(notified)
    for event in events:
        try:
            await ctx.bus.publish(event_message(event))
        except Exception:
            log.exception("could not publish event %s", event.id)
    if notices is not None:
        try:
            await ctx.bus.publish(notices)
        except Exception:
            log.exception("could not publish notifications")
    return result, []


def check_arguments(info: Info) -> None:
    """Every text and list of the mutation's arguments, wherever it is in them, before any
    other check (domain.validation.check_input): VALIDATION with the field's path."""
    problems = Problems()
    for name, value in info.selected_fields[0].arguments.items():
        check_input(value, [name], problems)
    problems.raise_any()


CONFLICT_MESSAGE = "Others changed this at the same moment; reload and try again"


def retry_delay(attempt: int) -> float:
    """Exponential backoff with full jitter: 0-10 ms, 0-20 ms, 0-40 ms, ... (at most 0.5 s)."""
    return random.uniform(0, min(0.5, 0.01 * 2 ** (attempt - 1)))
