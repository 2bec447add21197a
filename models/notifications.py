"""In-app notifications, doubling as the e-mail outbox, and e-mail preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.events import OrderEvent


class NotificationKind(enum.StrEnum):
    ORDER_SUBMITTED = "ORDER_SUBMITTED"
    QUOTE_REQUESTED = "QUOTE_REQUESTED"  # an invited provider is asked to quote
    STATUS_CHANGED = "STATUS_CHANGED"
    QUOTE_RECEIVED = "QUOTE_RECEIVED"
    COMMENT_ADDED = "COMMENT_ADDED"
    LEADS_ADDED = "LEADS_ADDED"
    QUOTE_DECLINED = "QUOTE_DECLINED"  # the partner hears that an invited provider declined
    QUOTE_WITHDRAWN = "QUOTE_WITHDRAWN"  # the partner hears that an invited provider withdrew its quote
    ORDER_UPDATED = "ORDER_UPDATED"  # description, contacts, recipients or completion date changed
    ATTACHMENTS_ADDED = "ATTACHMENTS_ADDED"  # files were attached to an order, a comment or a quote
    CLAIM_UPDATED = "CLAIM_UPDATED"  # an MDF claim was filed, approved, rejected, or its deadline passed


class DeliveryStatus(enum.StrEnum):
    PENDING = "PENDING"  # waiting for the delivery worker
    SENDING = "SENDING"  # claimed by a worker (lease until `locked_until`)
    SENT = "SENT"
    FAILED = "FAILED"  # given up after retries; reason in last_error
    SKIPPED = "SKIPPED"  # e-mail off, unsubscribed, or merged into a digest


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at", "id"),
        Index("ix_notification_delivery", "email_status", "next_attempt_at"),
        Index("ix_notification_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("provider_order.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("order_event.id", onupdate="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: a bare address
    email: Mapped[str | None] = mapped_column(String(320))
    kind: Mapped[NotificationKind] = mapped_column(Enum(NotificationKind, native_enum=False, length=30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    email_status: Mapped[DeliveryStatus] = mapped_column(Enum(DeliveryStatus, native_enum=False, length=20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the worker may (next) try; once FAILED, when it gave up.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    # Set when the notification is written: the event gets its id only at commit
    # (domain.events), and the flush then fills in `event_id`.
    event: Mapped[OrderEvent | None] = relationship(lazy="raise")


class NotificationPreference(Base):
    """A user's choice to receive (or not) e-mail of one kind; no row means yes."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[NotificationKind] = mapped_column(Enum(NotificationKind, native_enum=False, length=30))
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
