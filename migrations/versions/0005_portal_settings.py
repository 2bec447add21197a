"""the portal settings a supplier administers

`portal.orders_page_label`, `deliverables_required`, `mdf_claims_required`,
`claim_deadline_days`, `service_approval_required` (the portal's `currency` is its default
currency).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("portal", sa.Column("orders_page_label", sa.String(100), server_default="My Orders", nullable=False))
    op.add_column("portal", sa.Column("deliverables_required", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("portal", sa.Column("mdf_claims_required", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("portal", sa.Column("claim_deadline_days", sa.Integer(), server_default="60", nullable=False))
    op.add_column(
        "portal", sa.Column("service_approval_required", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    for column in (
        "service_approval_required",
        "claim_deadline_days",
        "mdf_claims_required",
        "deliverables_required",
        "orders_page_label",
    ):
        op.drop_column("portal", column)
