"""The committed schema.graphql and the migrations both match the code."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from strawberry.printer import print_schema

import models
from app.db import Database

ROOT = Path(__file__).resolve().parent.parent


def test_schema_graphql_is_current() -> None:
    from schema import schema

    committed = (ROOT / "schema.graphql").read_text()
    assert committed.strip() == print_schema(schema).strip(), "schema.graphql is stale: run `make schema`"


async def test_migrations_match_models(db: Database) -> None:
    def diff(connection):  # noqa: ANN001, ANN202
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, models.Base.metadata)

    async with db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    # SQLite FTS shadow tables and the like are not in the models; anything else is drift.
    differences = [d for d in differences if not _is_search_artifact(d)]
    assert differences == []


def _is_search_artifact(difference) -> bool:  # noqa: ANN001
    text = str(difference)
    return "order_search" in text
