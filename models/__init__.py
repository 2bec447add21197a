"""SQLAlchemy 2 typed ORM tables, a module per domain area.

Importing this package registers every table on `Base.metadata` (Alembic and the
models-versus-migrations test rely on that).
"""

from models.activity import Comment, Lead, LeadStatus
from models.attachment import Attachment, AttachmentKind
from models.audit import AuditEntry
from models.base import Base
from models.catalog import Campaign, CampaignActivity, PricingModel, Service
from models.claim import ClaimStatus, MdfClaim, MdfClaimProof
from models.events import OrderEvent, OrderEventKind
from models.mdf import LedgerEntryKind, MdfFund, MdfLedgerEntry
from models.notifications import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from models.order import (
    Order,
    OrderContact,
    OrderField,
    OrderInvitation,
    OrderOrigin,
    OrderRecipient,
    OrderStatus,
    OrderUpdate,
    PaymentMethod,
    StatusChange,
)
from models.portal import ActivityType, Organization, OrganizationKind, Portal, ProviderOffice, User, UserRole
from models.quote import Quote, QuoteLineItem, QuoteStatus

__all__ = [
    "ActivityType",
    "Attachment",
    "AttachmentKind",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignActivity",
    "ClaimStatus",
    "Comment",
    "DeliveryStatus",
    "Lead",
    "LeadStatus",
    "LedgerEntryKind",
    "MdfClaim",
    "MdfClaimProof",
    "MdfFund",
    "MdfLedgerEntry",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "Order",
    "OrderContact",
    "OrderEvent",
    "OrderEventKind",
    "OrderField",
    "OrderInvitation",
    "OrderOrigin",
    "OrderRecipient",
    "OrderStatus",
    "OrderUpdate",
    "Organization",
    "OrganizationKind",
    "PaymentMethod",
    "Portal",
    "PricingModel",
    "ProviderOffice",
    "Quote",
    "QuoteLineItem",
    "QuoteStatus",
    "Service",
    "StatusChange",
    "User",
    "UserRole",
]
