"""MDF claims: the partner asks to be paid from an order's reservation, with proof of performance."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Money, UTCDateTime, utcnow


class ClaimStatus(enum.StrEnum):
    SUBMITTED = "SUBMITTED"  # waiting for the supplier
    APPROVED = "APPROVED"  # the amount was spent, the rest of the reservation released
    REJECTED = "REJECTED"  # the partner may file again until the portal's claim deadline


class MdfClaim(Base):
    __tablename__ = "mdf_claim"
    __table_args__ = (
        Index("ix_mdf_claim_order", "order_id", "id"),
        Index("ix_mdf_claim_fund", "fund_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("provider_order.id", ondelete="CASCADE"))
    fund_id: Mapped[int] = mapped_column(ForeignKey("mdf_fund.id"))
    status: Mapped[ClaimStatus] = mapped_column(Enum(ClaimStatus, native_enum=False, length=20))
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)


class MdfClaimProof(Base):
    """A PROOF attachment a claim points at (kept while the claim exists)."""

    __tablename__ = "mdf_claim_proof"

    claim_id: Mapped[int] = mapped_column(ForeignKey("mdf_claim.id", ondelete="CASCADE"), primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"), primary_key=True, index=True)
