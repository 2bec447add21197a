"""What providers offer: services, and the campaigns whose activities use them."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Money, UTCDateTime, utcnow


class PricingModel(enum.StrEnum):
    FIXED_PRICE = "FIXED_PRICE"
    QUOTE = "QUOTE"


class Service(Base):
    __tablename__ = "service"
    __table_args__ = (
        Index("ix_service_portal_name", "portal_id", "name"),
        Index("ix_service_provider", "provider_id"),
        Index("ix_service_activity_type", "activity_type_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    activity_type_id: Mapped[int] = mapped_column(ForeignKey("activity_type.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(4000))
    pricing_model: Mapped[PricingModel] = mapped_column(Enum(PricingModel, native_enum=False, length=20))
    price: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    # False while waiting for the supplier's approval (Portal.service_approval_required).
    approved: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # A retired service leaves the Marketplace and cannot be ordered; its orders keep it.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(4000))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignActivity(Base):
    """An activity of a campaign; with a service it is a Full Service Activity."""

    __tablename__ = "campaign_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
