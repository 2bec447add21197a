"""administration: user roles, retiring and approving catalogue entries, orders needing
attention, and the admin audit log

Revision ID: 0006_admin17
Revises: 0006_edits15
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_admin17"
down_revision = "0006_edits15"  # after main's 0006s (qa15, edits15): one head
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("user_account", sa.Column("role", sa.String(20), server_default="MEMBER", nullable=False))
    op.add_column("activity_type", sa.Column("retired_at", UTC_DATETIME, nullable=True))
    op.add_column("service", sa.Column("approved", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("service", sa.Column("retired_at", UTC_DATETIME, nullable=True))
    op.add_column("campaign", sa.Column("retired_at", UTC_DATETIME, nullable=True))
    op.add_column("campaign_activity", sa.Column("retired_at", UTC_DATETIME, nullable=True))
    op.add_column(
        "provider_order", sa.Column("attention_needed", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "admin_audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("portal_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("subject_type", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(["portal_id"], ["portal.id"], name="fk_admin_audit_entry_portal_id_portal"),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name="fk_admin_audit_entry_actor_id_user_account"),
        sa.PrimaryKeyConstraint("id", name="pk_admin_audit_entry"),
    )
    op.create_index("ix_admin_audit_portal", "admin_audit_entry", ["portal_id", "id"])
    op.create_index("ix_admin_audit_subject", "admin_audit_entry", ["portal_id", "subject_type", "subject_id", "id"])
    op.create_index("ix_admin_audit_actor", "admin_audit_entry", ["portal_id", "actor_id", "id"])


def downgrade() -> None:
    op.drop_table("admin_audit_entry")
    op.drop_column("provider_order", "attention_needed")
    op.drop_column("campaign_activity", "retired_at")
    op.drop_column("campaign", "retired_at")
    op.drop_column("service", "retired_at")
    op.drop_column("service", "approved")
    op.drop_column("activity_type", "retired_at")
    op.drop_column("user_account", "role")
