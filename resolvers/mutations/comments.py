"""addComment."""

from __future__ import annotations

from strawberry.types import Info

from domain.comments import add_comment
from domain.ids import decode_id
from resolvers.mutations.common import ORDER_ID, mutate, selects
from schema.order_inputs import AddCommentInput
from schema.order_payloads import AddCommentPayload


async def resolve_add_comment(info: Info, input: AddCommentInput) -> AddCommentPayload:
    async def act(session, viewer):
        return await add_comment(session, viewer, decode_id(input.order_id, "Order", field=ORDER_ID), input.body)

    comment, errors = await mutate(info, act)
    if comment is None:
        return AddCommentPayload(errors=errors)
    order = await info.context.loaders.order.load(comment.order_id) if selects(info, "order") else None
    return AddCommentPayload(order=order, comment=comment, errors=errors)
