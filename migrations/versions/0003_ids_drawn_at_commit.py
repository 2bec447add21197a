"""event and notification ids are drawn as their transaction commits (PostgreSQL)

Subscribers read "every event (notification) after id N", so ids must grow in commit order.
The app inserts both with a draft id (negative, from a sequence of their own that may wrap
around: `domain.unit_of_work.draft_id`); a deferred trigger replaces it inside the COMMIT, under a transaction-scoped advisory lock that is released once
the commit is visible. Before, the lock was taken by the event's INSERT and held over the
round trips that followed. A notification follows its event's new id (ON UPDATE CASCADE).
Rows inserted with a real id (a restore, say) are left as they are. SQLite serialises
writers, so there the ids drawn at insert are already in commit order.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FK = "fk_notification_event_id_order_event"
# The key the app took the lock with before this revision: during a rolling upgrade, old and new
# processes still commit their events one after the other.
LOCK_KEY = 7140221903

ID_AT_COMMIT = f"""
CREATE FUNCTION id_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    IF TG_TABLE_NAME = 'order_event' THEN
        UPDATE order_event SET id = nextval(pg_get_serial_sequence('order_event', 'id')) WHERE id = NEW.id;
    ELSE
        UPDATE notification SET id = nextval(pg_get_serial_sequence('notification', 'id')) WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END $$
"""


def _trigger(table: str) -> str:
    return (
        f"CREATE CONSTRAINT TRIGGER {table}_id_at_commit AFTER INSERT ON {table} "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.id < 0) EXECUTE FUNCTION id_at_commit()"
    )


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.create_foreign_key(FK, "order_event", ["event_id"], ["id"], onupdate="CASCADE")
    if op.get_bind().dialect.name == "postgresql":
        # Drafts need only be unique among the transactions in flight; the ids proper are not
        # spent on them.
        op.execute("CREATE SEQUENCE draft_id_seq AS integer CYCLE")
        op.execute(ID_AT_COMMIT)
        op.execute(_trigger("order_event"))
        op.execute(_trigger("notification"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER notification_id_at_commit ON notification")
        op.execute("DROP TRIGGER order_event_id_at_commit ON order_event")
        op.execute("DROP FUNCTION id_at_commit()")
        op.execute("DROP SEQUENCE draft_id_seq")
    with op.batch_alter_table("notification") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.create_foreign_key(FK, "order_event", ["event_id"], ["id"])
