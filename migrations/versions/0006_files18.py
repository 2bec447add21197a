"""attachments and MDF claims

`attachment` (files on orders, comments and quotes), `mdf_claim` and `mdf_claim_proof`.

Revision ID: 0006_files18
Revises: 0006_admin17
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0006_files18"
down_revision = "0006_admin17"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "BRIEF",
                "ASSET",
                "PROPOSAL",
                "DELIVERABLE",
                "PROOF",
                "OTHER",
                name="attachmentkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploader_organization_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name=op.f("fk_attachment_portal_id_portal")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["provider_order.id"], name=op.f("fk_attachment_order_id_provider_order"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comment.id"], name=op.f("fk_attachment_comment_id_comment"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quote.id"], name=op.f("fk_attachment_quote_id_quote"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["user_account.id"], name=op.f("fk_attachment_uploaded_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["uploader_organization_id"],
            ["organization.id"],
            name=op.f("fk_attachment_uploader_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_index("ix_attachment_order", "attachment", ["order_id", "id"])
    op.create_index("ix_attachment_comment", "attachment", ["comment_id"])
    op.create_index("ix_attachment_quote", "attachment", ["quote_id"])

    op.create_table(
        "mdf_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("SUBMITTED", "APPROVED", "REJECTED", name="claimstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("amount", models.base.Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name=op.f("fk_mdf_claim_portal_id_portal")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["provider_order.id"], name=op.f("fk_mdf_claim_order_id_provider_order"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["fund_id"], ["mdf_fund.id"], name=op.f("fk_mdf_claim_fund_id_mdf_fund")),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user_account.id"], name=op.f("fk_mdf_claim_submitted_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user_account.id"], name=op.f("fk_mdf_claim_decided_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mdf_claim")),
    )
    op.create_index("ix_mdf_claim_order", "mdf_claim", ["order_id", "id"])
    op.create_index("ix_mdf_claim_fund", "mdf_claim", ["fund_id", "status"])

    op.create_table(
        "mdf_claim_proof",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["mdf_claim.id"], name=op.f("fk_mdf_claim_proof_claim_id_mdf_claim"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["attachment_id"], ["attachment.id"], name=op.f("fk_mdf_claim_proof_attachment_id_attachment")
        ),
        sa.PrimaryKeyConstraint("claim_id", "attachment_id", name=op.f("pk_mdf_claim_proof")),
    )
    op.create_index(op.f("ix_mdf_claim_proof_attachment_id"), "mdf_claim_proof", ["attachment_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_mdf_claim_proof_attachment_id"), table_name="mdf_claim_proof")
    op.drop_table("mdf_claim_proof")
    op.drop_index("ix_mdf_claim_fund", table_name="mdf_claim")
    op.drop_index("ix_mdf_claim_order", table_name="mdf_claim")
    op.drop_table("mdf_claim")
    op.drop_index("ix_attachment_quote", table_name="attachment")
    op.drop_index("ix_attachment_comment", table_name="attachment")
    op.drop_index("ix_attachment_order", table_name="attachment")
    op.drop_table("attachment")
