"""The admin audit log: every administrative change, who made it, when, the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """Never updated or deleted. `subject_type`/`subject_id` name the object changed (a GraphQL
    type name and its row id); `before`/`after` hold the fields that changed (null on creation)."""

    __tablename__ = "admin_audit_entry"
    __table_args__ = (
        Index("ix_admin_audit_portal", "portal_id", "id"),
        Index("ix_admin_audit_subject", "portal_id", "subject_type", "subject_id", "id"),
        Index("ix_admin_audit_actor", "portal_id", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    portal_id: Mapped[int] = mapped_column(ForeignKey("portal.id"))
    # Null for changes made outside the API (the create-portal command).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
