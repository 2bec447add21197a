"""What every order mutation resolver shares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from strawberry.types import Info

from domain.unit_of_work import UnitOfWork
from domain.viewer import Viewer
from resolvers.dataloaders import Loaders
from resolvers.mutations.base import run_mutation
from resolvers.orders import selected_fields
from schema.common import UserError

T = TypeVar("T")
ORDER_ID = ["input", "orderId"]


def selects(info: Info, name: str) -> bool:
    """Whether the operation asks for field `name` of this mutation's payload (fragments
    included): the payload reads what is not asked for only when it is cheap."""
    return name in selected_fields(info.selected_fields, ())


async def mutate(info: Info, action: Callable[[UnitOfWork, Viewer], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """`run_mutation`, then fresh loaders: the payload (and later root fields of the same
    operation) must read the state after the change, not what was cached before it."""
    result, errors = await run_mutation(info, action)
    if not errors:
        info.context.loaders = Loaders(info.context.db)
    return result, errors
