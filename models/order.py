"""Orders, the providers invited to quote, contacts, recipients and status history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    select,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from models.base import Base, Money, UTCDateTime, utcnow
from models.catalog import Service
from models.portal import Organization
from models.quote import Quote


class OrderStatus(enum.StrEnum):
    PENDING_QUOTES = "PENDING_QUOTES"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    DENIED = "DENIED"
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    WAITING_FOR_PARTNER = "WAITING_FOR_PARTNER"
    SCHEDULED = "SCHEDULED"
    EXECUTING = "EXECUTING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    ARCHIVED = "ARCHIVED"


class OrderOrigin(enum.StrEnum):
    CAMPAIGN_ACTIVITY = "CAMPAIGN_ACTIVITY"
    MARKETPLACE = "MARKETPLACE"
    PROVIDER_LOCATOR = "PROVIDER_LOCATOR"


class PaymentMethod(enum.StrEnum):
    MDF = "MDF"
    PARTNER_FUNDED = "PARTNER_FUNDED"


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=30)


def _latest_quote_join() -> ColumnElement[bool]:
    newer = aliased(Quote)
    newest = (
        select(newer.id)
        .where(newer.order_id == Order.id)
        .order_by(newer.submitted_at.desc(), newer.id.desc())
        .limit(1)
        .correlate_except(newer)
        .scalar_subquery()
    )
    return and_(Quote.order_id == Order.id, Quote.id == newest)


class Order(Base):
    __tablename__ = "provider_order"
    __table_args__ = (
        # Keyset pages per viewer scope: (scope column, sort key, id).
        Index("ix_order_portal_submitted", "portal_id", "submitted_at", "id"),
        Index("ix_order_portal_activity", "portal_id", "last_activity_at", "id"),
        Index("ix_order_portal_completion", "portal_id", "estimated_completion_on", "id"),
        Index("ix_order_partner_submitted", "partner_id", "submitted_at", "id"),
        Index("ix_order_partner_activity", "partner_id", "last_activity_at", "id"),
        Index("ix_order_partner_completion", "partner_id", "estimated_completion_on", "id"),
        Index("ix_order_provider_submitted", "provider_id", "submitted_at", "id"),
        Index("ix_order_provider_activity", "provider_id", "last_activity_at", "id"),
        Index("ix_order_provider_completion", "provider_id", "estimated_completion_on", "id"),
        Index("ix_order_portal_status", "portal_id", "status"),
        Index("ix_order_service", "service_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    activity_type_id: Mapped[int] = mapped_column(ForeignKey("activity_type.id"), index=True)
    # The provider doing the work: the service's for fixed price, the accepted quote's otherwise.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    campaign_activity_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_activity.id"))
    # No foreign key: quote references order, and a cycle would complicate migrations.
    accepted_quote_id: Mapped[int | None] = mapped_column(Integer)
    mdf_fund_id: Mapped[int | None] = mapped_column(ForeignKey("mdf_fund.id"), index=True)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    origin: Mapped[OrderOrigin] = mapped_column(_enum(OrderOrigin))
    payment_method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod))
    rate: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))

    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once the order first reaches APPROVED: from then on the assigned provider sees it.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimated_completion_on: Mapped[date | None] = mapped_column(Date)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    lead_count: Mapped[int] = mapped_column(Integer, default=0)
    # Set when its provider was deactivated while the order was assigned: the supplier decides.
    attention_needed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Optimistic concurrency: every change bumps it; a guarded UPDATE refuses stale writers.
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Read-only links, only ever eager-loaded with an order's detail page (resolvers.node, through
    # resolvers.orders.eager_loads; a list page joins the same relations in Core, see
    # resolvers.order_rows); resolvers go through the request's loaders, and a lazy load raises
    # instead of querying.
    provider: Mapped[Organization | None] = relationship(foreign_keys=[provider_id], viewonly=True, lazy="raise")
    partner: Mapped[Organization] = relationship(foreign_keys=[partner_id], viewonly=True, lazy="raise")
    service: Mapped[Service] = relationship(viewonly=True, lazy="raise")
    # In the order of the quotes_by_order loader.
    quotes: Mapped[list[Quote]] = relationship(viewonly=True, lazy="raise", order_by="(Quote.submitted_at, Quote.id)")
    # The last of those (whoever submitted it); resolvers.order_rows joins the same in Core.
    latest_quote: Mapped[Quote | None] = relationship(primaryjoin=_latest_quote_join, viewonly=True, lazy="raise")


class OrderInvitation(Base):
    """A provider asked to quote on an order, and the order as that provider sees it while it is
    a quote request: `last_activity_at` and `version` move only with what it may see (its own
    quotes and decline, edits of the description), never with a rival's bid."""

    __tablename__ = "order_invitation"
    __table_args__ = (
        UniqueConstraint("order_id", "provider_id"),
        Index("ix_order_invitation_provider", "provider_id", "order_id"),
        # A provider's quote requests by their activity as it sees it (Manage Orders' sort).
        Index("ix_order_invitation_provider_activity", "provider_id", "last_activity_at", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("provider_order.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Comments in this provider's private thread (counted per viewer: schema.orders.comment_count).
    comment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OrderContact(Base):
    """A person the provider may contact about the order."""

    __tablename__ = "order_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("provider_order.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    role: Mapped[str | None] = mapped_column(String(100))


class OrderRecipient(Base):
    """Someone told of the order's changes: a portal user or a bare e-mail address."""

    __tablename__ = "order_recipient"
    __table_args__ = (UniqueConstraint("order_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("provider_order.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class StatusChange(Base):
    __tablename__ = "status_change"
    __table_args__ = (Index("ix_status_change_order_at", "order_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("provider_order.id", ondelete="CASCADE"))
    from_status: Mapped[OrderStatus | None] = mapped_column(_enum(OrderStatus))
    to_status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderField(enum.StrEnum):
    """Parts of an order that are edited after submission (an OrderUpdate names them)."""

    DESCRIPTION = "DESCRIPTION"
    CONTACTS = "CONTACTS"
    NOTIFICATION_RECIPIENTS = "NOTIFICATION_RECIPIENTS"
    ESTIMATED_COMPLETION_ON = "ESTIMATED_COMPLETION_ON"


class OrderUpdate(Base):
    """An edit of an order that keeps its status: the partner's `updateOrder`, the provider's
    estimated completion date (given when accepting, or moved later). A timeline entry."""

    __tablename__ = "order_update"
    __table_args__ = (Index("ix_order_update_order_at", "order_id", "at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("provider_order.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The OrderField values changed, in enum order.
    fields: Mapped[list[str]] = mapped_column(JSON)
    # ESTIMATED_COMPLETION_ON: the date before and after, and the provider's reason.
    previous_estimated_completion_on: Mapped[date | None] = mapped_column(Date)
    estimated_completion_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
