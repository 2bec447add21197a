"""What the busiest requests cost in SQL statements (each one a round trip to the database, and
on PostgreSQL a backend woken up): an order's detail page and addComment, whose event takes
the commit-order lock in its own INSERT."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import insert, text

from domain.events import locked_event_id
from models import OrderEvent, OrderEventKind, OrderStatus
from models.base import utcnow
from schema.ids import to_global_id
from tests import factories
from tests.conftest import BACKEND, PARTNER, SUPPLIER

PLAIN = "query($id: ID!) { node(id: $id) { ... on Order { id name status } } }"
WITH_RELATIONS = """query($id: ID!) { node(id: $id) { ... on Order {
  id name status provider { name } partner { name } service { name } } } }"""


async def approved_order(db) -> str:  # noqa: ANN001
    async with db.write_session() as session:
        order = await factories.make_order(session, status=OrderStatus.IN_PROGRESS, with_details=True)
        return to_global_id("Order", order.id)


async def test_an_orders_provider_partner_and_service_come_with_it(gql, db, sql_counter) -> None:  # noqa: ANN001
    order_id = await approved_order(db)
    await gql.token(SUPPLIER)
    with sql_counter:
        plain = await gql.data(PLAIN, {"id": order_id}, as_=SUPPLIER)
    plain_count = sql_counter.count
    with sql_counter:
        full = await gql.data(WITH_RELATIONS, {"id": order_id}, as_=SUPPLIER)
    assert plain["node"]["id"] == full["node"]["id"] == order_id
    assert full["node"]["partner"]["name"] == "Acme Resellers"
    assert full["node"]["provider"]["name"] and full["node"]["service"]["name"]
    # The viewer's lookup and the order, with its relations joined: no statement per relation.
    assert sql_counter.count == plain_count == 2, sql_counter.statements


COMMENT = """mutation($input: AddCommentInput!) { addComment(input: $input) {
  comment { id body } errors { code } } }"""
COMMENT_AND_ORDER = """mutation($input: AddCommentInput!) { addComment(input: $input) {
  comment { id } order { commentCount } errors { code } } }"""


async def test_add_comment_reads_only_what_it_needs(gql, db, sql_counter) -> None:  # noqa: ANN001
    order_id = await approved_order(db)
    await gql.token(PARTNER)
    with sql_counter:
        body = await gql.data(COMMENT, {"input": {"orderId": order_id, "body": "First"}}, as_=PARTNER)
    assert body["addComment"]["errors"] == [] and body["addComment"]["comment"]["body"] == "First"
    statements = list(sql_counter.statements)
    # Without SMTP every notification is in-app only: no e-mail preferences, no digest windows.
    assert not any("notification_preference" in s or "next_attempt_at) AS" in s for s in statements), statements
    # The payload's order is read only when the operation asks for it.
    with sql_counter:
        body = await gql.data(COMMENT_AND_ORDER, {"input": {"orderId": order_id, "body": "Second"}}, as_=PARTNER)
    assert body["addComment"]["order"]["commentCount"] == 3  # the factory's one, and these two
    assert sql_counter.count == len(statements) + 1, (statements, sql_counter.statements)
    # viewer, order, comment, counters, actor, users, recipients, supplier authors, names,
    # event, notifications (+ the event lock on PostgreSQL)
    assert len(statements) <= 12, statements


@pytest.mark.skipif(BACKEND == "sqlite", reason="SQLite serialises writers with BEGIN IMMEDIATE")
async def test_an_events_insert_takes_the_commit_order_lock_itself(db) -> None:  # noqa: ANN001
    """Event ids grow in commit order (domain.events): the INSERT that draws an event's id takes
    the advisory lock first, in the same statement, and a second writer drawing an id waits for
    the first one's commit."""
    async with db.write_session() as session:
        order = await factories.make_order(session, status=OrderStatus.IN_PROGRESS)
        portal_id, order_id = order.portal_id, order.id

    def new_event() -> Any:
        return (
            insert(OrderEvent)
            .values(id=locked_event_id(), portal_id=portal_id, order_id=order_id, kind=OrderEventKind.COMMENT_ADDED,
                    subject_id=1, actor_id=None, audience={}, created_at=utcnow())
            .returning(OrderEvent.id)
        )

    async with db.engine.connect() as first, db.engine.connect() as second, db.engine.connect() as observer:
        await first.begin()
        first_pid = await first.scalar(text("SELECT pg_backend_pid()"))
        first_id = await first.scalar(new_event())
        held = await observer.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = :pid"),
            {"pid": first_pid},
        )
        assert held == 1
        await second.begin()
        second_pid = await second.scalar(text("SELECT pg_backend_pid()"))
        waiting = asyncio.create_task(second.scalar(new_event()))
        for _ in range(200):  # until the second writer waits on the lock
            state = await observer.scalar(
                text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": second_pid}
            )
            if state == "Lock":
                break
            await asyncio.sleep(0.05)
        assert state == "Lock" and not waiting.done()
        await first.commit()
        second_id = await waiting
        await second.rollback()
    assert second_id > first_id
