"""Build rows directly (no mutations) for tests that need orders in a given state."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Comment,
    Lead,
    LeadStatus,
    MdfFund,
    Order,
    OrderContact,
    OrderInvitation,
    OrderOrigin,
    OrderRecipient,
    OrderStatus,
    Organization,
    PaymentMethod,
    Quote,
    QuoteLineItem,
    QuoteStatus,
    Service,
    StatusChange,
    User,
)
from models.base import utcnow

BEFORE_APPROVAL = {OrderStatus.PENDING_QUOTES, OrderStatus.PENDING_APPROVAL}


async def org(session: AsyncSession, name: str) -> Organization:
    return (await session.scalars(select(Organization).where(Organization.name == name))).one()


async def user(session: AsyncSession, email: str) -> User:
    return (await session.scalars(select(User).where(User.email == email))).one()


async def service(session: AsyncSession, name: str) -> Service:
    return (await session.scalars(select(Service).where(Service.name == name))).one()


async def make_order(
    session: AsyncSession,
    *,
    status: OrderStatus = OrderStatus.PENDING_QUOTES,
    service_name: str = "SEO Consultation",
    partner_name: str = "Acme Resellers",
    invited: tuple[str, ...] = ("Taylor Marketing",),
    name: str = "Test order",
    with_details: bool = False,
    approved: bool | None = None,
) -> Order:
    """An order as the workflow would have left it in `status` (approved_at set past approval)."""
    svc = await service(session, service_name)
    partner = await org(session, partner_name)
    creator = (await session.scalars(select(User).where(User.organization_id == partner.id))).first()
    was_approved = status not in BEFORE_APPROVAL if approved is None else approved
    quote_service = svc.pricing_model.value == "QUOTE"
    order = Order(
        portal_id=svc.portal_id,
        partner_id=partner.id,
        service_id=svc.id,
        activity_type_id=svc.activity_type_id,
        provider_id=svc.provider_id if (was_approved or not quote_service) else None,
        created_by_id=creator.id,
        name=name,
        description=f"{name} description",
        status=status,
        origin=OrderOrigin.MARKETPLACE,
        payment_method=PaymentMethod.PARTNER_FUNDED,
        rate=svc.price if svc.price is not None else (Decimal("2000.00") if was_approved else None),
        currency=svc.currency,
        approved_at=utcnow() if was_approved else None,
        estimated_completion_on=date.today() + timedelta(days=30) if was_approved else None,
    )
    session.add(order)
    await session.flush()
    if quote_service:
        for provider_name in invited:
            provider = await org(session, provider_name)
            session.add(OrderInvitation(order_id=order.id, provider_id=provider.id))
    session.add(
        StatusChange(order_id=order.id, from_status=None, to_status=status, action="SUBMIT_ORDER", actor_id=creator.id)
    )
    await session.flush()
    if with_details:
        await add_details(session, order, creator)
    await session.flush()
    return order


async def add_details(session: AsyncSession, order: Order, partner_user: User) -> None:
    """A quote per invited provider, a comment, a lead, a contact and a recipient."""
    invitations = (await session.scalars(select(OrderInvitation).where(OrderInvitation.order_id == order.id))).all()
    quoting = [i.provider_id for i in invitations] or [order.provider_id]
    for provider_id in quoting:
        provider_user = (await session.scalars(select(User).where(User.organization_id == provider_id))).first()
        quote = Quote(
            order_id=order.id,
            provider_id=provider_id,
            submitted_by_id=provider_user.id,
            status=QuoteStatus.SUBMITTED,
            plan="A plan",
            total=Decimal("2000.00"),
            currency=order.currency,
            estimated_completion_on=date.today() + timedelta(days=30),
        )
        session.add(quote)
        await session.flush()
        session.add(
            QuoteLineItem(
                quote_id=quote.id,
                position=0,
                description="Work",
                quantity=2,
                unit_price=Decimal("1000.00"),
                amount=Decimal("2000.00"),
            )
        )
    session.add(Comment(order_id=order.id, author_id=partner_user.id, body="Hello"))
    session.add(
        Lead(
            order_id=order.id,
            created_by_id=partner_user.id,
            name="Lee Lead",
            email="lee@example.com",
            status=LeadStatus.NEW,
        )
    )
    session.add(OrderContact(order_id=order.id, name="Casey Contact", email="casey@acme.example"))
    session.add(OrderRecipient(order_id=order.id, email="boss@acme.example"))
    order.comment_count += 1
    order.lead_count += 1


async def fund(session: AsyncSession, name: str = "2026 Q4 MDF") -> MdfFund:
    return (await session.scalars(select(MdfFund).where(MdfFund.name == name))).one()


async def bulk_orders(db, count: int, *, with_details: bool = True) -> list[int]:
    """`count` in-progress orders of Acme for Taylor's fixed-price service, each (optionally)
    with two quotes, a comment and a lead, inserted in a few statements."""
    from models.base import utcnow as now

    async with db.write_session() as session:
        svc = await service(session, "Social Media Starter Pack")
        partner = await org(session, "Acme Resellers")
        northwind = await org(session, "Northwind Digital")
        creator = (await session.scalars(select(User).where(User.organization_id == partner.id))).first()
        provider_user = (await session.scalars(select(User).where(User.organization_id == svc.provider_id))).first()
        base = now()
        orders = [
            Order(
                portal_id=svc.portal_id,
                partner_id=partner.id,
                service_id=svc.id,
                activity_type_id=svc.activity_type_id,
                provider_id=svc.provider_id,
                created_by_id=creator.id,
                name=f"Bulk order {i}",
                description="bulk",
                status=OrderStatus.IN_PROGRESS,
                origin=OrderOrigin.MARKETPLACE,
                payment_method=PaymentMethod.PARTNER_FUNDED,
                rate=svc.price,
                currency=svc.currency,
                approved_at=base,
                submitted_at=base - timedelta(minutes=i),
                last_activity_at=base,
                comment_count=1 if with_details else 0,
                lead_count=1 if with_details else 0,
            )
            for i in range(count)
        ]
        session.add_all(orders)
        await session.flush()
        if with_details:
            for order in orders:
                for provider_id in (svc.provider_id, northwind.id):
                    session.add(
                        Quote(
                            order_id=order.id,
                            provider_id=provider_id,
                            submitted_by_id=provider_user.id,
                            status=QuoteStatus.SUBMITTED,
                            plan="plan",
                            total=Decimal("10.00"),
                            currency="USD",
                            estimated_completion_on=date.today(),
                        )
                    )
                session.add(Comment(order_id=order.id, author_id=creator.id, body="hi"))
                session.add(Lead(order_id=order.id, created_by_id=provider_user.id, name="Lead", status=LeadStatus.NEW))
        await session.flush()
        return [o.id for o in orders]
