"""Portals (one per supplier), their organisations, users and activity types."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Index, Integer, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class OrganizationKind(enum.StrEnum):
    SUPPLIER = "SUPPLIER"
    PARTNER = "PARTNER"
    PROVIDER = "PROVIDER"


class UserRole(enum.StrEnum):
    ADMIN = "ADMIN"  # administers its organisation (the supplier's: the whole portal)
    MEMBER = "MEMBER"


class Portal(Base):
    __tablename__ = "portal"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    marketplace_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_locator_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    mdf_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # What the portal's supplier names its orders page ("My Orders", "Provider Orders", ...).
    orders_page_label: Mapped[str] = mapped_column(String(100), default="My Orders", server_default="My Orders")
    # completeOrder needs at least one DELIVERABLE attachment.
    deliverables_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Completing an MDF order keeps its reservation until the supplier approves the partner's claim.
    mdf_claims_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Days after completion within which a claim may be (re)filed; past them the reservation is released.
    claim_deadline_days: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    # A provider's new service is listed only once the supplier approves it.
    service_approval_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Organization(Base):
    """A supplier, partner (reseller) or provider (agency) of one portal."""

    __tablename__ = "organization"
    __table_args__ = (Index("ix_organization_portal_kind_name", "portal_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    kind: Mapped[OrganizationKind] = mapped_column(Enum(OrganizationKind, native_enum=False, length=20))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(4000))
    website: Mapped[str | None] = mapped_column(String(500))
    # A deactivated organisation's users are refused (app.auth), open WebSockets included.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Tokens carry the version they were minted with; revoking them all bumps it (app.auth).
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    role: Mapped[UserRole] = mapped_column(
        Enum(UserRole, native_enum=False, length=20), default=UserRole.MEMBER, server_default=UserRole.MEMBER.value
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActivityType(Base):
    """A portal's kinds of marketing activity (SEO, Social Media, Email, Events, ...)."""

    __tablename__ = "activity_type"
    __table_args__ = (UniqueConstraint("portal_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    name: Mapped[str] = mapped_column(String(100))
    # Retired types are offered for no new service; the services and orders using them keep them.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProviderOffice(Base):
    """Where a provider works from; the Provider Locator searches these by distance."""

    __tablename__ = "provider_office"
    __table_args__ = (Index("ix_provider_office_lat_lon", "latitude", "longitude"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
