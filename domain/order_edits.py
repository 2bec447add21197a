"""Edits that keep an order's status: the partner's `updateOrder` (description, contacts,
notification recipients) and the assigned provider's estimated completion date
(`updateEstimatedCompletion`; a date given with `acceptOrder` is recorded the same way).

Each edit that changes something bumps `version` and moves `last_activity_at` (through
`save_order`'s guarded UPDATE), writes an `OrderUpdate` (the timeline entry naming what
changed) and its `ORDER_UPDATED` event, whose notifications go to whoever may see what
changed (domain.events.event_audience, domain.notifications). An edit that changes nothing
writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import invalid
from domain.events import record_event
from domain.order_actions import require_action
from domain.ordering import ContactData, checked_contacts
from domain.orders import load_order, save_order, touch_invitations
from domain.recipients import CheckedRecipient, check_recipients
from domain.transitions import OrderAction
from domain.unit_of_work import UnitOfWork
from domain.validation import LATEST_TIME, Problems, not_past_date, optional_text
from domain.viewer import Viewer
from models import Order, OrderContact, OrderEventKind, OrderField, OrderRecipient, OrderStatus, OrderUpdate
from models.base import utcnow

ORDER_ID = ["input", "orderId"]
COMPLETION_FIELD = ["input", "estimatedCompletionOn"]


@dataclass
class OrderChanges:
    """What `updateOrder` was given; None leaves that part as it is."""

    description: str | None = None  # blank: no description
    contacts: list[ContactData] | None = None  # []: no contacts
    notification_recipients: list[str] | None = None  # []: nobody besides the parties


async def update_order(uow: UnitOfWork, viewer: Viewer, order_id: int, changes: OrderChanges) -> Order:
    session = uow.session
    access = await load_order(session, viewer, order_id, field=ORDER_ID)
    require_action(access, OrderAction.UPDATE_ORDER, field=ORDER_ID)
    order = access.order
    if changes.description is None and changes.contacts is None and changes.notification_recipients is None:
        raise invalid("give the description, contacts or notification recipients to change", ["input"])

    problems = Problems()
    description = problems.check(optional_text, changes.description, ["input", "description"], what="description")
    contacts = problems.check(checked_contacts, changes.contacts) if changes.contacts is not None else None
    problems.raise_any()
    recipients = None
    if changes.notification_recipients is not None:
        # The rule of submitOrder: the partner's own users, or addresses of nobody in the service.
        recipients = await check_recipients(session, order.partner_id, changes.notification_recipients)

    fields: list[OrderField] = []
    values: dict = {}
    if changes.description is not None and description != order.description:
        fields.append(OrderField.DESCRIPTION)
        values["description"] = description
    if contacts is not None:
        old_contacts = await session.scalars(select(OrderContact).where(OrderContact.order_id == order.id))
        if [_contact(c) for c in old_contacts] != [_contact(c) for c in contacts]:
            fields.append(OrderField.CONTACTS)
    if recipients is not None:
        old_recipients = await session.scalars(select(OrderRecipient.email).where(OrderRecipient.order_id == order.id))
        if sorted(old_recipients) != sorted(r.email for r in recipients):
            fields.append(OrderField.NOTIFICATION_RECIPIENTS)
    if not fields:
        return order

    await save_order(session, order, field=ORDER_ID, **values)
    if OrderField.DESCRIPTION in fields and order.status is OrderStatus.PENDING_QUOTES:
        # The providers asked see the description they quote on change (and nothing else).
        await touch_invitations(session, order, now=order.last_activity_at)
    if OrderField.CONTACTS in fields:
        await session.execute(delete(OrderContact).where(OrderContact.order_id == order.id))
        session.add_all(OrderContact(order_id=order.id, **vars(c)) for c in contacts or [])
    if OrderField.NOTIFICATION_RECIPIENTS in fields:
        await _replace_recipients(session, order, recipients or [])
    await record_update(uow, viewer, order, OrderUpdate(fields=[f.value for f in fields]))
    return order


def _contact(contact: OrderContact | ContactData) -> tuple:
    return (contact.name, contact.email, contact.phone, contact.role)


async def _replace_recipients(session: AsyncSession, order: Order, recipients: list[CheckedRecipient]) -> None:
    await session.execute(delete(OrderRecipient).where(OrderRecipient.order_id == order.id))
    session.add_all(OrderRecipient(order_id=order.id, email=r.email, user_id=r.user_id) for r in recipients)


def completion_date(value: date, today: date) -> date:
    """An estimated completion date: today or later (and before LATEST_TIME), else VALIDATION."""
    not_past_date(value, COMPLETION_FIELD, today, what="estimated completion date")
    if value >= LATEST_TIME.date():
        raise invalid(f"estimated completion date must be before {LATEST_TIME:%Y-%m-%d}", COMPLETION_FIELD)
    return value


async def update_estimated_completion(
    uow: UnitOfWork, viewer: Viewer, order_id: int, estimated_completion_on: date, reason: str | None
) -> Order:
    """The assigned provider moves the date the work should be done (with an optional reason)."""
    session = uow.session
    access = await load_order(session, viewer, order_id, field=ORDER_ID)
    require_action(access, OrderAction.UPDATE_ESTIMATED_COMPLETION, field=ORDER_ID)
    order = access.order
    problems = Problems()
    new = problems.check(completion_date, estimated_completion_on, utcnow().date())
    reason = problems.check(optional_text, reason, ["input", "reason"], what="reason")
    problems.raise_any()
    previous = order.estimated_completion_on
    if new == previous:
        return order
    await save_order(session, order, field=ORDER_ID, estimated_completion_on=new)
    await record_update(uow, viewer, order, completion_update(previous, new, reason))
    return order


def completion_update(previous: date | None, new: date, reason: str | None = None) -> OrderUpdate:
    return OrderUpdate(
        fields=[OrderField.ESTIMATED_COMPLETION_ON.value],
        previous_estimated_completion_on=previous,
        estimated_completion_on=new,
        reason=reason,
    )


async def record_update(
    uow: UnitOfWork, viewer: Viewer, order: Order, update: OrderUpdate, *, event: bool = True
) -> None:
    """Store the timeline entry of an edit just saved, and (`event`) its ORDER_UPDATED event.
    Without: the edit rode on another change that has its own event (a date given with acceptOrder)."""
    update.order_id, update.actor_id, update.at = order.id, viewer.user_id, order.last_activity_at
    uow.session.add(update)
    await uow.session.flush()
    if event:
        await record_event(uow, order, OrderEventKind.ORDER_UPDATED, update.id, viewer.user_id)
