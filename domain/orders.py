"""Loading an order for an action (who may see it, which parts the viewer plays) and saving it.

Every change to an order bumps `version` and moves `last_activity_at`. Transitions and quote
changes save through `save_order`, a guarded UPDATE (`WHERE id = :id AND version = :seen`) that
refuses with CONFLICT when someone else changed the order since it was read: on PostgreSQL two
racing transactions can read the same version, and only one UPDATE can match it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain.access import OrderView, order_view
from domain.errors import DomainError, ErrorCode, not_found
from domain.transitions import TRANSITIONS, OrderAction, Role, Transition, roles_of
from domain.viewer import Viewer
from models import Order, OrderInvitation, OrderStatus
from models.base import utcnow


@dataclass
class OrderAccess:
    """An order loaded for `viewer`, with what the viewer sees and may do."""

    order: Order
    view: OrderView
    roles: frozenset[Role]
    invitation: OrderInvitation | None  # the viewer's organisation's (providers only)

    @property
    def full(self) -> bool:
        return self.view is OrderView.FULL


async def load_order(session: AsyncSession, viewer: Viewer, order_id: int, *, field: list[str]) -> OrderAccess:
    """The order as `viewer` sees it; NOT_FOUND when it does not exist or is not theirs to see."""
    order = await session.get(Order, order_id)
    if order is None:
        raise not_found("order", field)
    return await access_to(session, viewer, order, field=field)


async def access_to(
    session: AsyncSession, viewer: Viewer, order: Order, *, field: list[str], what: str = "order"
) -> OrderAccess:
    """`what`: the thing the input named (a quote or lead of the order reads as not found too)."""
    invitation = None
    if viewer.is_provider and order.portal_id == viewer.portal_id:
        invitation = await session.scalar(
            select(OrderInvitation).where(
                OrderInvitation.order_id == order.id, OrderInvitation.provider_id == viewer.organization_id
            )
        )
    view = order_view(viewer, order, invited=invitation is not None)
    if view is OrderView.NONE:
        raise not_found(what, field)
    # A provider that declined still sees its quote request but may no longer act on it.
    invited = invitation is not None and invitation.declined_at is None
    return OrderAccess(order, view, roles_of(viewer, order, invited=invited), invitation)


VERBS = {
    OrderAction.SUBMIT_QUOTE: "submit a quote on",
    OrderAction.DECLINE_TO_QUOTE: "decline to quote on",
    OrderAction.ACCEPT_QUOTE: "accept a quote on",
    OrderAction.APPROVE_ORDER: "approve",
    OrderAction.REJECT_ORDER: "reject",
    OrderAction.ACCEPT_ORDER: "accept",
    OrderAction.DENY_ORDER: "deny",
    OrderAction.START_WORK: "start work on",
    OrderAction.REQUEST_PARTNER_INPUT: "request input on",
    OrderAction.PROVIDE_INPUT: "provide input on",
    OrderAction.RESUME_WORK: "resume work on",
    OrderAction.SCHEDULE_EXECUTION: "schedule",
    OrderAction.START_EXECUTION: "start executing",
    OrderAction.COMPLETE_ORDER: "complete",
    OrderAction.CANCEL_ORDER: "cancel",
    OrderAction.ARCHIVE_ORDER: "archive",
    OrderAction.ACCEPT_DELIVERABLES: "accept the deliverables of",
    OrderAction.REQUEST_CHANGES: "request changes to",
}
ROLE_NAMES = {
    Role.PARTNER: "the ordering partner",
    Role.SUPPLIER: "the portal's channel managers",
    Role.ASSIGNED_PROVIDER: "the assigned provider",
    Role.INVITED_PROVIDER: "a provider asked to quote",
}


def require_transition(access: OrderAccess, action: OrderAction, *, field: list[str]) -> Transition:
    """The table's row for `action`: FORBIDDEN for the wrong party, INVALID_TRANSITION for the wrong status."""
    transition = TRANSITIONS[action]
    verb = VERBS[action]
    if not access.roles & transition.actors:
        who = " or ".join(ROLE_NAMES[r] for r in Role if r in transition.actors)
        raise DomainError(ErrorCode.FORBIDDEN, f"Only {who} may {verb} this order.", field)
    status = access.order.status
    if status not in transition.sources:
        allowed = ", ".join(s.value for s in OrderStatus if s in transition.sources)
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Cannot {verb} an order that is {status.value} (only when {allowed}).",
            field,
        )
    return transition


async def save_order(session: AsyncSession, order: Order, *, field: list[str] | None = None, **changes: Any) -> None:
    """Write `changes` to the order if nobody changed it since it was read (else CONFLICT)."""
    now = utcnow()
    values = {**changes, "version": order.version + 1, "last_activity_at": now}
    result = await session.execute(
        update(Order)
        .where(Order.id == order.id, Order.version == order.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult, result).rowcount != 1:
        raise DomainError(
            ErrorCode.CONFLICT, "the order was changed by someone else meanwhile; reload it and try again", field
        )
    _sync(order, values)


async def bump_order(session: AsyncSession, order: Order, **increments: int) -> None:
    """Count additions (comments, leads) atomically: no version guard, so two people commenting at
    once both succeed; the version still moves, so a transition racing with it is refused."""
    now = utcnow()
    columns = {name: getattr(Order, name) for name in increments}
    values: dict[str, Any] = {name: columns[name] + n for name, n in increments.items()}
    values |= {"version": Order.version + 1, "last_activity_at": now}
    row = (
        await session.execute(
            update(Order)
            .where(Order.id == order.id)
            .values(**values)
            .returning(Order.version, *columns.values())
            .execution_options(synchronize_session=False)
        )
    ).one()
    _sync(order, {"version": row[0], "last_activity_at": now, **dict(zip(columns, row[1:], strict=True))})


def _sync(order: Order, values: dict[str, Any]) -> None:
    """Reflect what was written in the loaded object without marking it dirty."""
    for key, value in values.items():
        set_committed_value(order, key, value)


async def touch_invitations(
    session: AsyncSession, order: Order, *, provider_id: int | None = None, now: datetime | None = None
) -> None:
    """A change an invited provider sees on its quote request (its own quote or decline:
    `provider_id`; an edit of the description: every provider asked) moves that provider's
    `last_activity_at` and `version` (models.order.OrderInvitation), not its rivals'."""
    where = [OrderInvitation.order_id == order.id]
    if provider_id is not None:
        where.append(OrderInvitation.provider_id == provider_id)
    await session.execute(
        update(OrderInvitation)
        .where(*where)
        .values(version=OrderInvitation.version + 1, last_activity_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
