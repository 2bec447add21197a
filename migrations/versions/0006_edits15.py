"""order edits that keep the status: `order_update` (the timeline entry of updateOrder,
updateEstimatedCompletion and a date given with acceptOrder)

Revision ID: 0006_edits15
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0006_edits15"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("previous_estimated_completion_on", sa.Date(), nullable=True),
        sa.Column("estimated_completion_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_order_update_actor_id_user_account")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["provider_order.id"],
            name=op.f("fk_order_update_order_id_provider_order"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_update")),
    )
    with op.batch_alter_table("order_update", schema=None) as batch_op:
        batch_op.create_index("ix_order_update_order_at", ["order_id", "at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_update", schema=None) as batch_op:
        batch_op.drop_index("ix_order_update_order_at")
    op.drop_table("order_update")
