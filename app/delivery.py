"""The e-mail delivery worker: sends the notification outbox over SMTP.

Runs as `provider-orders deliver` and inside the server when `SMTP_HOST` is set; any number
of workers may run at once. A worker *claims* due rows with a guarded UPDATE (PENDING and
due, or SENDING with an expired lease -> SENDING with a new lease); only the worker whose
UPDATE changed the row sends it, so two workers never send one notification twice. A sent
row is marked SENT once. A temporary failure (4xx, connection trouble) is retried with
exponential backoff; after `MAIL_MAX_ATTEMPTS` attempts, or at once when the server refuses
the recipient or message permanently (5xx), the row is FAILED with the reason. Each e-mail
has one recipient, so a refused address never holds up the others.

A worker that dies between sending and marking leaves the row SENDING; once its lease
expires another worker sends it again (at-least-once). The Message-ID is stable per
notification, so mail clients fold such a rare second copy into the first.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosmtplib
from sqlalchemy import and_, or_, select, update

from app.db import Database
from app.settings import Settings
from domain.mail import build_message
from models import DeliveryStatus, Notification, NotificationKind
from models.base import utcnow

log = logging.getLogger("provider_orders.delivery")

LEASE = timedelta(minutes=10)  # longer than sending one batch can take
BATCH = 20
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class DeliveryStats:
    sent: int = 0  # e-mails (a comment digest is one e-mail for several notifications)
    retrying: int = 0
    failed: int = 0
    lost: int = 0  # due e-mails another worker claimed first (so there may be more to do)

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed

    def __iadd__(self, other: DeliveryStats) -> DeliveryStats:
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.lost += other.lost
        return self


class PermanentFailure(Exception):
    """The server will never accept this e-mail (5xx on the recipient or the message)."""


def backoff(settings: Settings, attempts: int) -> timedelta:
    """Delay before attempt `attempts + 1`: the base delay doubled per attempt made, capped."""
    delay = timedelta(seconds=settings.mail_retry_seconds * (2 ** max(0, attempts - 1)))
    return min(delay, MAX_BACKOFF)


def _due(now: datetime):
    return or_(
        and_(Notification.email_status == DeliveryStatus.PENDING, Notification.next_attempt_at <= now),
        and_(Notification.email_status == DeliveryStatus.SENDING, Notification.locked_until < now),
    )


async def _try_claim(session, notification_id: int, now: datetime) -> bool:
    """The guarded UPDATE: True only for the one worker whose UPDATE changed the row."""
    result = await session.execute(
        update(Notification)
        .where(Notification.id == notification_id, _due(now))
        .values(
            email_status=DeliveryStatus.SENDING,
            locked_until=now + LEASE,
            attempts=Notification.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def claim(db: Database, now: datetime, limit: int = BATCH) -> tuple[list[list[Notification]], int]:
    """Claim up to `limit` due e-mails; each group of rows is one e-mail to one recipient.

    Rows are claimed in ascending id order, so two workers claiming at once wait for each
    other's row locks (PostgreSQL) in the same order and never deadlock. Also returns how many
    due rows another worker claimed first."""
    async with db.write_session() as session:
        candidates = (
            await session.execute(
                select(Notification.id, Notification.kind, Notification.order_id, Notification.email)
                .where(_due(now))
                .order_by(Notification.next_attempt_at, Notification.id)
                .limit(limit)
            )
        ).all()
        # An e-mail per row, except comments: one digest per (order, address) with every due one.
        groups: dict[tuple, list[int]] = {}
        for notification_id, kind, order_id, email in candidates:
            key = ("digest", order_id, email) if kind is NotificationKind.COMMENT_ADDED else ("one", notification_id)
            groups.setdefault(key, []).append(notification_id)
        digests = [key for key in groups if key[0] == "digest"]
        for _, order_id, email in digests:
            groups[("digest", order_id, email)] = list(
                await session.scalars(
                    select(Notification.id).where(
                        Notification.order_id == order_id,
                        Notification.email == email,
                        Notification.kind == NotificationKind.COMMENT_ADDED,
                        _due(now),
                    )
                )
            )
        won = {pk for pk in sorted({pk for ids in groups.values() for pk in ids}) if await _try_claim(session, pk, now)}
    claimed = [sorted(pk for pk in ids if pk in won) for ids in groups.values()]
    claimed = [ids for ids in claimed if ids]
    lost = len({pk for ids in groups.values() for pk in ids}) - len(won)
    if not claimed:
        return [], lost
    async with db.read_session() as session:
        rows = {row.id: row for row in await session.scalars(select(Notification).where(Notification.id.in_(won)))}
    return [[rows[pk] for pk in ids] for ids in claimed], lost


class Mailer:
    """One SMTP connection, opened on first use and reopened after it drops."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._smtp: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        s = self.settings
        self._smtp = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            # Port 465 is TLS from the first byte; elsewhere STARTTLS when asked for.
            use_tls=s.smtp_port == 465,
            start_tls=False if s.smtp_port == 465 else s.smtp_starttls,
            timeout=s.smtp_timeout_seconds,
        )
        await self._smtp.connect()
        return self._smtp

    async def send(self, message) -> None:
        try:
            smtp = await self._connected()
            await smtp.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as error:
            refusal = error.recipients[0]
            reason = f"{refusal.code} {refusal.message}"
            if 500 <= refusal.code < 600:
                raise PermanentFailure(f"recipient refused: {reason}") from error
            raise
        except aiosmtplib.SMTPDataError as error:
            if 500 <= error.code < 600:
                raise PermanentFailure(f"message refused: {error.code} {error.message}") from error
            raise
        except (ValueError, aiosmtplib.SMTPNotSupported) as error:
            log.warning("e-mail to %s not deliverable: %r", message["To"], error)
            raise PermanentFailure("address not deliverable") from error

    async def close(self) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                self._smtp.close()
        self._smtp = None


def _describe(error: BaseException) -> str:
    """The reason a supplier reads (`deliveryFailures`): the mail server's answer, else a
    sentence; never an exception's own text (addresses, hosts, internals), which is logged."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        refusal = error.recipients[0]
        return f"recipient refused: {refusal.code} {refusal.message}"
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.code} {error.message}"
    if isinstance(error, OSError | TimeoutError | aiosmtplib.SMTPException):
        return "the mail server could not be reached"
    return "the e-mail could not be built or sent (the server log has the details)"


async def _finish(db: Database, ids: list[int], **values: object) -> None:
    async with db.write_session() as session:
        await session.execute(
            update(Notification)
            .where(Notification.id.in_(ids), Notification.email_status == DeliveryStatus.SENDING)
            .values(locked_until=None, **values)
            .execution_options(synchronize_session=False)
        )


async def deliver_once(db: Database, settings: Settings, *, now: datetime | None = None) -> DeliveryStats:
    """Claim one batch of due e-mails and send them. `now` lets tests move the clock."""
    now = now or utcnow()
    groups, lost = await claim(db, now)
    stats = DeliveryStats(lost=lost)
    if not groups:
        return stats
    mailer = Mailer(settings)
    try:
        for group in groups:
            ids = [row.id for row in group]
            attempts = max(row.attempts for row in group)
            try:
                message = build_message(group, mail_from=settings.mail_from, public_url=settings.public_url)
                await mailer.send(message)
            except PermanentFailure as error:
                log.warning("e-mail %s to %s refused: %s", ids, group[0].email, error)
                await _finish(
                    db, ids, email_status=DeliveryStatus.FAILED, last_error=str(error)[:2000], next_attempt_at=now
                )
                stats.failed += 1
            except Exception as error:
                reason = _describe(error)[:2000]
                log.info("e-mail %s to %s failed (attempt %d): %r", ids, group[0].email, attempts, error)
                if attempts >= settings.mail_max_attempts:
                    log.warning("e-mail %s to %s failed for good: %s", ids, group[0].email, reason)
                    await _finish(
                        db,
                        ids,
                        email_status=DeliveryStatus.FAILED,
                        next_attempt_at=now,
                        last_error=f"gave up after {attempts} attempts: {reason}",
                    )
                    stats.failed += 1
                else:
                    await _finish(
                        db,
                        ids,
                        email_status=DeliveryStatus.PENDING,
                        last_error=reason,
                        next_attempt_at=now + backoff(settings, attempts),
                    )
                    stats.retrying += 1
                if isinstance(error, OSError | aiosmtplib.SMTPServerDisconnected | aiosmtplib.SMTPTimeoutError):
                    await mailer.close()
            else:
                await _finish(db, ids, email_status=DeliveryStatus.SENT, sent_at=utcnow(), last_error=None)
                stats.sent += 1
    finally:
        await mailer.close()
    return stats


async def deliver_due(db: Database, settings: Settings, *, now: datetime | None = None) -> DeliveryStats:
    """Deliver batches until nothing is due (`provider-orders deliver --once`, tests)."""
    total = DeliveryStats()
    while True:
        stats = await deliver_once(db, settings, now=now)
        total += stats
        if stats.handled == 0 and stats.lost == 0:
            return total


async def run_worker(db: Database, settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Deliver until `stop` is set, pausing `MAIL_POLL_SECONDS` when idle. A batch being sent
    when `stop` is set is finished first, so a shutdown does not leave e-mails half-claimed."""
    stop = stop or asyncio.Event()
    log.info(
        "e-mail delivery worker started (%s:%s, worker %s@%s)",
        settings.smtp_host,
        settings.smtp_port,
        os.getpid(),
        socket.gethostname(),
    )
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            try:
                stats = await deliver_once(db, settings)
            except Exception:
                log.exception("e-mail delivery round failed")
                stats = DeliveryStats()
            if not stats.handled and not stats.lost:
                await asyncio.wait({stopping}, timeout=settings.mail_poll_seconds)
    finally:
        stopping.cancel()


class DeliveryWorker:
    """The in-process worker of the server (see app.server's lifespan)."""

    def __init__(self, db: Database, settings: Settings):
        self.db, self.settings = db, settings
        self.stopping = asyncio.Event()
        self.task: asyncio.Task | None = None

    def start(self) -> DeliveryWorker:
        self.task = asyncio.create_task(run_worker(self.db, self.settings, self.stopping), name="deliver")
        return self

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Let the current batch finish (up to `grace_seconds`), then make sure it has ended."""
        if self.task is None:
            return
        self.stopping.set()
        done, _ = await asyncio.wait({self.task}, timeout=grace_seconds)
        if not done:
            self.task.cancel()
            await asyncio.wait({self.task})
