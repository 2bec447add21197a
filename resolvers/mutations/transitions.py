"""The plain transition mutations: approve, reject, accept, deny, start, request/provide input,
resume, schedule, start execution, complete, cancel, archive. Each is one row of the table."""

from __future__ import annotations

from datetime import date, datetime

from strawberry.types import Info

from domain import workflow
from domain.errors import DomainError
from domain.ids import decode_id
from domain.transitions import OrderAction
from models import Order
from resolvers.mutations.runner import run_mutation

ORDER_ID = ["input", "orderId"]


async def resolve_transition(
    info: Info,
    action: OrderAction,
    order_id: str,
    *,
    reason: str | None = None,
    scheduled_for: datetime | None = None,
    estimated_completion_on: date | None = None,
) -> tuple[Order | None, list[DomainError]]:
    """`action` on the order (a global id): the order after the change."""

    async def act(uow, viewer):
        pk = decode_id(order_id, "Order", field=ORDER_ID)
        return await workflow.perform(
            uow,
            viewer,
            pk,
            action,
            reason=reason,
            scheduled_for=scheduled_for,
            estimated_completion_on=estimated_completion_on,
        )

    return await run_mutation(info, act)
