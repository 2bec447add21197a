"""markNotificationsRead and updateNotificationPreferences."""

from __future__ import annotations

from strawberry.types import Info

from domain import inbox
from domain.ids import decode_id
from resolvers.mutations.base import run_mutation
from schema.notifications import (
    MarkNotificationsReadInput,
    MarkNotificationsReadPayload,
    UpdateNotificationPreferencesInput,
    UpdateNotificationPreferencesPayload,
)


async def resolve_mark_notifications_read(
    info: Info, input: MarkNotificationsReadInput
) -> MarkNotificationsReadPayload:
    async def act(session, viewer):
        ids = None
        if input.ids is not None:
            ids = [
                decode_id(value, "Notification", field=["input", "ids", str(i)]) for i, value in enumerate(input.ids)
            ]
        marked = await inbox.mark_read(session, viewer, ids, input.all)
        return marked, await inbox.unread_count(session, viewer)

    result, errors = await run_mutation(info, act)
    if result is None:
        return MarkNotificationsReadPayload(errors=errors)
    marked, unread = result
    return MarkNotificationsReadPayload(notifications=marked, unread_notification_count=unread)


async def resolve_update_notification_preferences(
    info: Info, input: UpdateNotificationPreferencesInput
) -> UpdateNotificationPreferencesPayload:
    async def act(session, viewer):
        changes = [inbox.Preference(p.kind, p.email) for p in input.preferences]
        return await inbox.update_preferences(session, viewer, changes)

    preferences, errors = await run_mutation(info, act)
    if preferences is None:
        return UpdateNotificationPreferencesPayload(errors=errors)
    return UpdateNotificationPreferencesPayload(preferences=preferences)
