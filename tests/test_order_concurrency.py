"""Optimistic concurrency: two transitions racing on one order cannot both succeed."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, update

from app.db import Database
from domain import workflow
from domain.errors import DomainError, ErrorCode
from domain.orders import load_order
from domain.transitions import TRANSITIONS, OrderAction
from domain.unit_of_work import unit_of_work
from domain.viewer import Viewer
from models import Order, OrderStatus, StatusChange
from tests import factories


async def viewer(db: Database, email: str) -> Viewer:
    async with db.read_session() as session:
        user = await factories.user(session, email)
        org = await session.get(factories.Organization, user.organization_id)
        return Viewer(user.id, user.email, user.name, org.id, org.kind, org.portal_id)


async def not_started_order(db: Database) -> int:
    async with db.write_session() as session:
        order = await factories.make_order(
            session, status=OrderStatus.NOT_STARTED, service_name="Social Media Starter Pack"
        )
        return order.id


async def test_a_stale_version_is_refused_with_conflict(db: Database) -> None:
    provider = await viewer(db, "provider@demo.example")
    order_id = await not_started_order(db)
    with pytest.raises(DomainError) as refused:
        async with unit_of_work(db.write_session(), db.settings) as uow:
            session = uow.session
            access = await load_order(session, provider, order_id, field=["input", "orderId"])
            # Someone else's change lands between our read and our write.
            await session.execute(
                update(Order)
                .where(Order.id == order_id)
                .values(version=Order.version + 1)
                .execution_options(synchronize_session=False)
            )
            await workflow.change_status(uow, provider, access, TRANSITIONS[OrderAction.START_WORK])
    assert refused.value.code is ErrorCode.CONFLICT
    async with db.read_session() as session:
        assert (await session.get(Order, order_id)).status is OrderStatus.NOT_STARTED


@pytest.mark.parametrize("rival", ["same action", "cancel"])
async def test_racing_transitions_only_one_wins(db: Database, rival: str) -> None:
    provider = await viewer(db, "provider@demo.example")
    partner = await viewer(db, "partner@demo.example")
    order_id = await not_started_order(db)

    async def attempt(who: Viewer, action: OrderAction) -> str:
        try:
            async with unit_of_work(db.write_session(), db.settings) as uow:
                await workflow.perform(uow, who, order_id, action, reason="changed our minds")
        except DomainError as error:
            return error.code.value
        return "OK"

    second = (partner, OrderAction.CANCEL_ORDER) if rival == "cancel" else (provider, OrderAction.START_WORK)
    results = await asyncio.gather(attempt(provider, OrderAction.START_WORK), attempt(*second))
    assert sorted(results)[0] in ("CONFLICT", "INVALID_TRANSITION") and sorted(results)[1] == "OK", results
    async with db.read_session() as session:
        history = await session.scalar(
            select(func.count()).select_from(StatusChange).where(StatusChange.order_id == order_id)
        )
        order = await session.get(Order, order_id)
    assert history == 2  # the factory's submission + exactly one transition
    assert order.status in (OrderStatus.IN_PROGRESS, OrderStatus.CANCELLED)
