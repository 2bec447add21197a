"""seed-bench builds a consistent synthetic portal (the benchmark's data)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.seed_bench import seed_bench
from models import Comment, Lead, Order, OrderStatus, Portal, Quote


async def test_seed_bench_rows_agree_with_the_orders(db) -> None:
    counts = await seed_bench(db, 400, log=lambda *_: None)
    assert counts["provider_order"] == 400
    async with db.read_session() as session:
        portal = await session.scalar(select(Portal.id).where(Portal.name == "Bench Portal"))
        orders = (await session.scalars(select(Order).where(Order.portal_id == portal))).all()
        comments = dict(
            (await session.execute(select(Comment.order_id, func.count()).group_by(Comment.order_id))).all()
        )
        leads = dict((await session.execute(select(Lead.order_id, func.count()).group_by(Lead.order_id))).all())
        quotes = await session.scalar(select(func.count()).select_from(Quote))
    assert len(orders) == 400 and {o.status for o in orders} == set(OrderStatus)
    assert all(o.comment_count == comments.get(o.id, 0) and o.lead_count == leads.get(o.id, 0) for o in orders)
    # Assigned from approval on; a quote request has no provider yet.
    assert all(o.provider_id is not None for o in orders if o.approved_at is not None)
    assert all(o.provider_id is None for o in orders if o.status is OrderStatus.PENDING_QUOTES)
    assert 3 < sum(comments.values()) / 400 < 7 and 2 < sum(leads.values()) / 400 < 4 and 1.5 < quotes / 400 < 2.5
