"""quote line item quantities are whole units (API.md: `quantity: Int!`)

They were stored scaled by 1000 (three decimal places); now as plain integers, rounded half
up, never below 1. The column stays BIGINT.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Integer division on both databases; 1.5 becomes 2, anything below 1.5 becomes 1.
    op.execute(
        "UPDATE quote_line_item SET quantity = CASE WHEN quantity < 1500 THEN 1 ELSE (quantity + 500) / 1000 END"
    )


def downgrade() -> None:
    op.execute("UPDATE quote_line_item SET quantity = quantity * 1000")
