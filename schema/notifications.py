"""Notifications in the app, e-mail preferences, and e-mail delivery failures (for suppliers)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from domain.ids import to_global_id
from resolvers import notifications as resolve
from resolvers.mutations.notifications import (
    resolve_mark_notifications_read,
    resolve_update_notification_preferences,
)
from schema.common import Connection, UserError, user_errors
from schema.orders import Order
from schema.portal import User
from subscriptions.notifications import subscribe_notifications

NotificationKind = strawberry.enum(
    models.NotificationKind,
    name="NotificationKind",
    description="What a notification is about; e-mail can be switched off per kind.",
)
EmailDeliveryStatus = strawberry.enum(
    models.DeliveryStatus,
    name="EmailDeliveryStatus",
    description="PENDING and SENDING: on its way; SKIPPED: no e-mail (switched off, or e-mail is off).",
)


@strawberry.type(description="Something that happened to an order you take part in.")
class Notification(relay.Node):
    id: relay.NodeID[int]
    kind: NotificationKind
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None
    email_status: EmailDeliveryStatus

    @classmethod
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, models.Notification | Notification)

    @strawberry.field
    def read(self, root: strawberry.Parent[models.Notification]) -> bool:
        return root.read_at is not None

    @strawberry.field(description="The order; null once it is no longer yours to see.")
    async def order(self, root: strawberry.Parent[models.Notification], info: Info) -> Order | None:
        return await resolve.visible_order(info, root.order_id)

    @strawberry.field(description="Who did it; null for the portal itself.")
    async def actor(self, root: strawberry.Parent[models.Notification], info: Info) -> User | None:
        return await resolve.visible_user(info, root.actor_id)


@strawberry.type(description="Whether you get e-mail for one kind of notification (in-app ones always appear).")
class NotificationPreference:
    kind: NotificationKind
    email: bool


@strawberry.type(description="A notification e-mail given up on: refused by the mail server or failing too often.")
class DeliveryFailure:
    kind: NotificationKind
    attempts: int

    @strawberry.field(description="The e-mail address.")
    def recipient(self, root: strawberry.Parent[models.Notification]) -> str:
        return root.email or ""

    @strawberry.field(description="What the e-mail was about.")
    def subject(self, root: strawberry.Parent[models.Notification]) -> str:
        return root.title

    @strawberry.field(description="Why it failed, as the mail server said it.")
    def reason(self, root: strawberry.Parent[models.Notification]) -> str:
        return root.last_error or ""

    @strawberry.field
    def failed_at(self, root: strawberry.Parent[models.Notification]) -> datetime | None:
        return root.next_attempt_at

    @classmethod
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, models.Notification | DeliveryFailure)

    @strawberry.field(description="Opaque id of this failure (the notification's).")
    def id(self, root: strawberry.Parent[models.Notification]) -> strawberry.ID:
        return strawberry.ID(to_global_id("DeliveryFailure", root.id))

    @strawberry.field(description="The portal user the e-mail was for; null for a bare address.")
    async def user(self, root: strawberry.Parent[models.Notification], info: Info) -> User | None:
        return await resolve.visible_user(info, root.user_id)

    @strawberry.field
    async def order(self, root: strawberry.Parent[models.Notification], info: Info) -> Order | None:
        return await resolve.visible_order(info, root.order_id)


@strawberry.type
class ViewerNotifications:
    """Fields of `Viewer` about the viewer's notifications (mixed into schema.viewer.Viewer)."""

    @strawberry.field(description="Your notifications: unread first, then newest first.")
    async def notifications(
        self, info: Info, first: int | None = None, after: str | None = None, unread_only: bool = False
    ) -> Connection[Notification]:
        return await resolve.resolve_notifications(info, first, after, unread_only)

    @strawberry.field
    async def unread_notification_count(self, info: Info) -> int:
        return await resolve.resolve_unread_count(info)

    @strawberry.field(description="Your e-mail preferences, one per notification kind.")
    async def notification_preferences(self, info: Info) -> list[NotificationPreference]:
        return await resolve.resolve_preferences(info)


@strawberry.input
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(default=None, description="At most 100.")
    all: bool = strawberry.field(default=False, description="Mark every notification of yours read.")


@strawberry.type
class MarkNotificationsReadPayload:
    notifications: list[Notification] = strawberry.field(default_factory=list)
    unread_notification_count: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class NotificationPreferenceInput:
    kind: NotificationKind
    email: bool


@strawberry.input
class UpdateNotificationPreferencesInput:
    preferences: list[NotificationPreferenceInput]


@strawberry.type
class UpdateNotificationPreferencesPayload:
    preferences: list[NotificationPreference] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="Notification e-mails given up on in your portal, newest first (suppliers only).")
    async def delivery_failures(
        self, info: Info, first: int | None = None, after: str | None = None, order_id: strawberry.ID | None = None
    ) -> Connection[DeliveryFailure]:
        return await resolve.resolve_delivery_failures(info, first, after, order_id)


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(description="Mark some of your notifications (or all of them) read.")
    async def mark_notifications_read(
        self, info: Info, input: MarkNotificationsReadInput
    ) -> MarkNotificationsReadPayload:
        result, errors = await resolve_mark_notifications_read(info, input)
        if result is None:
            return MarkNotificationsReadPayload(errors=user_errors(errors))
        marked, unread = result
        return MarkNotificationsReadPayload(notifications=marked, unread_notification_count=unread)

    @strawberry.mutation(description="Switch notification e-mails on or off per kind.")
    async def update_notification_preferences(
        self, info: Info, input: UpdateNotificationPreferencesInput
    ) -> UpdateNotificationPreferencesPayload:
        preferences, errors = await resolve_update_notification_preferences(info, input)
        if preferences is None:
            return UpdateNotificationPreferencesPayload(errors=user_errors(errors))
        return UpdateNotificationPreferencesPayload(preferences=preferences)


@strawberry.type
class NotificationSubscriptions:
    @strawberry.subscription(
        description="Your new notifications as they are made (the ones made while you were away are in "
        "`viewer.notifications`)."
    )
    async def notification_added(self, info: Info) -> AsyncGenerator[Notification, None]:
        return await subscribe_notifications(info)
