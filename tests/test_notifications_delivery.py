"""Notifications: who is told of what, and e-mail delivery through a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.db import Database
from app.delivery import _describe, deliver_due
from app.settings import Settings
from domain.events import record_event
from domain.mail import header_text
from domain.unit_of_work import unit_of_work
from models import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    Order,
    OrderEventKind,
    OrderStatus,
    StatusChange,
)
from models.base import utcnow
from tests import factories
from tests.conftest import PARTNER, PROVIDER, PROVIDER2, SUPPLIER
from tests.mail import PUBLIC_URL, smtp_settings  # noqa: F401 - the fixture `settings`, with the test SMTP server
from tests.notify_helpers import add_leads, comment, move, notifications, quote, submit, told

BOSS = "boss@acme.example"


async def _fixed_price_order_approved(db: Database, name: str = "Spring launch") -> int:
    """A fixed-price order submitted with a notification recipient, approved by the supplier."""
    order_id = await submit(db, service_name="Social Media Starter Pack", recipients=(BOSS,), name=name)
    await move(db, order_id, OrderStatus.APPROVED, SUPPLIER, action="APPROVE_ORDER")
    return order_id


async def test_quote_order_submitted_invites_providers_and_tells_recipients(db: Database, smtp) -> None:
    order_id = await submit(db, invited=("Taylor Marketing", "Northwind Digital"), recipients=(BOSS,))

    rows = await notifications(db, order_id)
    # The partner who submitted is not told; the supplier has nothing to approve yet.
    assert told(rows) == {PROVIDER: "QUOTE_REQUESTED", PROVIDER2: "QUOTE_REQUESTED", BOSS: "ORDER_SUBMITTED"}
    assert all(row.email_status is DeliveryStatus.PENDING for row in rows)

    stats = await deliver_due(db, db.settings)
    assert (stats.sent, stats.failed) == (3, 0)
    assert smtp.recipients == sorted([PROVIDER, PROVIDER2, BOSS])
    invitation = smtp.to(PROVIDER)[0]
    assert invitation.subject == "[Demo Portal] You're invited to quote: Spring launch"
    assert "Pat Partner (Acme Resellers) invites you to quote" in invitation.text
    link = f"{PUBLIC_URL}/orders/{rows[0].data['order']['id']}"
    assert link in invitation.text and f'href="{link}"' in invitation.html
    assert invitation.message["From"] == "Demo Portal <orders@portal.example>"
    assert "Demo Portal" in invitation.html
    # Sent once: nothing left to deliver, each row marked SENT.
    assert (await deliver_due(db, db.settings)).handled == 0
    assert {row.email_status for row in await notifications(db, order_id)} == {DeliveryStatus.SENT}


async def test_fixed_price_submission_asks_the_supplier_to_approve_not_the_provider(db: Database, smtp) -> None:
    order_id = await submit(db, service_name="Social Media Starter Pack")
    assert told(await notifications(db, order_id)) == {SUPPLIER: "ORDER_SUBMITTED"}
    await deliver_due(db, db.settings)
    [mail] = smtp.received
    assert mail.to == SUPPLIER and mail.subject == "[Demo Portal] Approval needed: Spring launch"
    assert "waiting for your approval" in mail.text


async def test_approval_tells_partner_provider_and_recipients_but_not_the_approver(db: Database, smtp) -> None:
    order_id = await _fixed_price_order_approved(db)
    rows = [r for r in await notifications(db, order_id) if r.kind is NotificationKind.STATUS_CHANGED]
    assert told(rows) == {PARTNER: "STATUS_CHANGED", PROVIDER: "STATUS_CHANGED", BOSS: "STATUS_CHANGED"}
    assert rows[0].title == "Spring launch: Approved"
    assert rows[0].body == "Sam Supplier (Demo Brand) moved Spring launch from Pending approval to Approved."

    await move(db, order_id, OrderStatus.NOT_STARTED, PROVIDER, action="ACCEPT_ORDER")
    await move(db, order_id, OrderStatus.IN_PROGRESS, PROVIDER, action="START_WORK")
    await move(
        db,
        order_id,
        OrderStatus.WAITING_FOR_PARTNER,
        PROVIDER,
        action="REQUEST_PARTNER_INPUT",
        reason="Please send your logo",
    )
    latest = [r for r in await notifications(db, order_id) if r.data["status"]["to"] == "WAITING_FOR_PARTNER"]
    assert told(latest) == {PARTNER: "STATUS_CHANGED", SUPPLIER: "STATUS_CHANGED", BOSS: "STATUS_CHANGED"}
    await deliver_due(db, db.settings)
    [mail] = [m for m in smtp.to(PARTNER) if "Waiting for partner" in m.subject]
    assert "Message: Please send your logo" in mail.text
    assert "Taylor Provider (Taylor Marketing)" in mail.text


async def test_invited_providers_hear_only_of_their_quote_request(db: Database, smtp) -> None:
    order_id = await submit(db, invited=("Taylor Marketing", "Northwind Digital"))
    await quote(db, order_id, PROVIDER2, total="1800.00")
    quote_rows = [r for r in await notifications(db, order_id) if r.kind is NotificationKind.QUOTE_RECEIVED]
    # "Quote received" goes to the partner; the other invited provider never hears of it.
    assert told(quote_rows) == {PARTNER: "QUOTE_RECEIVED"}
    assert quote_rows[0].body == "Northwind Digital sent a quote of 1800.00 USD for Spring launch."

    # The partner accepts Northwind's quote: Taylor learns its request is closed, nothing more.
    await move(db, order_id, OrderStatus.APPROVED, PARTNER, action="ACCEPT_QUOTE", provider="Northwind Digital")
    rows = [r for r in await notifications(db, order_id) if r.data.get("status", {}).get("to") == "APPROVED"]
    assert told(rows) == {SUPPLIER: "STATUS_CHANGED", PROVIDER2: "STATUS_CHANGED", PROVIDER: "STATUS_CHANGED"}
    taylor = next(r for r in rows if r.email == PROVIDER)
    assert taylor.title == "Quote request closed: Spring launch"
    # From here on Taylor is not a party: comments and later changes pass it by.
    await comment(db, order_id, PARTNER, "Welcome aboard")
    await move(db, order_id, OrderStatus.NOT_STARTED, PROVIDER2, action="ACCEPT_ORDER")
    later = [r for r in await notifications(db, order_id) if r.id > taylor.id]
    assert PROVIDER not in told(later)
    assert told(later)[PROVIDER2] == "COMMENT_ADDED"


async def test_cancelled_quote_request_tells_invited_providers(db: Database, smtp) -> None:
    order_id = await submit(db, invited=("Taylor Marketing", "Northwind Digital"))
    await move(db, order_id, OrderStatus.CANCELLED, PARTNER, action="CANCEL_ORDER", reason="Budget cut")
    rows = [r for r in await notifications(db, order_id) if r.data["status"]["to"] == "CANCELLED"]
    assert told(rows) == {SUPPLIER: "STATUS_CHANGED", PROVIDER: "STATUS_CHANGED", PROVIDER2: "STATUS_CHANGED"}
    assert next(r for r in rows if r.email == PROVIDER).body == (
        "Pat Partner (Acme Resellers) cancelled the quote request Spring launch. Reason: Budget cut"
    )


async def test_leads_are_announced_to_the_partner_side(db: Database, smtp) -> None:
    order_id = await _fixed_price_order_approved(db)
    await add_leads(db, order_id, PROVIDER, 3)
    rows = [r for r in await notifications(db, order_id) if r.kind is NotificationKind.LEADS_ADDED]
    assert told(rows) == {PARTNER: "LEADS_ADDED", BOSS: "LEADS_ADDED"}
    assert rows[0].title == "3 new leads: Spring launch"


async def test_comments_are_batched_into_one_digest_per_recipient_and_order(db: Database, smtp) -> None:
    order_id = await _fixed_price_order_approved(db)
    await deliver_due(db, db.settings)
    smtp.reset()
    started = utcnow()
    await comment(db, order_id, PROVIDER, "First draft is ready")
    await comment(db, order_id, SUPPLIER, "Looks good to me")
    await comment(db, order_id, PROVIDER, "Thanks! Final version Friday")

    # Within the window nothing goes out.
    assert (await deliver_due(db, db.settings, now=started + timedelta(seconds=200))).handled == 0
    stats = await deliver_due(db, db.settings, now=started + timedelta(seconds=301))
    # The partner and BOSS get one e-mail each with all three comments; the provider gets the
    # supplier's comment only; the supplier (who joined the thread) gets the provider's last one.
    assert stats.sent == 4 and smtp.recipients == sorted([PARTNER, BOSS, PROVIDER, SUPPLIER])
    digest = smtp.to(PARTNER)[0]
    assert digest.subject == "[Demo Portal] 3 new comments on Spring launch"
    text = digest.text
    assert text.index("First draft is ready") < text.index("Looks good to me") < text.index("Final version Friday")
    assert "Sam Supplier (Demo Brand)" in text and "<li>" not in text
    assert smtp.to(PROVIDER)[0].subject == "[Demo Portal] New comment on Spring launch"
    assert "Thanks! Final version Friday" in smtp.to(SUPPLIER)[0].text
    # In the app every comment is its own notification.
    in_app = [r for r in await notifications(db, order_id) if r.kind is NotificationKind.COMMENT_ADDED]
    assert len([r for r in in_app if r.email == PARTNER]) == 3
    assert {r.email_status for r in in_app} == {DeliveryStatus.SENT}

    # A comment after the digest went out opens a new window.
    await comment(db, order_id, PROVIDER, "One more thing")
    reopened = utcnow()
    assert (await deliver_due(db, db.settings, now=reopened + timedelta(seconds=250))).handled == 0
    assert (await deliver_due(db, db.settings, now=reopened + timedelta(seconds=301))).sent == 3


async def test_comment_html_is_escaped(db: Database, smtp, settings: Settings) -> None:
    settings.comment_digest_seconds = 0
    order_id = await _fixed_price_order_approved(db)
    await comment(db, order_id, PROVIDER, "<script>alert(1)</script> & more")
    await deliver_due(db, settings)
    mail = next(m for m in smtp.to(PARTNER) if "comment" in m.subject)
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "<script>alert(1)</script> & more" in mail.text


async def test_email_preferences_switch_off_email_but_not_the_in_app_notification(db: Database, smtp) -> None:
    async with db.write_session() as session:
        partner = await factories.user(session, PARTNER)
        session.add(
            NotificationPreference(user_id=partner.id, kind=NotificationKind.STATUS_CHANGED, email_enabled=False)
        )
    order_id = await _fixed_price_order_approved(db)
    rows = {r.email: r for r in await notifications(db, order_id) if r.kind is NotificationKind.STATUS_CHANGED}
    assert rows[PARTNER].email_status is DeliveryStatus.SKIPPED
    assert rows[PROVIDER].email_status is DeliveryStatus.PENDING
    await deliver_due(db, db.settings)
    assert PARTNER not in smtp.recipients and PROVIDER in smtp.recipients
    # Other kinds still arrive.
    await add_leads(db, order_id, PROVIDER, 1)
    await deliver_due(db, db.settings)
    assert [m.subject for m in smtp.to(PARTNER)] == ["[Demo Portal] 1 new lead: Spring launch"]


async def test_without_smtp_host_email_is_off_and_in_app_works(db: Database, smtp, settings: Settings) -> None:
    settings.smtp_host = None
    order_id = await _fixed_price_order_approved(db)
    rows = await notifications(db, order_id)
    assert rows and {r.email_status for r in rows} == {DeliveryStatus.SKIPPED}
    settings.smtp_host = "127.0.0.1"
    assert (await deliver_due(db, settings)).handled == 0 and smtp.received == []


async def test_refused_change_notifies_nobody(db: Database, smtp) -> None:
    order_id = await submit(db, service_name="Social Media Starter Pack")
    before = len(await notifications(db))
    with pytest.raises(RuntimeError):
        async with unit_of_work(db.write_session(), db.settings) as uow:
            session = uow.session
            order = await session.get(Order, order_id)
            change = StatusChange(
                order_id=order_id,
                from_status=order.status,
                to_status=OrderStatus.APPROVED,
                action="APPROVE_ORDER",
                actor_id=None,
            )
            order.status = OrderStatus.APPROVED
            session.add(change)
            await session.flush()
            await record_event(uow, order, OrderEventKind.STATUS_CHANGED, change.id, None)
            raise RuntimeError("insufficient funds, say")
    assert len(await notifications(db)) == before
    await deliver_due(db, db.settings)
    assert [m.to for m in smtp.received] == [SUPPLIER]  # the submission's, nothing of the refused change


async def test_temporary_refusal_is_retried_with_backoff(db: Database, smtp) -> None:
    order_id = await submit(db, service_name="Social Media Starter Pack")
    smtp.temporary_failures = 1
    now = utcnow()
    stats = await deliver_due(db, db.settings, now=now)
    assert (stats.sent, stats.retrying) == (0, 1) and smtp.received == []
    [row] = await notifications(db, order_id)
    assert row.email_status is DeliveryStatus.PENDING and row.attempts == 1
    assert "451" in row.last_error
    assert row.next_attempt_at == now + timedelta(seconds=60)
    # Not before the backoff has passed; then it goes out, once.
    assert (await deliver_due(db, db.settings, now=now + timedelta(seconds=59))).handled == 0
    assert (await deliver_due(db, db.settings, now=now + timedelta(seconds=61))).sent == 1
    [row] = await notifications(db, order_id)
    assert row.email_status is DeliveryStatus.SENT and row.attempts == 2 and row.last_error is None
    assert smtp.recipients == [SUPPLIER]


async def test_gives_up_after_max_attempts_with_the_reason(db: Database, smtp) -> None:
    order_id = await submit(db, service_name="Social Media Starter Pack")
    smtp.temporary_failures = 100
    now = utcnow()
    for minutes in (0, 2, 5):  # backoff 60 s, then 120 s
        await deliver_due(db, db.settings, now=now + timedelta(minutes=minutes))
    [row] = await notifications(db, order_id)
    assert row.email_status is DeliveryStatus.FAILED and row.attempts == 3
    assert row.last_error.startswith("gave up after 3 attempts: recipient refused: 451")
    assert (await deliver_due(db, db.settings, now=now + timedelta(days=1))).handled == 0
    assert smtp.rcpt_attempts == 3


async def test_permanently_refused_address_fails_at_once_without_blocking_others(db: Database, smtp) -> None:
    smtp.refuse[BOSS] = "550 5.1.1 No such user here"
    order_id = await _fixed_price_order_approved(db)
    stats = await deliver_due(db, db.settings)
    assert stats.failed == 2  # BOSS's two e-mails (submitted, approved), nobody else's
    assert BOSS not in smtp.recipients
    assert sorted(set(smtp.recipients)) == [PARTNER, PROVIDER, SUPPLIER]
    failed = [r for r in await notifications(db, order_id) if r.email_status is DeliveryStatus.FAILED]
    assert {r.email for r in failed} == {BOSS}
    assert all(r.attempts == 1 and r.last_error == "recipient refused: 550 5.1.1 No such user here" for r in failed)
    assert (await deliver_due(db, db.settings, now=utcnow() + timedelta(days=1))).handled == 0


async def test_two_workers_racing_send_each_email_once(db: Database, smtp, settings: Settings) -> None:
    for n in range(8):
        await submit(db, invited=("Taylor Marketing", "Northwind Digital"), recipients=(BOSS,), name=f"Order {n}")
    expected = len(await notifications(db))
    assert expected == 24
    other = Database(settings)  # a second worker process: its own engine and connections
    try:
        results = await asyncio.gather(
            deliver_due(db, settings), deliver_due(other, settings), deliver_due(db, settings)
        )
    finally:
        await other.dispose()
    assert sum(r.sent for r in results) == expected
    ids = [m.message["Message-ID"] for m in smtp.received]
    assert len(ids) == expected and len(set(ids)) == expected
    assert {r.email_status for r in await notifications(db)} == {DeliveryStatus.SENT}


async def test_an_abandoned_claim_is_picked_up_after_its_lease(db: Database, smtp) -> None:
    order_id = await submit(db, service_name="Social Media Starter Pack")
    now = utcnow()
    async with db.write_session() as session:  # a worker claimed it, then died
        await session.execute(
            update(Notification).values(
                email_status=DeliveryStatus.SENDING, locked_until=now + timedelta(minutes=10), attempts=1
            )
        )
    assert (await deliver_due(db, db.settings, now=now + timedelta(minutes=9))).handled == 0
    assert (await deliver_due(db, db.settings, now=now + timedelta(minutes=11))).sent == 1
    async with db.read_session() as session:
        row = (await session.scalars(select(Notification).where(Notification.order_id == order_id))).one()
    assert row.email_status is DeliveryStatus.SENT and row.attempts == 2


async def test_unreachable_server_is_retried(db: Database, smtp, settings: Settings) -> None:
    await submit(db, service_name="Social Media Starter Pack")
    settings.smtp_port = 1  # nothing listens there
    stats = await deliver_due(db, settings)
    assert stats.retrying == 1
    [row] = await notifications(db)
    assert row.email_status is DeliveryStatus.PENDING and row.last_error


def test_header_text_is_one_line() -> None:
    assert header_text("Spring\r\nlaunch\x00 \u2028now\t!") == "Spring launch now !"


async def test_a_stored_name_with_line_breaks_does_not_stop_its_emails(db: Database, smtp) -> None:
    """Orders stored before one-line fields refused control characters still get their e-mails,
    and a line break cannot add a header."""
    order_id = await _fixed_price_order_approved(db, name="Spring\nlaunch\r\nBcc: x@evil.example")
    stats = await deliver_due(db, db.settings)
    assert (stats.failed, stats.sent) == (0, 5)
    assert {row.email_status for row in await notifications(db, order_id)} == {DeliveryStatus.SENT}
    mail = smtp.to(PROVIDER)[0]
    assert mail.subject == "[Demo Portal] Spring launch Bcc: x@evil.example: Approved"
    assert mail.message["Bcc"] is None and "x@evil.example" not in smtp.recipients


def test_a_failure_reason_never_carries_an_exception_text() -> None:
    """Suppliers read the reason (`deliveryFailures`): the mail server's answer, else a sentence."""
    assert (
        _describe(ConnectionRefusedError("[Errno 111] Connect call failed ('10.1.2.3', 25)"))
        == "the mail server could not be reached"
    )
    assert (
        _describe(ValueError("internal detail"))
        == "the e-mail could not be built or sent (the server log has the details)"
    )
