"""Running a mutation: one transaction, typed errors, events published after commit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain.errors import DomainError, ValidationErrors
from domain.events import event_message, pending_events
from domain.viewer import Viewer
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
    transaction was rolled back and nothing was written or published.
    """
    ctx = info.context
    viewer = ctx.require_viewer()
    try:
        async with ctx.db.write_session() as session:
            result = await action(session, viewer)
            events = list(pending_events(session))
    except DomainError as error:
        return None, user_errors(error)
    for event in events:
        try:
            await ctx.bus.publish(event_message(event))
        except Exception:  # noqa: BLE001 - the change is committed; subscribers can replay it
            log.exception("could not publish event %s", event.id)
    return result, []
