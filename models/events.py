"""Stored order events: what subscriptions deliver and replay (`orderEvents(after:)`).

Written in the same transaction as the change they describe; the auto-increment id is the
order in which they are delivered and the basis of the opaque cursor.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class OrderEventKind(enum.StrEnum):
    STATUS_CHANGED = "STATUS_CHANGED"
    COMMENT_ADDED = "COMMENT_ADDED"
    QUOTE_SUBMITTED = "QUOTE_SUBMITTED"
    LEADS_ADDED = "LEADS_ADDED"
    QUOTE_DECLINED = "QUOTE_DECLINED"  # an invited provider declined (subject: its invitation)
    QUOTE_WITHDRAWN = "QUOTE_WITHDRAWN"  # an invited provider withdrew its quote (subject: the quote)
    ORDER_UPDATED = "ORDER_UPDATED"  # an edit that keeps the status (subject: its order_update)
    ATTACHMENTS_ADDED = "ATTACHMENTS_ADDED"  # subject: the first attachment of the request
    ATTACHMENT_REMOVED = "ATTACHMENT_REMOVED"  # subject: the removed attachment's id
    CLAIM_SUBMITTED = "CLAIM_SUBMITTED"  # subject: the claim
    CLAIM_APPROVED = "CLAIM_APPROVED"
    CLAIM_REJECTED = "CLAIM_REJECTED"
    CLAIM_EXPIRED = "CLAIM_EXPIRED"  # the claim deadline passed: the reservation was released (subject: the order)


class OrderEvent(Base):
    __tablename__ = "order_event"
    __table_args__ = (
        Index("ix_order_event_portal", "portal_id", "id"),
        Index("ix_order_event_order", "order_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("provider_order.id", ondelete="CASCADE"))
    kind: Mapped[OrderEventKind] = mapped_column(Enum(OrderEventKind, native_enum=False, length=30))
    # The row the event is about (status_change, comment, quote, invitation or order_update id;
    # first lead id for leads).
    subject_id: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Visibility as it stood when the event happened (see domain.access.event_audience).
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
