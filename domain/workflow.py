"""The generic transition executor: every status change of DOMAIN.md goes through `change_status`.

`perform` is what the simple transition mutations call (approve, reject, accept, deny, start,
request/provide input, resume, schedule, start execution, complete, cancel, archive); quote
acceptance and the cancellation after the last decline call `change_status` directly.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import update

from domain import ledger
from domain.attachments import deliverables_awaiting_review, has_deliverable
from domain.errors import DomainError, ErrorCode, invalid
from domain.events import record_event
from domain.order_edits import completion_date, completion_update, record_update
from domain.orders import OrderAccess, load_order, require_transition, save_order
from domain.transitions import MoneyEffect, OrderAction, Transition
from domain.unit_of_work import UnitOfWork
from domain.validation import future_time, required_text
from domain.viewer import Viewer
from models import Order, OrderEventKind, OrderStatus, Portal, Quote, QuoteStatus, StatusChange
from models.base import utcnow

ORDER_ID = ["input", "orderId"]
# The input field that carries the "reason" of an action (DOMAIN.md: reason or message).
REASON_FIELD = {
    OrderAction.REQUEST_PARTNER_INPUT: "message",
    OrderAction.PROVIDE_INPUT: "message",
}
ENDED = {OrderStatus.CANCELLED, OrderStatus.DENIED}


def reason_field(action: OrderAction) -> list[str]:
    return ["input", REASON_FIELD.get(action, "reason")]


async def perform(
    uow: UnitOfWork,
    viewer: Viewer,
    order_id: int,
    action: OrderAction,
    *,
    reason: str | None = None,
    scheduled_for: datetime | None = None,
    estimated_completion_on: date | None = None,
) -> Order:
    """Run one row of the transition table for `viewer` on the order; refuse without changes.
    `estimated_completion_on`: ACCEPT_ORDER only, the provider's date for the work (recorded as
    an OrderUpdate of the order's timeline when it changes the date)."""
    access = await load_order(uow.session, viewer, order_id, field=ORDER_ID)
    transition = require_transition(access, action, field=ORDER_ID)
    now = utcnow()
    if transition.reason_required:
        reason = required_text(reason, reason_field(action), what=REASON_FIELD.get(action, "reason"))
    else:
        reason = None
    changes: dict[str, Any] = {}
    keep_reservation = False
    if action is OrderAction.COMPLETE_ORDER:
        portal = await uow.session.get(Portal, access.order.portal_id)
        assert portal is not None
        if portal.deliverables_required and not await has_deliverable(uow.session, order_id):
            raise invalid(
                "attach at least one DELIVERABLE before completing the order (the portal requires it)", ORDER_ID
            )
        # With MDF claims required, the reservation waits for the partner's claim (domain.claims).
        keep_reservation = portal.mdf_claims_required
    review = action in (OrderAction.ACCEPT_DELIVERABLES, OrderAction.REQUEST_CHANGES)
    if review and not await deliverables_awaiting_review(uow.session, order_id):
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "there are no deliverables waiting for review on this order (none attached, or already accepted)",
            ORDER_ID,
        )
    if action is OrderAction.SCHEDULE_EXECUTION:
        if scheduled_for is None:
            raise invalid("scheduledFor is required", ["input", "scheduledFor"])
        changes["scheduled_for"] = future_time(scheduled_for, ["input", "scheduledFor"], now, what="scheduled time")
    previous = access.order.estimated_completion_on
    if estimated_completion_on is not None:
        assert action is OrderAction.ACCEPT_ORDER, "only acceptOrder takes an estimated completion date"
        changes["estimated_completion_on"] = completion_date(estimated_completion_on, now.date())
    await change_status(
        uow, viewer, access, transition, reason=reason, now=now, keep_reservation=keep_reservation, **changes
    )
    if estimated_completion_on is not None and estimated_completion_on != previous:
        # Told with the status change (domain.notifications): no event of its own.
        await record_update(
            uow, viewer, access.order, completion_update(previous, estimated_completion_on), event=False
        )
    return access.order


async def change_status(
    uow: UnitOfWork,
    viewer: Viewer,
    access: OrderAccess,
    transition: Transition,
    *,
    reason: str | None = None,
    now: datetime | None = None,
    money_field: list[str] | None = None,
    automatic: bool = False,
    keep_reservation: bool = False,
    **changes: Any,
) -> StatusChange:
    """Apply `transition` (already permitted) with its money effect, history row and event.
    `automatic`: the portal's own consequence of the viewer's action (the cancellation once no
    quote is left), recorded without an actor: nobody learns which provider left last. A status-keeping action
    recorded in place (ACCEPT_DELIVERABLES) is a change from the status to itself.
    `keep_reservation`: a SPEND leaves the reservation for the MDF claim (domain.claims)."""
    session, order = uow.session, access.order
    actor_id = None if automatic else viewer.user_id
    now = now or utcnow()
    source, target = order.status, transition.target or order.status
    if target is OrderStatus.APPROVED and order.approved_at is None:
        changes["approved_at"] = now
    if target is OrderStatus.COMPLETED:
        changes["completed_at"] = now

    # Money first: a refusal (insufficient funds) must leave everything untouched.
    if transition.money is MoneyEffect.RESERVE:
        rate = changes.get("rate", order.rate)
        assert rate is not None, "an order is approved at a rate"
        await ledger.reserve(session, order, rate, viewer.user_id, today=now.date(), field=money_field or ORDER_ID)
    elif transition.money is MoneyEffect.RELEASE:
        await ledger.release(session, order, viewer.user_id)
    elif transition.money is MoneyEffect.SPEND and not keep_reservation:
        await ledger.spend(session, order, viewer.user_id)

    await save_order(session, order, field=ORDER_ID, status=target, **changes)
    if target in ENDED:
        # Quotes still open when an order ends are turned down with it.
        await session.execute(
            update(Quote)
            .where(Quote.order_id == order.id, Quote.status == QuoteStatus.SUBMITTED)
            .values(status=QuoteStatus.REJECTED)
            .execution_options(synchronize_session=False)
        )
    change = StatusChange(
        order_id=order.id,
        from_status=source,
        to_status=target,
        action=transition.action.value,
        actor_id=actor_id,
        reason=reason,
        at=now,
    )
    session.add(change)
    await session.flush()
    # Invited providers are told that their quote request ended (see events.event_audience).
    await record_event(
        uow,
        order,
        OrderEventKind.STATUS_CHANGED,
        change.id,
        actor_id,
        left_pending_quotes=source is OrderStatus.PENDING_QUOTES,
    )
    return change
