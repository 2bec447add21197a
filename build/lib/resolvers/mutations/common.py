"""What every order mutation resolver shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from domain.viewer import Viewer
from resolvers.dataloaders import Loaders
from resolvers.mutations.base import run_mutation
from schema.common import UserError

T = TypeVar("T")
ORDER_ID = ["input", "orderId"]


async def mutate(info: Info, action: Callable[[AsyncSession, Viewer], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """`run_mutation`, then fresh loaders: the payload (and later root fields of the same
    operation) must read the state after the change, not what was cached before it."""
    result, errors = await run_mutation(info, action)
    if not errors:
        info.context.loaders = Loaders(info.context.db)
    return result, errors
