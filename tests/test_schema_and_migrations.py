"""The committed schema.graphql and the migrations both match the code."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from strawberry.printer import print_schema

import models
from app.db import Database
from app.settings import Settings
from models import OrderStatus

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_is_current() -> None:
    from schema import schema

    committed = (ROOT / "schema.graphql").read_text()
    assert committed.strip() == print_schema(schema).strip(), "schema.graphql is stale: run `make schema`"


async def test_migrations_match_models(db: Database) -> None:
    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, models.Base.metadata)

    async with db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    # SQLite FTS shadow tables and the like are not in the models; anything else is drift.
    differences = [d for d in differences if not _is_search_artifact(d)]
    assert differences == []


def _is_search_artifact(difference) -> bool:
    text = str(difference)
    return "order_search" in text


async def test_migration_0002_turns_scaled_quantities_into_whole_units(empty_database_url: str) -> None:
    """Line items stored before quantities became Int (scaled by 1000) read as whole units after."""
    from sqlalchemy import text

    from app.migrate import downgrade, upgrade
    from app.seed import seed_demo
    from tests.factories import make_order

    db = Database(Settings(database_url=empty_database_url))
    try:
        # Seeded through today's models, then taken back to 0001 for the rows stored before 0002.
        await upgrade(db.engine)
        async with db.write_session() as session:
            await seed_demo(session)
            order = await make_order(session, status=OrderStatus.PENDING_APPROVAL, with_details=True)  # a quote
        await downgrade(db.engine, "0001")
        async with db.write_session() as session:
            quote_id = await session.scalar(text("SELECT id FROM quote WHERE order_id = :o"), {"o": order.id})
            for position, scaled in enumerate((2500, 1000, 250, 12000)):  # 2.5, 1, 0.25 and 12 units
                await session.execute(
                    text(
                        "INSERT INTO quote_line_item (quote_id, position, description, quantity, unit_price, amount)"
                        " VALUES (:q, :p, 'old', :n, 100, 100)"
                    ),
                    {"q": quote_id, "p": 10 + position, "n": scaled},
                )
        await upgrade(db.engine)
        async with db.read_session() as session:
            quantities = (
                await session.scalars(
                    text("SELECT quantity FROM quote_line_item WHERE description = 'old' ORDER BY position")
                )
            ).all()
        assert quantities == [3, 1, 1, 12]
    finally:
        await db.dispose()
