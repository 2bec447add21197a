"""Notifications in the app, e-mail preferences, and e-mail delivery failures (for suppliers)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

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
from schema.common import AFTER, ERRORS, FIRST, Connection, UserError, described_enum, user_errors
from schema.orders import Order
from schema.portal import User
from subscriptions.notifications import subscribe_notifications

NotificationKind = described_enum(
    models.NotificationKind,
    "What a notification is about; e-mail can be switched off per kind.",
    {
        "ORDER_SUBMITTED": "A partner placed an order (told to the supplier and the order's recipients).",
        "QUOTE_REQUESTED": "A provider was asked to quote on an order.",
        "STATUS_CHANGED": "An order changed status.",
        "QUOTE_RECEIVED": "A provider sent a quote (or a revision) on an order.",
        "COMMENT_ADDED": "Someone commented on an order.",
        "LEADS_ADDED": "The provider recorded leads on an order.",
        "QUOTE_DECLINED": "A provider asked to quote declined (told to the partner and supplier).",
        "QUOTE_WITHDRAWN": "A provider asked to quote withdrew its quote (told to the partner side).",
        "ORDER_UPDATED": (
            "An order was edited: its description, contacts or recipients (told to its parties; providers asked "
            "to quote only of the description), or its estimated completion date."
        ),
        "ATTACHMENTS_ADDED": "Files were attached to an order, one of its comments or quotes.",
        "CLAIM_UPDATED": "An MDF claim was filed, approved or rejected, or its deadline passed.",
    },
    name="NotificationKind",
)
EmailDeliveryStatus = described_enum(
    models.DeliveryStatus,
    "Where a notification's e-mail is.",
    {
        "PENDING": "Waiting to be sent (or to be tried again after a failure).",
        "SENDING": "Being sent now.",
        "SENT": "Accepted by the mail server.",
        "FAILED": "Given up: refused by the mail server, or failing too often (see `deliveryFailures`).",
        "SKIPPED": "No e-mail: switched off for this kind, e-mail is off, or merged into a digest.",
    },
    name="EmailDeliveryStatus",
)


@strawberry.type(description="Something that happened to an order you take part in.")
class Notification(relay.Node):
    id: relay.NodeID[int]
    kind: NotificationKind = strawberry.field(description="What it is about.")
    title: str = strawberry.field(description="One line saying what happened (also the e-mail's subject).")
    body: str = strawberry.field(description="A short summary in plain text (also the e-mail's).")
    created_at: datetime = strawberry.field(description="When it was made (UTC).")
    read_at: datetime | None = strawberry.field(description="When you marked it read (UTC); null while unread.")
    email_status: EmailDeliveryStatus = strawberry.field(description="Where its e-mail to you is.")

    @classmethod
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, models.Notification | Notification)

    @strawberry.field(description="Whether you marked it read (`markNotificationsRead`).")
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
    kind: NotificationKind = strawberry.field(description="The kind of notification.")
    email: bool = strawberry.field(description="Whether you get an e-mail for it.")


@strawberry.type(description="A notification e-mail given up on: refused by the mail server or failing too often.")
class DeliveryFailure:
    kind: NotificationKind = strawberry.field(description="What the notification was about.")
    attempts: int = strawberry.field(description="How many times sending was tried.")

    @strawberry.field(description="The e-mail address.")
    def recipient(self, root: strawberry.Parent[models.Notification]) -> str:
        return root.email or ""

    @strawberry.field(description="What the e-mail was about.")
    def subject(self, root: strawberry.Parent[models.Notification]) -> str:
        return root.title

    @strawberry.field(description="Why it failed, as the mail server said it.")
    def reason(self, root: strawberry.Parent[models.Notification]) -> str:
        return root.last_error or ""

    @strawberry.field(description="When it was given up on (UTC).")
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

    @strawberry.field(description="The order it was about; null if it is not yours to see.")
    async def order(self, root: strawberry.Parent[models.Notification], info: Info) -> Order | None:
        return await resolve.visible_order(info, root.order_id)


@strawberry.type
class ViewerNotifications:
    """Fields of `Viewer` about the viewer's notifications (mixed into schema.viewer.Viewer)."""

    @strawberry.field(description="Your notifications: unread first, then newest first.")
    async def notifications(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        unread_only: Annotated[bool, strawberry.argument(description="Only the unread ones.")] = False,
    ) -> Connection[Notification]:
        return await resolve.resolve_notifications(info, first, after, unread_only)

    @strawberry.field(description="How many of your notifications are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        return await resolve.resolve_unread_count(info)

    @strawberry.field(description="Your e-mail preferences, one per notification kind.")
    async def notification_preferences(self, info: Info) -> list[NotificationPreference]:
        return await resolve.resolve_preferences(info)


@strawberry.input(description="Which notifications to mark read: `ids`, or `all: true` (not both).")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Your notifications' global ids (`Notification.id`), at most 100."
    )
    all: bool = strawberry.field(default=False, description="Mark every notification of yours read.")


@strawberry.type(description="The notifications marked read (`markNotificationsRead`), or why it was refused.")
class MarkNotificationsReadPayload:
    notifications: list[Notification] = strawberry.field(
        default_factory=list, description="The notifications marked read (with `ids`; empty with `all`)."
    )
    unread_notification_count: int = strawberry.field(default=0, description="How many remain unread.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.input(description="Whether to get e-mail for one kind of notification.")
class NotificationPreferenceInput:
    kind: NotificationKind = strawberry.field(description="The kind of notification.")
    email: bool = strawberry.field(description="true: send me e-mail for it; false: in the app only.")


@strawberry.input(description="E-mail preferences to change (`updateNotificationPreferences`).")
class UpdateNotificationPreferencesInput:
    preferences: list[NotificationPreferenceInput] = strawberry.field(
        description="At least one, each kind at most once; kinds not listed keep their setting."
    )


@strawberry.type(description="Your e-mail preferences after the change, or why it was refused.")
class UpdateNotificationPreferencesPayload:
    preferences: list[NotificationPreference] = strawberry.field(
        default_factory=list, description="Every kind with its setting, after the change."
    )
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS)


@strawberry.type
class NotificationQueries:
    @strawberry.field(description="Notification e-mails given up on in your portal, newest first (suppliers only).")
    async def delivery_failures(
        self,
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        order_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only the e-mails about this order.")
        ] = None,
    ) -> Connection[DeliveryFailure]:
        return await resolve.resolve_delivery_failures(info, first, after, order_id)


@strawberry.type
class NotificationMutations:
    @strawberry.mutation(
        description=(
            "Mark some of your notifications (or all of them) read. Errors: VALIDATION (neither or both of "
            "`ids` and `all`, too many ids), NOT_FOUND (an id that is not one of your notifications)."
        )
    )
    async def mark_notifications_read(
        self,
        info: Info,
        input: Annotated[MarkNotificationsReadInput, strawberry.argument(description="Which to mark read.")],
    ) -> MarkNotificationsReadPayload:
        result, errors = await resolve_mark_notifications_read(info, input)
        if result is None:
            return MarkNotificationsReadPayload(errors=user_errors(errors))
        marked, unread = result
        return MarkNotificationsReadPayload(notifications=marked, unread_notification_count=unread)

    @strawberry.mutation(
        description=(
            "Switch notification e-mails on or off per kind. Errors: VALIDATION (no preference, or a kind twice)."
        )
    )
    async def update_notification_preferences(
        self,
        info: Info,
        input: Annotated[UpdateNotificationPreferencesInput, strawberry.argument(description="What to change.")],
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
