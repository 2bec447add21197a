"""The leaner read paths of the orders list: snapshots instead of ORM entities, UTC datetimes
read from SQLite in one step, and the SQLite pool's rollback on return only when needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.util import greenlet_spawn

from models import Order, Organization, Quote
from models.snapshots import is_model, snapshot_class
from resolvers.orders import order_rows
from tests import factories
from tests.conftest import BACKEND, SUPPLIER


async def test_a_page_of_snapshots_holds_what_the_entities_hold(db) -> None:
    await factories.bulk_orders(db, 3)
    rows = order_rows(tuple((name, None) for name in ("provider", "partner", "service", "latest_quote")))
    async with db.read_session() as session:
        entities = (await session.scalars(select(Order).order_by(Order.id))).all()
        result = await (await session.connection()).execute(rows.select().order_by(Order.id))
        snapshots = [rows.snapshot(row) for row in result.all()]
        quotes = {q.id: q for q in (await session.scalars(select(Quote))).all()}
        organizations = {o.id: o for o in (await session.scalars(select(Organization))).all()}
    assert [s.id for s in snapshots] == [e.id for e in entities]
    for snap, entity in zip(snapshots, entities, strict=True):
        assert is_model(snap, Order) and not is_model(snap, Quote)
        for key in snapshot_class(Order).keys:
            assert getattr(snap, key) == getattr(entity, key), key
        assert snap.submitted_at.tzinfo is not None
        assert snap.partner.name == organizations[entity.partner_id].name
        if entity.provider_id is None:
            assert snap.provider is None
        else:
            assert snap.provider.website == organizations[entity.provider_id].website
        latest = max(
            (q for q in quotes.values() if q.order_id == entity.id), key=lambda q: (q.submitted_at, q.id), default=None
        )
        assert (snap.latest_quote.total if snap.latest_quote else None) == (latest.total if latest else None)
    with pytest.raises(AttributeError):
        snapshots[0].name = "renamed"  # read-only


@pytest.mark.parametrize("stored", ["2026-03-04 05:06:07.000089", "2026-03-04 05:06:07", "2026-03-04"])
def test_utc_datetimes_read_from_sqlite_text_in_every_form(stored: str) -> None:
    dialect = sqlite.dialect()
    column = Order.__table__.c.submitted_at
    read = column.type.dialect_impl(dialect).result_processor(dialect, None)
    value = read(stored)
    assert value.tzinfo is UTC
    assert value.replace(tzinfo=None) == datetime.fromisoformat(stored)
    assert read(None) is None


@pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite pool's reset")
async def test_a_connection_returned_in_a_transaction_is_rolled_back(db) -> None:
    pool = db.engine.sync_engine.pool

    def leave_a_transaction_open() -> None:
        connection = pool.connect()
        connection.cursor().execute("BEGIN IMMEDIATE")  # holds the write lock
        assert connection.driver_connection.in_transaction
        connection.close()  # back to the pool without a rollback (a cancelled session)

    await greenlet_spawn(leave_a_transaction_open)
    async with db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert not raw.driver_connection.in_transaction
    async with db.write_session() as session:  # the write lock was let go
        await session.execute(text("UPDATE portal SET name = name"))


LATEST_BY_THE_ORDERS_PROVIDER = """{ orders(first: 5) { edges { node {
  provider { name }
  latestQuote { provider { name website description } }
} } } }"""


async def test_a_relation_read_in_part_stays_with_its_order(gql, db) -> None:
    # The page reads only the provider's name for `provider`; the latest quote's provider, the
    # same organisation, goes through the loaders and must come back whole.
    ids = await factories.bulk_orders(db, 3)
    async with db.write_session() as session:
        taylor = await factories.org(session, "Taylor Marketing")
        for quote in (await session.scalars(select(Quote).where(Quote.order_id.in_(ids)))).all():
            if quote.provider_id == taylor.id:
                quote.submitted_at = quote.submitted_at + timedelta(hours=1)
        expected = (taylor.name, taylor.website, taylor.description)
    data = await gql.data(LATEST_BY_THE_ORDERS_PROVIDER, as_=SUPPLIER)
    for edge in data["orders"]["edges"]:
        node = edge["node"]
        assert node["provider"] == {"name": expected[0]}
        latest = node["latestQuote"]["provider"]
        assert (latest["name"], latest["website"], latest["description"]) == expected
