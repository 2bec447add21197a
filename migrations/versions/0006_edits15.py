"""order edits that keep the status: `order_update` (the timeline entry of updateOrder,
updateEstimatedCompletion and a date given with acceptOrder); keyword search covers the
partner's name too (`order_search` rebuilt with it, on SQLite and PostgreSQL); an invited
provider's own `last_activity_at` and `version` of its quote request (`order_invitation`)

Revision ID: 0006_edits15
Revises: 0006_qa15
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0006_edits15"
down_revision = "0006_qa15"  # after main's 0006 (qa15): one head
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
    _order_search(with_partner=True)
    _invitation_activity()


def downgrade() -> None:
    with op.batch_alter_table("order_invitation", schema=None) as batch_op:
        batch_op.drop_index("ix_order_invitation_provider_activity")
        batch_op.drop_column("version")
        batch_op.drop_column("last_activity_at")
    _order_search(with_partner=False)
    with op.batch_alter_table("order_update", schema=None) as batch_op:
        batch_op.drop_index("ix_order_update_order_at")
    op.drop_table("order_update")


# Keyword search (see migration 0001 and domain/search.py): the order's name and description,
# its provider's (the assigned one, else the service's), its service's and, from this
# revision on, its partner's name. Every viewer who sees an order sees all four names, but a
# provider's search leaves the provider's name out: on a quote request it is the service's
# provider, maybe a rival (a provider never finds an order by a rival's name); the providers
# invited to quote are not indexed. Rebuilt in place: triggers and the document, then every row.


def _order_search(*, with_partner: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite(with_partner)
    else:
        _postgresql(with_partner)


def _sqlite(with_partner: bool) -> None:
    partner_column = ", partner_name" if with_partner else ""
    partner_value = ", pa.name" if with_partner else ""
    partner_join = "JOIN organization AS pa ON pa.id = o.partner_id" if with_partner else ""
    rows = f"""
        INSERT INTO order_search (rowid, name, description, provider_name, service_name{partner_column})
        SELECT o.id, o.name, coalesce(o.description, ''), coalesce(p.name, ''), s.name{partner_value}
        FROM provider_order AS o
        JOIN service AS s ON s.id = o.service_id
        LEFT JOIN organization AS p ON p.id = coalesce(o.provider_id, s.provider_id)
        {partner_join}"""
    op.execute("DROP TABLE order_search")  # its triggers live on the other tables
    for trigger in ("insert", "update", "delete", "service_renamed", "provider_renamed", "partner_renamed"):
        op.execute(f"DROP TRIGGER IF EXISTS order_search_{trigger}")
    op.execute(
        f"""CREATE VIRTUAL TABLE order_search USING fts5(
        name, description, provider_name, service_name{partner_column},
        tokenize = 'unicode61 remove_diacritics 2')"""
    )
    op.execute(
        f"CREATE TRIGGER order_search_insert AFTER INSERT ON provider_order BEGIN {rows} WHERE o.id = new.id; END"
    )
    op.execute(
        f"""CREATE TRIGGER order_search_update
        AFTER UPDATE OF name, description, provider_id, service_id, partner_id ON provider_order BEGIN
        DELETE FROM order_search WHERE rowid = old.id; {rows} WHERE o.id = new.id; END"""
    )
    op.execute(
        """CREATE TRIGGER order_search_delete AFTER DELETE ON provider_order BEGIN
        DELETE FROM order_search WHERE rowid = old.id; END"""
    )
    op.execute(
        """CREATE TRIGGER order_search_service_renamed AFTER UPDATE OF name ON service
        WHEN new.name IS NOT old.name BEGIN
        UPDATE order_search SET service_name = new.name
        WHERE rowid IN (SELECT id FROM provider_order WHERE service_id = new.id); END"""
    )
    op.execute(
        """CREATE TRIGGER order_search_provider_renamed AFTER UPDATE OF name ON organization
        WHEN new.name IS NOT old.name BEGIN
        UPDATE order_search SET provider_name = new.name
        WHERE rowid IN (SELECT id FROM provider_order WHERE provider_id = new.id)
           OR rowid IN (SELECT o.id FROM provider_order AS o JOIN service AS s ON s.id = o.service_id
                        WHERE o.provider_id IS NULL AND s.provider_id = new.id); END"""
    )
    if with_partner:
        op.execute(
            """CREATE TRIGGER order_search_partner_renamed AFTER UPDATE OF name ON organization
            WHEN new.name IS NOT old.name BEGIN
            UPDATE order_search SET partner_name = new.name
            WHERE rowid IN (SELECT id FROM provider_order WHERE partner_id = new.id); END"""
        )
    op.execute(rows)


def _postgresql(with_partner: bool) -> None:
    partner_join = "JOIN organization AS pa ON pa.id = o.partner_id" if with_partner else ""
    partner_match = " OR o.partner_id = NEW.id" if with_partner else ""
    # With the partner: the provider's name weighs B, the rest A, so that a query can leave the
    # provider's name out (`:*A`, domain/search.py).
    document = (
        "setweight(to_tsvector('simple', unaccent(concat_ws(' ', o.name, o.description, s.name, pa.name))), 'A')"
        " || setweight(to_tsvector('simple', unaccent(coalesce(p.name, ''))), 'B')"
        if with_partner
        else "to_tsvector('simple', unaccent(concat_ws(' ', o.name, o.description, p.name, s.name)))"
    )
    op.execute(
        f"""CREATE OR REPLACE FUNCTION order_search_document(target_id INTEGER) RETURNS TSVECTOR
        LANGUAGE sql STABLE AS $$
        SELECT {document}
        FROM provider_order AS o
        JOIN service AS s ON s.id = o.service_id
        LEFT JOIN organization AS p ON p.id = coalesce(o.provider_id, s.provider_id)
        {partner_join}
        WHERE o.id = target_id $$"""
    )
    op.execute(
        f"""CREATE OR REPLACE FUNCTION order_search_sync() RETURNS TRIGGER LANGUAGE plpgsql AS $$
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
                    WHERE coalesce(o.provider_id, s.provider_id) = NEW.id{partner_match});
            END IF;
            RETURN NULL;
        END $$"""
    )
    op.execute("DROP TRIGGER order_search_sync ON provider_order")
    partner_id = ", partner_id" if with_partner else ""
    op.execute(
        f"""CREATE TRIGGER order_search_sync
        AFTER INSERT OR UPDATE OF name, description, provider_id, service_id{partner_id} ON provider_order
        FOR EACH ROW EXECUTE FUNCTION order_search_sync()"""
    )
    op.execute("UPDATE order_search SET document = order_search_document(order_id)")


def _invitation_activity() -> None:
    """What each invited provider has seen of its quote request so far: the submission, its
    own quotes (each a version) and its decline."""
    with op.batch_alter_table("order_invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_activity_at", models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=True))
    latest = "max" if op.get_bind().dialect.name == "sqlite" else "greatest"  # NULLs: see coalesce
    op.execute(
        f"""UPDATE order_invitation SET
            version = 1 + (SELECT count(*) FROM quote AS q
                           WHERE q.order_id = order_invitation.order_id AND q.provider_id = order_invitation.provider_id)
                        + CASE WHEN declined_at IS NULL THEN 0 ELSE 1 END,
            last_activity_at = {latest}(
                invited_at,
                coalesce(declined_at, invited_at),
                coalesce((SELECT max(q.submitted_at) FROM quote AS q
                          WHERE q.order_id = order_invitation.order_id
                            AND q.provider_id = order_invitation.provider_id), invited_at))"""
    )
    with op.batch_alter_table("order_invitation", schema=None) as batch_op:
        batch_op.alter_column("last_activity_at", existing_type=models.base.UTCDateTime(timezone=True), nullable=False)
        batch_op.alter_column("version", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            "ix_order_invitation_provider_activity", ["provider_id", "last_activity_at", "order_id"], unique=False
        )
