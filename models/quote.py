"""Quotes from invited providers, with their line items."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Money, UTCDateTime, utcnow


class QuoteStatus(enum.StrEnum):
    SUBMITTED = "SUBMITTED"
    SUPERSEDED = "SUPERSEDED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    WITHDRAWN = "WITHDRAWN"  # its provider took it back while quotes were collected


class Quote(Base):
    __tablename__ = "quote"
    __table_args__ = (
        Index("ix_quote_order_submitted", "order_id", "submitted_at", "id"),
        Index("ix_quote_provider", "provider_id", "status"),
        Index("ix_quote_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("provider_order.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[QuoteStatus] = mapped_column(Enum(QuoteStatus, native_enum=False, length=20))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    plan: Mapped[str] = mapped_column(Text)
    total: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    estimated_completion_on: Mapped[date] = mapped_column(Date)
    terms: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuoteLineItem(Base):
    __tablename__ = "quote_line_item"
    __table_args__ = (Index("ix_quote_line_item_quote", "quote_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[int] = mapped_column(BigInteger)  # whole units (API.md: Int)
    unit_price: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())
