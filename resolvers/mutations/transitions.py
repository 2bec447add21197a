"""The plain transition mutations: approve, reject, accept, deny, start, request/provide input,
resume, schedule, start execution, complete, cancel, archive. Each is one row of the table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from strawberry.types import Info

from domain import workflow
from domain.ids import decode_id
from domain.transitions import OrderAction
from resolvers.mutations.common import ORDER_ID, mutate


async def run_transition(
    info: Info,
    action: OrderAction,
    order_id: str,
    payload: type,
    *,
    reason: str | None = None,
    scheduled_for: datetime | None = None,
) -> Any:
    async def act(session, viewer):
        pk = decode_id(order_id, "Order", field=ORDER_ID)
        return await workflow.perform(session, viewer, pk, action, reason=reason, scheduled_for=scheduled_for)

    order, errors = await mutate(info, act)
    return payload(order=order, errors=errors)
