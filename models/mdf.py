"""MDF funds and their append-only ledger."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Money, UTCDateTime, utcnow


class LedgerEntryKind(enum.StrEnum):
    ALLOCATE = "ALLOCATE"  # the supplier puts money in the fund
    RESERVE = "RESERVE"  # an approved order holds its rate
    RELEASE = "RELEASE"  # a held amount goes back (denied, cancelled)
    SPEND = "SPEND"  # a held amount is spent (completed)
    CLAIM = "CLAIM"  # a claim was filed against the held amount (it stays held)
    CLAIM_CLOSED = "CLAIM_CLOSED"  # the claim was approved or rejected (no longer claimed)


class MdfFund(Base):
    __tablename__ = "mdf_fund"
    __table_args__ = (Index("ix_mdf_fund_portal_partner", "portal_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    # Bumped with every ledger entry; writers lock this row (PostgreSQL) before checking balance.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MdfLedgerEntry(Base):
    """Never updated or deleted: balances are sums over these rows."""

    __tablename__ = "mdf_ledger_entry"
    __table_args__ = (
        Index("ix_mdf_ledger_fund", "fund_id", "id"),
        Index("ix_mdf_ledger_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("mdf_fund.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("provider_order.id"))
    kind: Mapped[LedgerEntryKind] = mapped_column(Enum(LedgerEntryKind, native_enum=False, length=20))
    amount: Mapped[Decimal] = mapped_column(Money())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    memo: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
