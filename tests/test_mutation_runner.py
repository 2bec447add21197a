"""The mutation runner under lost races: retried in a fresh transaction, published once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import exc, select, text

from models import OrderEvent, OrderEventKind
from models.database import is_retryable, is_unavailable
from resolvers.context import Context
from resolvers.mutations.runner import run_mutation
from tests.factories import make_order


class FakeDriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate


def lost_race(sqlstate: str = "40001") -> exc.DBAPIError:
    return exc.OperationalError("UPDATE ...", {}, FakeDriverError("could not serialize access", sqlstate))


@pytest.fixture
def runner(db, settings):
    published: list[dict] = []

    async def publish(message: dict) -> None:
        published.append(message)

    context = Context(db=db, settings=settings, bus=SimpleNamespace(publish=publish), request_id="t")
    context.viewer = SimpleNamespace(user_id=1)
    # A mutation field without arguments, as run_mutation reads them (resolvers.mutations.runner).
    info = SimpleNamespace(context=context, selected_fields=[SimpleNamespace(arguments={})])
    return SimpleNamespace(info=info, published=published)


async def add_event(uow, attempt: int) -> None:
    """An event as a domain action records it (stored at commit); its subject names the attempt."""
    order = await make_order(uow.session)
    uow.events.append(
        OrderEvent(
            portal_id=order.portal_id,
            order_id=order.id,
            kind=OrderEventKind.COMMENT_ADDED,
            subject_id=attempt,
            actor_id=None,
            audience={},
        )
    )


async def test_a_lost_race_runs_again_and_publishes_once(runner, db) -> None:
    attempts = []

    async def action(uow, _viewer):
        attempts.append(len(attempts) + 1)
        await uow.session.execute(text("UPDATE organization SET name = name || '+' WHERE id = 1"))
        await add_event(uow, len(attempts))
        if len(attempts) < 3:
            raise lost_race("40P01" if len(attempts) == 1 else "40001")
        return "done"

    result, errors = await run_mutation(runner.info, action)
    assert (result, errors, attempts) == ("done", [], [1, 2, 3])
    async with db.read_session() as session:  # the failed attempts' writes were rolled back
        name = await session.scalar(text("SELECT name FROM organization WHERE id = 1"))
        stored = (
            await session.scalars(
                select(OrderEvent).where(OrderEvent.kind == OrderEventKind.COMMENT_ADDED, OrderEvent.actor_id.is_(None))
            )
        ).all()
    assert name.endswith("+") and not name.endswith("++")
    assert [e.subject_id for e in stored] == [3]  # only the committed attempt's event is stored...
    assert [m["order_id"] for m in runner.published] == [stored[0].order_id]  # ...and published, once


async def test_a_race_lost_every_time_is_a_conflict_and_publishes_nothing(runner) -> None:
    async def action(uow, _viewer):
        await add_event(uow, 1)
        raise lost_race()

    result, errors = await run_mutation(runner.info, action)
    assert result is None and [e.code for e in errors] == ["CONFLICT"]
    assert runner.published == []


def test_error_classification() -> None:
    assert is_retryable(lost_race("40001")) and is_retryable(lost_race("40P01")) and is_retryable(lost_race("55P03"))
    sqlite_busy = exc.OperationalError("INSERT", {}, FakeDriverError("database is locked"))
    assert is_retryable(sqlite_busy)
    assert not is_retryable(exc.IntegrityError("INSERT", {}, FakeDriverError("duplicate key", "23505")))
    assert is_unavailable(exc.OperationalError("SELECT", {}, FakeDriverError("admin shutdown", "57P01")))
    assert is_unavailable(exc.OperationalError("SELECT", {}, FakeDriverError("timeout", "57014")))
    assert is_unavailable(ConnectionRefusedError())
    assert not is_unavailable(exc.OperationalError("SELECT", {}, FakeDriverError("no such table: x")))
    assert not is_unavailable(exc.IntegrityError("INSERT", {}, FakeDriverError("duplicate key", "23505")))
