"""Files attached to an order, one of its comments or one of its quotes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class AttachmentKind(enum.StrEnum):
    BRIEF = "BRIEF"
    ASSET = "ASSET"
    PROPOSAL = "PROPOSAL"
    DELIVERABLE = "DELIVERABLE"
    PROOF = "PROOF"
    OTHER = "OTHER"


class Attachment(Base):
    """The file's bytes live in the file storage under `storage_key`; the row says what it is.

    It hangs on the order itself, or on one comment or one quote of the order (never both),
    and is seen by whoever sees what it hangs on (domain.access.can_see_attachment)."""

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_order", "order_id", "id"),
        Index("ix_attachment_comment", "comment_id"),
        Index("ix_attachment_quote", "quote_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("provider_order.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id", ondelete="CASCADE"))
    kind: Mapped[AttachmentKind] = mapped_column(Enum(AttachmentKind, native_enum=False, length=20))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploader_organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
