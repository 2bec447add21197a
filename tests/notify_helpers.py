"""Drive order events directly (rows + `record_event`), as the workflow's mutations do."""

from __future__ import annotations

from sqlalchemy import select

from app.db import Database
from domain.events import record_event
from domain.unit_of_work import unit_of_work
from models import (
    Comment,
    Lead,
    LeadStatus,
    Notification,
    Order,
    OrderEventKind,
    OrderRecipient,
    OrderStatus,
    Quote,
    QuoteStatus,
    StatusChange,
    User,
)
from models.base import utcnow
from tests import factories


async def submit(
    db: Database,
    *,
    service_name: str = "SEO Consultation",
    invited: tuple[str, ...] = ("Taylor Marketing",),
    recipients: tuple[str, ...] = (),
    name: str = "Spring launch",
) -> int:
    """A partner submits an order (PENDING_QUOTES or PENDING_APPROVAL by pricing model)."""
    async with unit_of_work(db.write_session(), db.settings) as uow:
        session = uow.session
        svc = await factories.service(session, service_name)
        status = OrderStatus.PENDING_QUOTES if svc.pricing_model.value == "QUOTE" else OrderStatus.PENDING_APPROVAL
        order = await factories.make_order(
            session, status=status, service_name=service_name, invited=invited, name=name
        )
        for address in recipients:
            user = (await session.scalars(select(User).where(User.email == address))).first()
            session.add(OrderRecipient(order_id=order.id, email=address, user_id=user.id if user else None))
        await session.flush()
        change = (await session.scalars(select(StatusChange).where(StatusChange.order_id == order.id))).one()
        await record_event(uow, order, OrderEventKind.STATUS_CHANGED, change.id, order.created_by_id)
        return order.id


async def move(
    db: Database,
    order_id: int,
    to: OrderStatus,
    actor: str,
    *,
    action: str = "TEST",
    reason: str | None = None,
    provider: str | None = None,
) -> None:
    """A status change by `actor` (an e-mail); `provider` assigns the order on approval."""
    async with unit_of_work(db.write_session(), db.settings) as uow:
        session = uow.session
        order = await session.get(Order, order_id)
        user = await factories.user(session, actor)
        left_pending_quotes = order.status is OrderStatus.PENDING_QUOTES and to is not OrderStatus.PENDING_QUOTES
        change = StatusChange(
            order_id=order.id, from_status=order.status, to_status=to, action=action, actor_id=user.id, reason=reason
        )
        if provider is not None:
            order.provider_id = (await factories.org(session, provider)).id
        if to is OrderStatus.APPROVED and order.approved_at is None:
            order.approved_at = utcnow()
        order.status = to
        session.add(change)
        await session.flush()
        await record_event(
            uow, order, OrderEventKind.STATUS_CHANGED, change.id, user.id, left_pending_quotes=left_pending_quotes
        )


async def quote(db: Database, order_id: int, provider_email: str, total: str = "2500.00") -> None:
    from datetime import date, timedelta
    from decimal import Decimal

    async with unit_of_work(db.write_session(), db.settings) as uow:
        session = uow.session
        order = await session.get(Order, order_id)
        user = await factories.user(session, provider_email)
        row = Quote(
            order_id=order.id,
            provider_id=user.organization_id,
            submitted_by_id=user.id,
            status=QuoteStatus.SUBMITTED,
            plan="Plan",
            total=Decimal(total),
            currency=order.currency,
            estimated_completion_on=date.today() + timedelta(days=20),
        )
        session.add(row)
        await session.flush()
        await record_event(
            uow, order, OrderEventKind.QUOTE_SUBMITTED, row.id, user.id, subject_provider_id=user.organization_id
        )


async def comment(db: Database, order_id: int, author: str, body: str) -> None:
    async with unit_of_work(db.write_session(), db.settings) as uow:
        session = uow.session
        order = await session.get(Order, order_id)
        user = await factories.user(session, author)
        row = Comment(order_id=order.id, author_id=user.id, body=body)
        session.add(row)
        await session.flush()
        await record_event(uow, order, OrderEventKind.COMMENT_ADDED, row.id, user.id)


async def add_leads(db: Database, order_id: int, author: str, count: int) -> None:
    async with unit_of_work(db.write_session(), db.settings) as uow:
        session = uow.session
        order = await session.get(Order, order_id)
        user = await factories.user(session, author)
        rows = [
            Lead(order_id=order.id, created_by_id=user.id, name=f"Lead {i}", status=LeadStatus.NEW)
            for i in range(count)
        ]
        session.add_all(rows)
        await session.flush()
        await record_event(uow, order, OrderEventKind.LEADS_ADDED, rows[0].id, user.id)


async def notifications(db: Database, order_id: int | None = None) -> list[Notification]:
    async with db.read_session() as session:
        stmt = select(Notification).order_by(Notification.id)
        if order_id is not None:
            stmt = stmt.where(Notification.order_id == order_id)
        return list(await session.scalars(stmt))


def told(rows: list[Notification]) -> dict[str, str]:
    """address -> notification kind, for the rows given."""
    return {row.email: row.kind.value for row in rows}
