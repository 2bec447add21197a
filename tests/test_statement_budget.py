"""What the busiest requests cost in SQL statements (each one a round trip to the database, and
on PostgreSQL a backend woken up): an order's detail page and addComment, whose event and
notification get their ids as the transaction commits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from domain.ids import to_global_id
from domain.unit_of_work import draft_id
from models import DeliveryStatus, Notification, NotificationKind, OrderEvent, OrderEventKind, OrderStatus
from models.base import utcnow
from tests import factories
from tests.conftest import BACKEND, PARTNER, SUPPLIER

PLAIN = "query($id: ID!) { node(id: $id) { ... on Order { id name status } } }"
WITH_RELATIONS = """query($id: ID!) { node(id: $id) { ... on Order {
  id name status provider { name } partner { name } service { name } } } }"""


async def approved_order(db) -> str:
    async with db.write_session() as session:
        order = await factories.make_order(session, status=OrderStatus.IN_PROGRESS, with_details=True)
        return to_global_id("Order", order.id)


async def test_an_orders_provider_partner_and_service_come_with_it(gql, db, sql_counter) -> None:
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
    # The viewer's lookup and the order, with its relations joined: no statement per relation. On
    # PostgreSQL, once the token is known, the compiled read checks the viewer in its own statement.
    assert plain_count == 2
    assert sql_counter.count == (2 if BACKEND == "sqlite" else 1), sql_counter.statements


COMMENT = """mutation($input: AddCommentInput!) { addComment(input: $input) {
  comment { id body } errors { code } } }"""
COMMENT_AND_ORDER = """mutation($input: AddCommentInput!) { addComment(input: $input) {
  comment { id } order { commentCount } errors { code } } }"""


async def test_add_comment_reads_only_what_it_needs(gql, db, sql_counter) -> None:
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
    # event, and an INSERT for each of the two notifications
    assert len(statements) <= 12, "\n".join(s[:90] for s in statements)


@pytest.mark.skipif(BACKEND == "sqlite", reason="SQLite serialises writers with BEGIN IMMEDIATE")
async def test_event_and_notification_ids_are_drawn_as_their_transactions_commit(db) -> None:
    """Ids grow in commit order (domain.events), and the lock that orders them is held only
    inside the COMMIT: two writers whose rows are written hold no lock until then, and the one
    that commits first gets the smaller ids, whichever wrote first."""
    async with db.write_session() as session:
        order = await factories.make_order(session, status=OrderStatus.IN_PROGRESS)
        portal_id, order_id, partner_id = order.portal_id, order.id, order.partner_id
        user_id = await session.scalar(
            text("SELECT id FROM user_account WHERE organization_id = :org LIMIT 1"), {"org": partner_id}
        )

    async def write_event(session, subject_id: int) -> int:
        """An event and its notification, written now with draft ids as `domain.events` does."""
        event = OrderEvent(
            id=draft_id(),
            portal_id=portal_id,
            order_id=order_id,
            kind=OrderEventKind.COMMENT_ADDED,
            subject_id=subject_id,
            actor_id=None,
            audience={},
            created_at=utcnow(),
        )
        session.add_all(
            [
                event,
                Notification(
                    id=draft_id(),
                    portal_id=portal_id,
                    order_id=order_id,
                    event=event,
                    user_id=user_id,
                    kind=NotificationKind.COMMENT_ADDED,
                    title=f"event {subject_id}",
                    body="",
                    data={},
                    email_status=DeliveryStatus.SKIPPED,
                ),
            ]
        )
        await session.flush()
        return event.id

    async with db.engine.connect() as observer, db.write_session() as wrote_first:
        drafts = [await write_event(wrote_first, 1)]
        async with db.write_session() as wrote_second:
            drafts.append(await write_event(wrote_second, 2))
            assert all(draft < 0 for draft in drafts)
            pids = [await s.scalar(text("SELECT pg_backend_pid()")) for s in (wrote_first, wrote_second)]
            held = await observer.scalar(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = ANY(:pids)"),
                {"pids": pids},
            )
            assert held == 0  # nobody waits on anybody before committing
            # wrote_second commits here, then wrote_first
    async with db.read_session() as session:
        rows = (
            await session.execute(
                select(OrderEvent.subject_id, OrderEvent.id, Notification.id, Notification.event_id)
                .join(Notification, Notification.title == func.concat("event ", OrderEvent.subject_id))
                .where(OrderEvent.order_id == order_id)
                .order_by(OrderEvent.id)
            )
        ).all()
    assert [subject for subject, *_ in rows] == [2, 1]  # the first to commit has the smaller ids
    (_, second_event, second_note, second_ref), (_, first_event, first_note, first_ref) = rows
    assert 0 < second_event < first_event and 0 < second_note < first_note
    assert first_event == second_event + 1  # drafts come from a sequence of their own
    assert (second_ref, first_ref) == (second_event, first_event)  # notifications follow their event
