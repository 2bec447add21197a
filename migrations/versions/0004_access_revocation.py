"""organisations can be deactivated; a user's tokens can be revoked

`organization.is_active`: a deactivated organisation's users are refused. `user_account.
token_version`: every token carries the version it was minted with (claim `tv`, 0 when absent);
revoking a user's tokens bumps it, so every token minted before is refused.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (a batch copy of `organization` on SQLite would trip
    # the search triggers that name it).
    op.add_column("organization", sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("user_account", sa.Column("token_version", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("user_account", "token_version")  # SQLite 3.35 and later drop columns in place
    op.drop_column("organization", "is_active")
