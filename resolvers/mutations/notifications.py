"""markNotificationsRead and updateNotificationPreferences."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain import inbox
from domain.errors import DomainError
from domain.ids import decode_id
from models import Notification
from resolvers.mutations.runner import run_mutation


async def resolve_mark_notifications_read(
    info: Info, input: Any
) -> tuple[tuple[list[Notification], int] | None, list[DomainError]]:
    """(the notifications marked, the viewer's unread count after)."""

    async def act(uow, viewer):
        ids = None
        if input.ids is not None:
            ids = [
                decode_id(value, "Notification", field=["input", "ids", str(i)]) for i, value in enumerate(input.ids)
            ]
        marked = await inbox.mark_read(uow.session, viewer, ids, input.all)
        return marked, await inbox.unread_count(uow.session, viewer)

    return await run_mutation(info, act)


async def resolve_update_notification_preferences(
    info: Info, input: Any
) -> tuple[list[inbox.Preference] | None, list[DomainError]]:
    async def act(uow, viewer):
        changes = [inbox.Preference(p.kind, p.email) for p in input.preferences]
        return await inbox.update_preferences(uow.session, viewer, changes)

    return await run_mutation(info, act)
