"""Running a mutation: one transaction, typed errors, events published after commit."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from strawberry.types import Info

from app.db import is_retryable, is_unavailable
from domain.errors import DomainError, ErrorCode, ValidationErrors
from domain.events import event_message
from domain.notifications import notification_message
from domain.unit_of_work import UnitOfWork, unit_of_work
from domain.validation import Problems, check_input
from domain.viewer import Viewer
from resolvers.context import ServiceUnavailable
from schema.common import UserError

T = TypeVar("T")
log = logging.getLogger("provider_orders.mutations")


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [UserError(code=e.code, message=e.message, field=e.field) for e in errors]


async def run_mutation(
    info: Info, action: Callable[[UnitOfWork, Viewer], Awaitable[T]]
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
            async with unit_of_work(ctx.db.write_session(), ctx.settings) as uow:
                result = await action(uow, viewer)
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
    notices = notification_message(uow.notifications)
    for event in uow.events:
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
