"""Every (action, actor, from-status) combination of the transition table, at the domain level.

For each action of `TRANSITIONS` and each status, an order is built directly in that status and
each of seven actors tries the action. Allowed ones reach the table's target with the table's
money effect; every other one is refused (NOT_FOUND for whoever cannot see the order, FORBIDDEN
for the wrong party, INVALID_TRANSITION for the wrong status) and changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.db import Database
from domain import quotes, workflow
from domain.errors import DomainError, ErrorCode
from domain.ledger import reserved_for_order
from domain.transitions import RECORDED_IN_PLACE, TRANSITIONS, MoneyEffect, OrderAction, Role
from domain.unit_of_work import unit_of_work
from domain.viewer import Viewer
from models import (
    Attachment,
    AttachmentKind,
    LedgerEntryKind,
    MdfFund,
    MdfLedgerEntry,
    Order,
    OrderInvitation,
    OrderOrigin,
    OrderStatus,
    Organization,
    OrganizationKind,
    PaymentMethod,
    Quote,
    QuoteStatus,
    Service,
    StatusChange,
    User,
)
from models.base import utcnow
from tests.ordering import make_fund_valid_today

S = OrderStatus
ASSIGNED = {
    S.APPROVED,
    S.NOT_STARTED,
    S.IN_PROGRESS,
    S.WAITING_FOR_PARTNER,
    S.SCHEDULED,
    S.EXECUTING,
    S.COMPLETED,
    S.CANCELLED,
    S.DENIED,
    S.ARCHIVED,
}
HOLDING_MDF = {S.APPROVED, S.NOT_STARTED, S.IN_PROGRESS, S.WAITING_FOR_PARTNER, S.SCHEDULED, S.EXECUTING}
RATE = Decimal("100.00")
ACTORS = [
    "partner",
    "other partner",
    "supplier",
    "assigned provider",
    "invited provider",
    "uninvited provider",
    "outsider",
]


def expected_role(actor: str, status: OrderStatus) -> Role | None:
    """The part each actor plays on the orders built below (written out, not computed by the code under test)."""
    return {
        "partner": Role.PARTNER,
        "supplier": Role.SUPPLIER,
        "assigned provider": Role.ASSIGNED_PROVIDER if status in ASSIGNED else None,
        "invited provider": Role.INVITED_PROVIDER if status is S.PENDING_QUOTES else None,
    }.get(actor)


def expected_refusal(action: OrderAction, actor: str, status: OrderStatus) -> ErrorCode | None:
    role = expected_role(actor, status)
    visible = role is not None
    if action is OrderAction.ACCEPT_QUOTE and actor == "assigned provider":
        visible = False  # the quote is another provider's: not theirs to see
    if not visible:
        return ErrorCode.NOT_FOUND
    transition = TRANSITIONS[action]
    if role not in transition.actors:
        return ErrorCode.FORBIDDEN
    if status not in transition.sources:
        return ErrorCode.INVALID_TRANSITION
    return None


class World:
    def __init__(self, db: Database):
        self.db = db
        self.viewers: dict[str, Viewer] = {}

    async def setup(self) -> None:
        await make_fund_valid_today(self.db)
        async with self.db.write_session() as session:
            orgs = {o.name: o for o in await session.scalars(select(Organization))}
            portal_id = orgs["Acme Resellers"].portal_id
            for name in ("Uninvited Agency", "Second Invitee"):
                org = Organization(portal_id=portal_id, kind=OrganizationKind.PROVIDER, name=name)
                session.add(org)
                await session.flush()
                orgs[name] = org
                session.add(User(organization_id=org.id, email=f"{name.split()[0].lower()}@demo.example", name=name))
            await session.flush()
            users = {u.organization_id: u for u in await session.scalars(select(User))}
            for actor, org_name in {
                "partner": "Acme Resellers",
                "other partner": "Beta Solutions",
                "supplier": "Demo Brand",
                "assigned provider": "Taylor Marketing",
                "invited provider": "Northwind Digital",
                "uninvited provider": "Uninvited Agency",
                "outsider": "Outside Partners",
            }.items():
                org, user = orgs[org_name], users[orgs[org_name].id]
                self.viewers[actor] = Viewer(user.id, user.email, user.name, org.id, org.kind, org.portal_id)
            self.orgs = {name: org.id for name, org in orgs.items()}
            self.service = await session.scalar(select(Service).where(Service.name == "SEO Consultation"))
            self.fund_id = await session.scalar(select(MdfFund.id).where(MdfFund.name == "2026 Q4 MDF"))

    async def order_in(self, status: OrderStatus) -> tuple[int, int]:
        """A fresh MDF order in `status` (with a reservation where it holds money) and an open quote."""
        now = utcnow()
        assigned = status in ASSIGNED
        async with self.db.write_session() as session:
            order = Order(
                portal_id=self.viewers["partner"].portal_id,
                partner_id=self.orgs["Acme Resellers"],
                service_id=self.service.id,
                activity_type_id=self.service.activity_type_id,
                provider_id=self.orgs["Taylor Marketing"] if status is not S.PENDING_QUOTES else None,
                created_by_id=self.viewers["partner"].user_id,
                mdf_fund_id=self.fund_id,
                name=f"order {status}",
                status=status,
                origin=OrderOrigin.MARKETPLACE,
                payment_method=PaymentMethod.MDF,
                rate=None if status is S.PENDING_QUOTES else RATE,
                currency="USD",
                submitted_at=now - timedelta(days=2),
                last_activity_at=now - timedelta(days=1),
                approved_at=now - timedelta(days=1) if assigned else None,
                version=3,
            )
            session.add(order)
            await session.flush()
            for provider in ("Northwind Digital", "Second Invitee"):
                session.add(OrderInvitation(order_id=order.id, provider_id=self.orgs[provider]))
            quote = Quote(
                order_id=order.id,
                provider_id=self.orgs["Northwind Digital"],
                submitted_by_id=self.viewers["invited provider"].user_id,
                status=QuoteStatus.SUBMITTED,
                plan="plan",
                total=RATE,
                currency="USD",
                estimated_completion_on=now.date(),
            )
            session.add(quote)
            if status is S.COMPLETED:
                # Deliverables to review (ACCEPT_DELIVERABLES, REQUEST_CHANGES are offered only then).
                session.add(
                    Attachment(
                        portal_id=order.portal_id,
                        order_id=order.id,
                        kind=AttachmentKind.DELIVERABLE,
                        filename="report.pdf",
                        content_type="application/pdf",
                        size=5,
                        sha256="0" * 64,
                        storage_key=f"test/{order.id}",
                        uploaded_by_id=self.viewers["assigned provider"].user_id,
                        uploader_organization_id=self.orgs["Taylor Marketing"],
                    )
                )
            if status in HOLDING_MDF:
                session.add(
                    MdfLedgerEntry(fund_id=self.fund_id, order_id=order.id, kind=LedgerEntryKind.RESERVE, amount=RATE)
                )
            await session.flush()
            return order.id, quote.id

    async def attempt(self, actor: str, action: OrderAction, order_id: int, quote_id: int) -> None:
        viewer = self.viewers[actor]
        now = utcnow()
        async with unit_of_work(self.db.write_session(), self.db.settings) as uow:
            if action is OrderAction.SUBMIT_QUOTE:
                data = quotes.NewQuote(
                    plan="Our plan",
                    estimated_completion_on=now.date() + timedelta(days=9),
                    line_items=[quotes.LineItemData("work", 2, Decimal("40.00"))],
                )
                await quotes.submit_quote(uow, viewer, order_id, data)
            elif action is OrderAction.DECLINE_TO_QUOTE:
                await quotes.decline_to_quote(uow, viewer, order_id, "busy")
            elif action is OrderAction.ACCEPT_QUOTE:
                await quotes.accept_quote(uow, viewer, quote_id)
            else:
                await workflow.perform(
                    uow, viewer, order_id, action, reason="because", scheduled_for=now + timedelta(days=1)
                )

    async def state(self, order_id: int) -> tuple:
        async with self.db.read_session() as session:
            order = await session.get(Order, order_id)
            history = await session.scalar(
                select(func.count()).select_from(StatusChange).where(StatusChange.order_id == order_id)
            )
            ledger = tuple(
                await session.scalars(
                    select(MdfLedgerEntry.kind).where(MdfLedgerEntry.order_id == order_id).order_by(MdfLedgerEntry.id)
                )
            )
            quote_states = tuple(
                await session.scalars(select(Quote.status).where(Quote.order_id == order_id).order_by(Quote.id))
            )
            declined = tuple(
                await session.scalars(select(OrderInvitation.declined_at).where(OrderInvitation.order_id == order_id))
            )
            return (
                order.status,
                order.version,
                order.last_activity_at,
                order.provider_id,
                order.rate,
                history,
                ledger,
                quote_states,
                declined,
            )

    async def held(self, order_id: int) -> Decimal:
        async with self.db.read_session() as session:
            return await reserved_for_order(session, order_id)


@pytest.fixture
async def world(db: Database) -> World:
    w = World(db)
    await w.setup()
    return w


@pytest.mark.parametrize("action", list(TRANSITIONS), ids=lambda a: a.value)
async def test_every_actor_in_every_status(world: World, action: OrderAction) -> None:
    transition = TRANSITIONS[action]
    checked = {"allowed": 0, "refused": 0}
    for status in OrderStatus:
        order_id, quote_id = await world.order_in(status)
        before = await world.state(order_id)
        allowed = []
        for actor in ACTORS:
            code = expected_refusal(action, actor, status)
            if code is None:
                allowed.append(actor)
                continue
            with pytest.raises(DomainError) as refused:
                await world.attempt(actor, action, order_id, quote_id)
            assert refused.value.code is code, (action, actor, status, refused.value.message)
            assert await world.state(order_id) == before, (action, actor, status)
            checked["refused"] += 1
        for actor in allowed:
            order_id, quote_id = await world.order_in(status)
            held_before = await world.held(order_id)
            before = await world.state(order_id)
            await world.attempt(actor, action, order_id, quote_id)
            after = await world.state(order_id)
            target = transition.target or status
            assert after[0] is target, (action, actor, status)
            assert after[1] > before[1], "version bumped"
            assert after[2] > before[2], "last activity moved"
            recorded = transition.target is not None or action in RECORDED_IN_PLACE
            assert after[5] == before[5] + (1 if recorded else 0), "one history row per status change"
            held = await world.held(order_id)
            expected_held = {
                MoneyEffect.NONE: held_before,
                MoneyEffect.RESERVE: RATE,
                MoneyEffect.RELEASE: Decimal("0.00"),
                MoneyEffect.SPEND: Decimal("0.00"),
            }[transition.money]
            assert held == expected_held, (action, actor, status)
            if transition.money is MoneyEffect.SPEND:
                assert after[6][-1] is LedgerEntryKind.SPEND
            checked["allowed"] += 1
    assert checked["allowed"] > 0 and checked["refused"] > 0
