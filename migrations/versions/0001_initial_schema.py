"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("marketplace_enabled", sa.Boolean(), nullable=False),
        sa.Column("provider_locator_enabled", sa.Boolean(), nullable=False),
        sa.Column("mdf_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal")),
    )
    op.create_table(
        "activity_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name=op.f("fk_activity_type_portal_id_portal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_type")),
        sa.UniqueConstraint("portal_id", "name", name=op.f("uq_activity_type_portal_id")),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name=op.f("fk_campaign_portal_id_portal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_portal_id"), ["portal_id"], unique=False)

    op.create_table(
        "organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("SUPPLIER", "PARTNER", "PROVIDER", name="organizationkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name=op.f("fk_organization_portal_id_portal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
    )
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.create_index("ix_organization_portal_kind_name", ["portal_id", "kind", "name"], unique=False)

    op.create_table(
        "mdf_fund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["organization.id"], name=op.f("fk_mdf_fund_partner_id_organization")),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name=op.f("fk_mdf_fund_portal_id_portal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_fund")),
    )
    with op.batch_alter_table("mdf_fund", schema=None) as batch_op:
        batch_op.create_index("ix_mdf_fund_portal_partner", ["portal_id", "partner_id"], unique=False)

    op.create_table(
        "provider_office",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["organization.id"], name=op.f("fk_provider_office_provider_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_office")),
    )
    with op.batch_alter_table("provider_office", schema=None) as batch_op:
        batch_op.create_index("ix_provider_office_lat_lon", ["latitude", "longitude"], unique=False)
        batch_op.create_index(batch_op.f("ix_provider_office_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("activity_type_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=True),
        sa.Column(
            "pricing_model",
            sa.Enum("FIXED_PRICE", "QUOTE", name="pricingmodel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("price", models.base.ScaledDecimal(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_type_id"], ["activity_type.id"], name=op.f("fk_service_activity_type_id_activity_type")
        ),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name=op.f("fk_service_portal_id_portal")),
        sa.ForeignKeyConstraint(["provider_id"], ["organization.id"], name=op.f("fk_service_provider_id_organization")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service")),
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.create_index("ix_service_activity_type", ["activity_type_id"], unique=False)
        batch_op.create_index("ix_service_portal_name", ["portal_id", "name"], unique=False)
        batch_op.create_index("ix_service_provider", ["provider_id"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_user_account_organization_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_account_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "campaign_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaign_activity_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_campaign_activity_service_id_service")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_activity")),
    )
    with op.batch_alter_table("campaign_activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_activity_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_activity_service_id"), ["service_id"], unique=False)

    op.create_table(
        "notification_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ORDER_SUBMITTED",
                "QUOTE_REQUESTED",
                "STATUS_CHANGED",
                "QUOTE_RECEIVED",
                "COMMENT_ADDED",
                "LEADS_ADDED",
                name="notificationkind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("email_enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_notification_preference_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preference")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_notification_preference_user_id")),
    )
    op.create_table(
        "provider_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("activity_type_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("campaign_activity_id", sa.Integer(), nullable=True),
        sa.Column("accepted_quote_id", sa.Integer(), nullable=True),
        sa.Column("mdf_fund_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING_QUOTES",
                "PENDING_APPROVAL",
                "APPROVED",
                "DENIED",
                "NOT_STARTED",
                "IN_PROGRESS",
                "WAITING_FOR_PARTNER",
                "SCHEDULED",
                "EXECUTING",
                "COMPLETED",
                "CANCELLED",
                "ARCHIVED",
                name="orderstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "origin",
            sa.Enum(
                "CAMPAIGN_ACTIVITY", "MARKETPLACE", "PROVIDER_LOCATOR", name="orderorigin", native_enum=False, length=30
            ),
            nullable=False,
        ),
        sa.Column(
            "payment_method",
            sa.Enum("MDF", "PARTNER_FUNDED", name="paymentmethod", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("rate", models.base.ScaledDecimal(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("submitted_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("approved_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("estimated_completion_on", sa.Date(), nullable=True),
        sa.Column("scheduled_for", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("lead_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_type_id"], ["activity_type.id"], name=op.f("fk_provider_order_activity_type_id_activity_type")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_activity_id"],
            ["campaign_activity.id"],
            name=op.f("fk_provider_order_campaign_activity_id_campaign_activity"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_provider_order_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["mdf_fund_id"], ["mdf_fund.id"], name=op.f("fk_provider_order_mdf_fund_id_mdf_fund")),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["organization.id"], name=op.f("fk_provider_order_partner_id_organization")
        ),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name=op.f("fk_provider_order_portal_id_portal")),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["organization.id"], name=op.f("fk_provider_order_provider_id_organization")
        ),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_provider_order_service_id_service")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_order")),
    )
    with op.batch_alter_table("provider_order", schema=None) as batch_op:
        batch_op.create_index("ix_order_partner_activity", ["partner_id", "last_activity_at", "id"], unique=False)
        batch_op.create_index(
            "ix_order_partner_completion", ["partner_id", "estimated_completion_on", "id"], unique=False
        )
        batch_op.create_index("ix_order_partner_submitted", ["partner_id", "submitted_at", "id"], unique=False)
        batch_op.create_index("ix_order_portal_activity", ["portal_id", "last_activity_at", "id"], unique=False)
        batch_op.create_index(
            "ix_order_portal_completion", ["portal_id", "estimated_completion_on", "id"], unique=False
        )
        batch_op.create_index("ix_order_portal_status", ["portal_id", "status"], unique=False)
        batch_op.create_index("ix_order_portal_submitted", ["portal_id", "submitted_at", "id"], unique=False)
        batch_op.create_index("ix_order_provider_activity", ["provider_id", "last_activity_at", "id"], unique=False)
        batch_op.create_index(
            "ix_order_provider_completion", ["provider_id", "estimated_completion_on", "id"], unique=False
        )
        batch_op.create_index("ix_order_provider_submitted", ["provider_id", "submitted_at", "id"], unique=False)
        batch_op.create_index("ix_order_service", ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_provider_order_activity_type_id"), ["activity_type_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_provider_order_mdf_fund_id"), ["mdf_fund_id"], unique=False)

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], name=op.f("fk_comment_author_id_user_account")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["provider_order.id"], name=op.f("fk_comment_order_id_provider_order"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index("ix_comment_order_created", ["order_id", "created_at", "id"], unique=False)

    op.create_table(
        "lead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "NEW",
                "CONTACTED",
                "QUALIFIED",
                "DISQUALIFIED",
                "CONVERTED",
                name="leadstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_lead_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["provider_order.id"], name=op.f("fk_lead_order_id_provider_order"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead")),
    )
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index("ix_lead_order_created", ["order_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_lead_order_email", ["order_id", "email"], unique=False)

    op.create_table(
        "mdf_ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum("ALLOCATE", "RESERVE", "RELEASE", "SPEND", name="ledgerentrykind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("amount", models.base.ScaledDecimal(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("memo", sa.String(length=500), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_mdf_ledger_entry_actor_id_user_account")
        ),
        sa.ForeignKeyConstraint(["fund_id"], ["mdf_fund.id"], name=op.f("fk_mdf_ledger_entry_fund_id_mdf_fund")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["provider_order.id"], name=op.f("fk_mdf_ledger_entry_order_id_provider_order")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_ledger_entry")),
    )
    with op.batch_alter_table("mdf_ledger_entry", schema=None) as batch_op:
        batch_op.create_index("ix_mdf_ledger_fund", ["fund_id", "id"], unique=False)
        batch_op.create_index("ix_mdf_ledger_order", ["order_id"], unique=False)

    op.create_table(
        "order_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("role", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["provider_order.id"],
            name=op.f("fk_order_contact_order_id_provider_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_contact")),
    )
    with op.batch_alter_table("order_contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_contact_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "STATUS_CHANGED",
                "COMMENT_ADDED",
                "QUOTE_SUBMITTED",
                "LEADS_ADDED",
                name="ordereventkind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_order_event_actor_id_user_account")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["provider_order.id"], name=op.f("fk_order_event_order_id_provider_order"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name=op.f("fk_order_event_portal_id_portal")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_event")),
    )
    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.create_index("ix_order_event_order", ["order_id", "id"], unique=False)
        batch_op.create_index("ix_order_event_portal", ["portal_id", "id"], unique=False)

    op.create_table(
        "order_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("invited_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("declined_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["provider_order.id"],
            name=op.f("fk_order_invitation_order_id_provider_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["organization.id"], name=op.f("fk_order_invitation_provider_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_invitation")),
        sa.UniqueConstraint("order_id", "provider_id", name=op.f("uq_order_invitation_order_id")),
    )
    with op.batch_alter_table("order_invitation", schema=None) as batch_op:
        batch_op.create_index("ix_order_invitation_provider", ["provider_id", "order_id"], unique=False)

    op.create_table(
        "order_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["provider_order.id"],
            name=op.f("fk_order_recipient_order_id_provider_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_order_recipient_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_recipient")),
        sa.UniqueConstraint("order_id", "email", name=op.f("uq_order_recipient_order_id")),
    )
    with op.batch_alter_table("order_recipient", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_recipient_order_id"), ["order_id"], unique=False)

    op.create_table(
        "quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "SUBMITTED",
                "SUPERSEDED",
                "ACCEPTED",
                "REJECTED",
                "EXPIRED",
                name="quotestatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("total", models.base.ScaledDecimal(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("estimated_completion_on", sa.Date(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("submitted_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["provider_order.id"], name=op.f("fk_quote_order_id_provider_order"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["provider_id"], ["organization.id"], name=op.f("fk_quote_provider_id_organization")),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user_account.id"], name=op.f("fk_quote_submitted_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote")),
    )
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.create_index("ix_quote_order_submitted", ["order_id", "submitted_at", "id"], unique=False)
        batch_op.create_index("ix_quote_provider", ["provider_id", "status"], unique=False)
        batch_op.create_index("ix_quote_status_expires", ["status", "expires_at"], unique=False)

    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "PENDING_QUOTES",
                "PENDING_APPROVAL",
                "APPROVED",
                "DENIED",
                "NOT_STARTED",
                "IN_PROGRESS",
                "WAITING_FOR_PARTNER",
                "SCHEDULED",
                "EXECUTING",
                "COMPLETED",
                "CANCELLED",
                "ARCHIVED",
                name="orderstatus",
                native_enum=False,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "PENDING_QUOTES",
                "PENDING_APPROVAL",
                "APPROVED",
                "DENIED",
                "NOT_STARTED",
                "IN_PROGRESS",
                "WAITING_FOR_PARTNER",
                "SCHEDULED",
                "EXECUTING",
                "COMPLETED",
                "CANCELLED",
                "ARCHIVED",
                name="orderstatus",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_status_change_actor_id_user_account")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["provider_order.id"],
            name=op.f("fk_status_change_order_id_provider_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_change")),
    )
    with op.batch_alter_table("status_change", schema=None) as batch_op:
        batch_op.create_index("ix_status_change_order_at", ["order_id", "at", "id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "ORDER_SUBMITTED",
                "QUOTE_REQUESTED",
                "STATUS_CHANGED",
                "QUOTE_RECEIVED",
                "COMMENT_ADDED",
                "LEADS_ADDED",
                name="notificationkind",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "email_status",
            sa.Enum(
                "PENDING", "SENDING", "SENT", "FAILED", "SKIPPED", name="deliverystatus", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_until", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_notification_actor_id_user_account")),
        sa.ForeignKeyConstraint(["event_id"], ["order_event.id"], name=op.f("fk_notification_event_id_order_event")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["provider_order.id"],
            name=op.f("fk_notification_order_id_provider_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name=op.f("fk_notification_portal_id_portal")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_notification_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_delivery", ["email_status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_notification_order", ["order_id"], unique=False)
        batch_op.create_index("ix_notification_user_read", ["user_id", "read_at", "id"], unique=False)

    op.create_table(
        "quote_line_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity", models.base.ScaledDecimal(), nullable=False),
        sa.Column("unit_price", models.base.ScaledDecimal(), nullable=False),
        sa.Column("amount", models.base.ScaledDecimal(), nullable=False),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quote.id"], name=op.f("fk_quote_line_item_quote_id_quote"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_line_item")),
    )
    with op.batch_alter_table("quote_line_item", schema=None) as batch_op:
        batch_op.create_index("ix_quote_line_item_quote", ["quote_id", "position"], unique=False)

    create_order_search()


def downgrade() -> None:
    drop_order_search()
    with op.batch_alter_table("quote_line_item", schema=None) as batch_op:
        batch_op.drop_index("ix_quote_line_item_quote")

    op.drop_table("quote_line_item")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_read")
        batch_op.drop_index("ix_notification_order")
        batch_op.drop_index("ix_notification_delivery")

    op.drop_table("notification")
    with op.batch_alter_table("status_change", schema=None) as batch_op:
        batch_op.drop_index("ix_status_change_order_at")

    op.drop_table("status_change")
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_index("ix_quote_status_expires")
        batch_op.drop_index("ix_quote_provider")
        batch_op.drop_index("ix_quote_order_submitted")

    op.drop_table("quote")
    with op.batch_alter_table("order_recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_recipient_order_id"))

    op.drop_table("order_recipient")
    with op.batch_alter_table("order_invitation", schema=None) as batch_op:
        batch_op.drop_index("ix_order_invitation_provider")

    op.drop_table("order_invitation")
    with op.batch_alter_table("order_event", schema=None) as batch_op:
        batch_op.drop_index("ix_order_event_portal")
        batch_op.drop_index("ix_order_event_order")

    op.drop_table("order_event")
    with op.batch_alter_table("order_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_contact_order_id"))

    op.drop_table("order_contact")
    with op.batch_alter_table("mdf_ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_mdf_ledger_order")
        batch_op.drop_index("ix_mdf_ledger_fund")

    op.drop_table("mdf_ledger_entry")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_order_email")
        batch_op.drop_index("ix_lead_order_created")

    op.drop_table("lead")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_order_created")

    op.drop_table("comment")
    with op.batch_alter_table("provider_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_order_mdf_fund_id"))
        batch_op.drop_index(batch_op.f("ix_provider_order_activity_type_id"))
        batch_op.drop_index("ix_order_service")
        batch_op.drop_index("ix_order_provider_submitted")
        batch_op.drop_index("ix_order_provider_completion")
        batch_op.drop_index("ix_order_provider_activity")
        batch_op.drop_index("ix_order_portal_submitted")
        batch_op.drop_index("ix_order_portal_status")
        batch_op.drop_index("ix_order_portal_completion")
        batch_op.drop_index("ix_order_portal_activity")
        batch_op.drop_index("ix_order_partner_submitted")
        batch_op.drop_index("ix_order_partner_completion")
        batch_op.drop_index("ix_order_partner_activity")

    op.drop_table("provider_order")
    op.drop_table("notification_preference")
    with op.batch_alter_table("campaign_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_activity_service_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_activity_campaign_id"))

    op.drop_table("campaign_activity")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_organization_id"))

    op.drop_table("user_account")
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_index("ix_service_provider")
        batch_op.drop_index("ix_service_portal_name")
        batch_op.drop_index("ix_service_activity_type")

    op.drop_table("service")
    with op.batch_alter_table("provider_office", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_office_provider_id"))
        batch_op.drop_index("ix_provider_office_lat_lon")

    op.drop_table("provider_office")
    with op.batch_alter_table("mdf_fund", schema=None) as batch_op:
        batch_op.drop_index("ix_mdf_fund_portal_partner")

    op.drop_table("mdf_fund")
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_index("ix_organization_portal_kind_name")

    op.drop_table("organization")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_portal_id"))

    op.drop_table("campaign")
    op.drop_table("activity_type")
    op.drop_table("portal")


# Keyword search over orders (name, description, provider and service names), kept in step
# with the rows by triggers, so every write path updates it in its own transaction. Not in
# the models: tests/test_schema_and_migrations.py ignores objects named `order_search*`.
# The provider is the assigned one, else the service's (a quote order before acceptance).

SQLITE_ORDER_SEARCH_ROW = """
    INSERT INTO order_search (rowid, name, description, provider_name, service_name)
    SELECT o.id, o.name, coalesce(o.description, ''), coalesce(p.name, ''), s.name
    FROM provider_order AS o
    JOIN service AS s ON s.id = o.service_id
    LEFT JOIN organization AS p ON p.id = coalesce(o.provider_id, s.provider_id)
    WHERE o.id = new.id;
"""

SQLITE_ORDER_SEARCH = [
    # A plain FTS5 table (it keeps its own copy of the text): SQLite 3.40 has no
    # contentless-delete, and external content would need the joined names stored on the order.
    """CREATE VIRTUAL TABLE order_search USING fts5(
        name, description, provider_name, service_name, tokenize = 'unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER order_search_insert AFTER INSERT ON provider_order BEGIN
        {SQLITE_ORDER_SEARCH_ROW} END""",
    f"""CREATE TRIGGER order_search_update
        AFTER UPDATE OF name, description, provider_id, service_id ON provider_order BEGIN
        DELETE FROM order_search WHERE rowid = old.id; {SQLITE_ORDER_SEARCH_ROW} END""",
    """CREATE TRIGGER order_search_delete AFTER DELETE ON provider_order BEGIN
        DELETE FROM order_search WHERE rowid = old.id; END""",
    """CREATE TRIGGER order_search_service_renamed AFTER UPDATE OF name ON service
        WHEN new.name IS NOT old.name BEGIN
        UPDATE order_search SET service_name = new.name
        WHERE rowid IN (SELECT id FROM provider_order WHERE service_id = new.id); END""",
    """CREATE TRIGGER order_search_provider_renamed AFTER UPDATE OF name ON organization
        WHEN new.name IS NOT old.name BEGIN
        UPDATE order_search SET provider_name = new.name
        WHERE rowid IN (SELECT id FROM provider_order WHERE provider_id = new.id)
           OR rowid IN (SELECT o.id FROM provider_order AS o JOIN service AS s ON s.id = o.service_id
                        WHERE o.provider_id IS NULL AND s.provider_id = new.id); END""",
]

POSTGRESQL_ORDER_SEARCH = [
    # Accents folded on both sides ("cafe" finds "Café"), as SQLite's tokenizer does.
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """CREATE TABLE order_search (
        order_id INTEGER PRIMARY KEY REFERENCES provider_order (id) ON DELETE CASCADE,
        document TSVECTOR NOT NULL)""",
    "CREATE INDEX order_search_document ON order_search USING gin (document)",
    # 'simple': no stemming, so a prefix query ('optim:*') finds what the user typed the start of.
    """CREATE FUNCTION order_search_document(target_id INTEGER) RETURNS TSVECTOR
        LANGUAGE sql STABLE AS $$
        SELECT to_tsvector('simple', unaccent(concat_ws(' ', o.name, o.description, p.name, s.name)))
        FROM provider_order AS o
        JOIN service AS s ON s.id = o.service_id
        LEFT JOIN organization AS p ON p.id = coalesce(o.provider_id, s.provider_id)
        WHERE o.id = target_id $$""",
    """CREATE FUNCTION order_search_sync() RETURNS TRIGGER LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'provider_order' THEN
                INSERT INTO order_search (order_id, document)
                VALUES (NEW.id, order_search_document(NEW.id))
                ON CONFLICT (order_id) DO UPDATE SET document = EXCLUDED.document;
            ELSIF TG_TABLE_NAME = 'service' THEN
                UPDATE order_search SET document = order_search_document(order_search.order_id)
                WHERE order_id IN (SELECT id FROM provider_order WHERE service_id = NEW.id);
            ELSE
                UPDATE order_search SET document = order_search_document(order_search.order_id)
                WHERE order_id IN (
                    SELECT o.id FROM provider_order AS o JOIN service AS s ON s.id = o.service_id
                    WHERE coalesce(o.provider_id, s.provider_id) = NEW.id);
            END IF;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER order_search_sync
        AFTER INSERT OR UPDATE OF name, description, provider_id, service_id ON provider_order
        FOR EACH ROW EXECUTE FUNCTION order_search_sync()""",
    """CREATE TRIGGER order_search_service_renamed AFTER UPDATE OF name ON service
        FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name) EXECUTE FUNCTION order_search_sync()""",
    """CREATE TRIGGER order_search_provider_renamed AFTER UPDATE OF name ON organization
        FOR EACH ROW WHEN (NEW.name IS DISTINCT FROM OLD.name) EXECUTE FUNCTION order_search_sync()""",
]


def create_order_search() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_ORDER_SEARCH if dialect == "sqlite" else POSTGRESQL_ORDER_SEARCH:
        op.execute(statement)


def drop_order_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS order_search")  # its triggers live on the other tables
        for trigger in ("insert", "update", "delete", "service_renamed", "provider_renamed"):
            op.execute(f"DROP TRIGGER IF EXISTS order_search_{trigger}")
        return
    op.execute("DROP TRIGGER IF EXISTS order_search_service_renamed ON service")
    op.execute("DROP TRIGGER IF EXISTS order_search_provider_renamed ON organization")
    op.execute("DROP TABLE IF EXISTS order_search")
    op.execute("DROP TRIGGER IF EXISTS order_search_sync ON provider_order")
    op.execute("DROP FUNCTION IF EXISTS order_search_sync()")
    op.execute("DROP FUNCTION IF EXISTS order_search_document(INTEGER)")
