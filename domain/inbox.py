"""A user's own notifications: reading them, marking them read, e-mail preferences; and the
delivery failures channel managers need to see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode, invalid
from domain.viewer import Viewer
from models import DeliveryStatus, Notification, NotificationKind, NotificationPreference
from models.base import utcnow

MAX_IDS = 100


def own(viewer: Viewer) -> ColumnElement[bool]:
    """SQL filter: the viewer's in-app notifications."""
    return Notification.user_id == viewer.user_id


def delivery_failures_scope(viewer: Viewer) -> ColumnElement[bool]:
    """E-mails given up on, in the channel manager's portal."""
    if not viewer.is_supplier:
        raise DomainError(ErrorCode.FORBIDDEN, "only the portal's channel managers see delivery failures")
    return and_(Notification.portal_id == viewer.portal_id, Notification.email_status == DeliveryStatus.FAILED)


async def unread_count(session: AsyncSession, viewer: Viewer) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Notification).where(own(viewer), Notification.read_at.is_(None))
        )
        or 0
    )


async def mark_read(session: AsyncSession, viewer: Viewer, ids: list[int] | None, every: bool) -> list[Notification]:
    """Mark the given notifications (or all of the viewer's) read; returns those given.

    An id that is not the viewer's notification is NOT_FOUND and nothing is marked."""
    now = utcnow()
    if every:
        if ids:
            raise invalid("give either ids or all: true, not both", ["input", "all"])
        await session.execute(
            update(Notification)
            .where(own(viewer), Notification.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        return []
    if not ids:
        raise invalid("give the ids of the notifications to mark read, or all: true", ["input", "ids"])
    if len(ids) > MAX_IDS:
        raise invalid(f"at most {MAX_IDS} ids at once (got {len(ids)})", ["input", "ids"])
    rows = {
        row.id: row for row in await session.scalars(select(Notification).where(own(viewer), Notification.id.in_(ids)))
    }
    for i, pk in enumerate(ids):
        if pk not in rows:
            raise DomainError(ErrorCode.NOT_FOUND, "no such notification", ["input", "ids", str(i)])
    for row in rows.values():
        if row.read_at is None:
            row.read_at = now
    await session.flush()
    return [rows[pk] for pk in dict.fromkeys(ids)]


@dataclass(frozen=True)
class Preference:
    kind: NotificationKind
    email: bool


async def preferences(session: AsyncSession, viewer: Viewer) -> list[Preference]:
    """Every kind, e-mail on unless the user switched it off."""
    muted = set(
        await session.scalars(
            select(NotificationPreference.kind).where(
                NotificationPreference.user_id == viewer.user_id, NotificationPreference.email_enabled.is_(False)
            )
        )
    )
    return [Preference(kind, kind not in muted) for kind in NotificationKind]


async def update_preferences(session: AsyncSession, viewer: Viewer, changes: list[Preference]) -> list[Preference]:
    kinds = [c.kind for c in changes]
    if not changes:
        raise invalid("give at least one preference", ["input", "preferences"])
    if len(set(kinds)) != len(kinds):
        raise invalid("each kind at most once", ["input", "preferences"])
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for change in changes:
        # An upsert, so two concurrent updates of one preference cannot collide on the unique key.
        stmt = insert(NotificationPreference).values(
            user_id=viewer.user_id, kind=change.kind, email_enabled=change.email
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[NotificationPreference.user_id, NotificationPreference.kind],
                set_={"email_enabled": change.email},
            )
        )
    return await preferences(session, viewer)
