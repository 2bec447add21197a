"""addComment."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain.comments import add_comment
from domain.errors import DomainError
from domain.ids import decode_id
from models import Comment, Order
from resolvers.mutations.runner import run_mutation, selects

ORDER_ID = ["input", "orderId"]
PROVIDER_ID = ["input", "providerId"]


async def resolve_add_comment(info: Info, input: Any) -> tuple[tuple[Order | None, Comment] | None, list[DomainError]]:
    """(order, comment): the order only when the operation asks for it."""

    async def act(uow, viewer):
        order_id = decode_id(input.order_id, "Order", field=ORDER_ID)
        provider_id = None if input.provider_id is None else decode_id(input.provider_id, "Provider", field=PROVIDER_ID)
        return await add_comment(uow, viewer, order_id, input.body, provider_id)

    comment, errors = await run_mutation(info, act)
    if comment is None:
        return None, errors
    order = await info.context.loaders.order.load(comment.order_id) if selects(info, "order") else None
    return (order, comment), errors
