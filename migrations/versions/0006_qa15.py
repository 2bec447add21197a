"""private question-and-answer threads of the quote phase

`comment.private_to_provider_id`: the invited provider whose thread with the partner a comment
belongs to (null: the whole order sees it); `order_invitation.comment_count`: the length of that
thread, so `commentCount` is counted per viewer without reading the comments.

Revision ID: 0006_qa15
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_qa15"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comment") as batch:
        batch.add_column(sa.Column("private_to_provider_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_comment_private_to_provider_id_organization", "organization", ["private_to_provider_id"], ["id"]
        )
    op.add_column("order_invitation", sa.Column("comment_count", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("order_invitation", "comment_count")
    with op.batch_alter_table("comment") as batch:
        batch.drop_constraint("fk_comment_private_to_provider_id_organization", type_="foreignkey")
        batch.drop_column("private_to_provider_id")
