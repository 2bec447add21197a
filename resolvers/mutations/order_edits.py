"""updateOrder, updateEstimatedCompletion."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from domain import order_edits
from domain.errors import DomainError
from domain.ids import decode_id
from domain.ordering import ContactData
from models import Order
from resolvers.mutations.runner import run_mutation

ORDER_ID = ["input", "orderId"]


def _given(value: Any) -> bool:
    return value is not strawberry.UNSET


async def resolve_update_order(info: Info, input: Any) -> tuple[Order | None, list[DomainError]]:
    """Parts left out of the input stay as they are; a null description clears it, a null list
    empties it."""

    async def act(uow, viewer):
        changes = order_edits.OrderChanges(
            description=(input.description or "") if _given(input.description) else None,
            contacts=(
                [ContactData(name=c.name, email=c.email, phone=c.phone, role=c.role) for c in input.contacts or []]
                if _given(input.contacts)
                else None
            ),
            notification_recipients=(
                list(input.notification_recipients or []) if _given(input.notification_recipients) else None
            ),
        )
        return await order_edits.update_order(uow, viewer, decode_id(input.order_id, "Order", field=ORDER_ID), changes)

    return await run_mutation(info, act)


async def resolve_update_estimated_completion(info: Info, input: Any) -> tuple[Order | None, list[DomainError]]:
    async def act(uow, viewer):
        order_id = decode_id(input.order_id, "Order", field=ORDER_ID)
        return await order_edits.update_estimated_completion(
            uow, viewer, order_id, input.estimated_completion_on, input.reason
        )

    return await run_mutation(info, act)
