"""Notifications for order events: who is told, in the app and by e-mail.

`on_event` runs inside the transaction of the change, so what it writes (in-app
notifications, which double as the e-mail outbox) commits or rolls back with it: a refused
mutation notifies nobody, a committed one is never forgotten. The delivery worker
(`app.delivery`) sends the outbox later.

Who is told (DOMAIN.md): the partner's users, the provider once it may see the order (the
assigned provider from APPROVED on; an invited provider only for its quote request: the
invitation and the request's end), the supplier's channel managers for submissions that need
their approval and for status changes, and the order's notification recipients (users or
bare addresses). Never the actor themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.ids import to_global_id
from domain.recipients import may_receive
from domain.unit_of_work import UnitOfWork
from models import (
    Attachment,
    Comment,
    DeliveryStatus,
    Lead,
    MdfClaim,
    Notification,
    NotificationKind,
    NotificationPreference,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderField,
    OrderInvitation,
    OrderRecipient,
    OrderStatus,
    OrderUpdate,
    Organization,
    OrganizationKind,
    Portal,
    Quote,
    Service,
    StatusChange,
    User,
)
from models.base import utcnow

COMMENT_EXCERPT = 2000  # characters of a comment kept in the notification

# Recipient roles, which also pick the wording.
PARTNER, SUPPLIER, PROVIDER, INVITED, RECIPIENT = "partner", "supplier", "provider", "invited", "recipient"


def notification_message(rows: list[Notification]) -> dict | None:
    """What goes on the bus after commit (`notificationAdded`): whose notifications to re-read.
    The event feed skips it: the transaction's events rang their own doorbell."""
    users = sorted({row.user_id for row in rows if row.user_id is not None})
    if not users:
        return None
    return {"type": NOTIFICATIONS_MESSAGE, "users": users}


NOTIFICATIONS_MESSAGE = "notifications"


@dataclass
class Recipient:
    role: str
    email: str
    name: str | None = None
    user_id: int | None = None


@dataclass
class Audience:
    """Recipients of one event, deduplicated by user and by address, the actor left out."""

    actor: User | None
    recipients: list[tuple[Recipient, NotificationKind]] = field(default_factory=list)
    _seen: set = field(default_factory=set)

    def add_user(self, user: User, role: str, kind: NotificationKind) -> None:
        if not user.is_active:
            return
        self._add(Recipient(role, user.email, user.name, user.id), kind)

    def beside(self) -> Audience:
        """An audience told with data of its own, that leaves out whoever this one tells."""
        return Audience(self.actor, _seen=set(self._seen))

    def add_address(self, email: str, role: str, kind: NotificationKind) -> None:
        self._add(Recipient(role, email), kind)

    def _add(self, recipient: Recipient, kind: NotificationKind) -> None:
        address = recipient.email.strip().lower()
        keys = {("email", address)} | ({("user", recipient.user_id)} if recipient.user_id else set())
        if self._seen & keys:
            return
        if self.actor is not None and (
            recipient.user_id == self.actor.id or address == self.actor.email.strip().lower()
        ):
            return
        self._seen |= keys
        self.recipients.append((recipient, kind))


async def on_event(uow: UnitOfWork, order: Order, event: OrderEvent) -> None:
    session = uow.session
    actor, actor_org = await _actor(session, event.actor_id)
    audience = Audience(actor)
    invited: Audience | None = None  # told with data of their own (ORDER_UPDATED)
    data: dict[str, Any] = {}

    if event.kind is OrderEventKind.STATUS_CHANGED:
        change = await session.get(StatusChange, event.subject_id)
        if change is None:
            return
        data["status"] = {
            "from": change.from_status.value if change.from_status else None,
            "to": change.to_status.value,
            "action": change.action,
            "reason": change.reason,
        }
        if change.action == "ACCEPT_ORDER" and order.estimated_completion_on is not None:
            data["status"]["estimated_completion_on"] = order.estimated_completion_on.isoformat()
        await _status_change_audience(session, order, change, event, audience)
    elif event.kind is OrderEventKind.QUOTE_SUBMITTED:
        quote = await session.get(Quote, event.subject_id)
        if quote is None:
            return
        provider = await session.get(Organization, quote.provider_id)
        data["quote"] = {
            "provider": provider.name if provider else None,
            "total": str(quote.total),
            "currency": quote.currency,
            "revision": quote.revision,
            "expires_at": quote.expires_at.isoformat() if quote.expires_at else None,
            "estimated_completion_on": quote.estimated_completion_on.isoformat(),
        }
        await _partner_side(session, order, audience, NotificationKind.QUOTE_RECEIVED)
    elif event.kind is OrderEventKind.QUOTE_DECLINED:
        invitation = await session.get(OrderInvitation, event.subject_id)
        if invitation is None:
            return
        provider = await session.get(Organization, invitation.provider_id)
        data["decline"] = {"provider": provider.name if provider else None, "reason": invitation.decline_reason}
        # The partner side only: other invited providers never learn about their competitors.
        await _partner_side(session, order, audience, NotificationKind.QUOTE_DECLINED)
    elif event.kind is OrderEventKind.QUOTE_WITHDRAWN:
        quote = await session.get(Quote, event.subject_id)
        if quote is None:
            return
        provider = await session.get(Organization, quote.provider_id)
        data["withdrawal"] = {
            "provider": provider.name if provider else None,
            "total": str(quote.total),
            "currency": quote.currency,
        }
        # The partner side only, as for declines.
        await _partner_side(session, order, audience, NotificationKind.QUOTE_WITHDRAWN)
    elif event.kind is OrderEventKind.COMMENT_ADDED:
        comment = await session.get(Comment, event.subject_id)
        if comment is None:
            return
        data["comment"] = {
            "id": comment.id,
            "body": comment.body[:COMMENT_EXCERPT],
            "truncated": len(comment.body) > COMMENT_EXCERPT,
            "at": comment.created_at.isoformat() if comment.created_at else utcnow().isoformat(),
        }
        await _comment_audience(session, order, event, audience)
    elif event.kind is OrderEventKind.LEADS_ADDED:
        count = await session.scalar(
            select(func.count())
            .select_from(Lead)
            .where(Lead.order_id == order.id, Lead.id >= event.subject_id, Lead.created_by_id == event.actor_id)
        )
        data["leads"] = {"count": int(count or 1)}
        await _partner_side(session, order, audience, NotificationKind.LEADS_ADDED)
    elif event.kind is OrderEventKind.ORDER_UPDATED:
        update = await session.get(OrderUpdate, event.subject_id)
        if update is None:
            return
        data["update"] = {
            "fields": list(update.fields),
            "previous_estimated_completion_on": _iso(update.previous_estimated_completion_on),
            "estimated_completion_on": _iso(update.estimated_completion_on),
            "reason": update.reason,
        }
        invited = await _update_audience(session, order, update, audience)
    elif event.kind is OrderEventKind.ATTACHMENTS_ADDED:
        files = await session.scalars(
            select(Attachment)
            .where(
                Attachment.order_id == order.id,
                Attachment.id >= event.subject_id,
                Attachment.uploaded_by_id == event.actor_id,
            )
            .order_by(Attachment.id)
        )
        first = await session.get(Attachment, event.subject_id)
        names = [f.filename for f in files if first is not None and f.created_at == first.created_at]
        data["files"] = {"count": len(names), "names": names[:10], "kind": first.kind.value if first else None}
        await _partner_side(session, order, audience, NotificationKind.ATTACHMENTS_ADDED)
        assigned = _assigned_provider(order)
        if assigned is not None and assigned in event.audience.get("providers", ()):
            for user in await _users_of(session, [assigned]):
                audience.add_user(user, PROVIDER, NotificationKind.ATTACHMENTS_ADDED)
    elif event.kind in CLAIM_NOTICES:
        claim = (
            await session.get(MdfClaim, event.subject_id) if event.kind is not OrderEventKind.CLAIM_EXPIRED else None
        )
        data["claim"] = {
            "step": CLAIM_NOTICES[event.kind],
            "amount": str(claim.amount) if claim else None,
            "currency": order.currency,
            "reason": claim.rejection_reason if claim else None,
        }
        if event.kind is OrderEventKind.CLAIM_SUBMITTED:
            for user in await _supplier_users(session, order.portal_id):
                audience.add_user(user, SUPPLIER, NotificationKind.CLAIM_UPDATED)
        else:
            await _partner_side(session, order, audience, NotificationKind.CLAIM_UPDATED)
    else:  # an event kind this module does not know (a removed file): tell nobody rather than guess
        return

    if not audience.recipients and not (invited and invited.recipients):
        return
    portal, service, partner = (
        await session.execute(
            select(
                select(Portal.name).where(Portal.id == order.portal_id).scalar_subquery(),
                select(Service.name).where(Service.id == order.service_id).scalar_subquery(),
                select(Organization.name).where(Organization.id == order.partner_id).scalar_subquery(),
            )
        )
    ).one()
    data.update(
        portal=portal or "",
        order={
            "id": to_global_id("Order", order.id),
            "name": order.name,
            "service": service,
            "partner": partner,
            "status": order.status.value,
        },
        actor={
            "name": actor.name if actor else None,
            "organization": actor_org.name if actor_org else None,
        },
    )
    await _write(uow, order, event, audience, data)
    if invited is not None and invited.recipients:
        # Providers asked to quote learn only that the description they quote on changed.
        update_data = {**data["update"], "fields": [OrderField.DESCRIPTION.value]}
        await _write(uow, order, event, invited, {**data, "update": update_data})


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


CLAIM_NOTICES = {
    OrderEventKind.CLAIM_SUBMITTED: "submitted",
    OrderEventKind.CLAIM_APPROVED: "approved",
    OrderEventKind.CLAIM_REJECTED: "rejected",
    OrderEventKind.CLAIM_EXPIRED: "expired",
}


async def _actor(session: AsyncSession, user_id: int | None) -> tuple[User | None, Organization | None]:
    """The user who acted and their organization, in one statement."""
    if user_id is None:
        return None, None
    row = (
        await session.execute(
            select(User, Organization)
            .join(Organization, Organization.id == User.organization_id)
            .where(User.id == user_id)
        )
    ).first()
    return (row[0], row[1]) if row is not None else (None, None)


async def _users_by_organization(session: AsyncSession, organization_ids: list[int | None]) -> dict[int, list[User]]:
    """The users of several organizations, in one statement."""
    grouped: dict[int, list[User]] = {}
    for user in await _users_of(session, [pk for pk in dict.fromkeys(organization_ids) if pk is not None]):
        grouped.setdefault(user.organization_id, []).append(user)
    return grouped


async def _users_of(session: AsyncSession, organization_ids: list[int]) -> list[User]:
    if not organization_ids:
        return []
    return list(
        await session.scalars(
            select(User).where(User.organization_id.in_(organization_ids)).order_by(User.organization_id, User.id)
        )
    )


async def _supplier_users(session: AsyncSession, portal_id: int) -> list[User]:
    return list(
        await session.scalars(
            select(User)
            .join(Organization, Organization.id == User.organization_id)
            .where(Organization.portal_id == portal_id, Organization.kind == OrganizationKind.SUPPLIER)
            .order_by(User.id)
        )
    )


async def _add_order_recipients(
    session: AsyncSession, order: Order, audience: Audience, kind: NotificationKind
) -> None:
    """The order's recipients, told what the partner is told. Checked again now, with the user
    each address belongs to today (stored addresses are lower-case): one that has become another
    organisation's user's since it was named is not told (domain.recipients)."""
    rows = await session.execute(
        select(OrderRecipient, User)
        .outerjoin(User, func.lower(User.email) == OrderRecipient.email)
        .where(OrderRecipient.order_id == order.id)
        .order_by(OrderRecipient.id)
    )
    for row, user in rows:
        if not may_receive(user, order.partner_id):
            continue
        if user is not None:
            audience.add_user(user, RECIPIENT, kind)
        else:
            audience.add_address(row.email, RECIPIENT, kind)


async def _partner_side(
    session: AsyncSession,
    order: Order,
    audience: Audience,
    kind: NotificationKind,
    partner_users: list[User] | None = None,
) -> None:
    """The partner's users (read here unless given), then the order's notification recipients."""
    if partner_users is None:
        partner_users = await _users_of(session, [order.partner_id])
    for user in partner_users:
        audience.add_user(user, PARTNER, kind)
    await _add_order_recipients(session, order, audience, kind)


def _assigned_provider(order: Order) -> int | None:
    return order.provider_id if order.provider_id is not None and order.approved_at is not None else None


async def _open_invitations(session: AsyncSession, order: Order) -> list[int]:
    """Providers asked to quote that have not declined."""
    return list(
        await session.scalars(
            select(OrderInvitation.provider_id)
            .where(OrderInvitation.order_id == order.id, OrderInvitation.declined_at.is_(None))
            .order_by(OrderInvitation.id)
        )
    )


async def _status_change_audience(
    session: AsyncSession, order: Order, change: StatusChange, event: OrderEvent, audience: Audience
) -> None:
    submitted = change.from_status is None
    kind = NotificationKind.ORDER_SUBMITTED if submitted else NotificationKind.STATUS_CHANGED
    assigned = _assigned_provider(order)
    users = await _users_by_organization(session, [order.partner_id, assigned])
    await _partner_side(session, order, audience, kind, users.get(order.partner_id, []))
    if not submitted or change.to_status is OrderStatus.PENDING_APPROVAL:
        for user in await _supplier_users(session, order.portal_id):
            audience.add_user(user, SUPPLIER, kind)
    if assigned is not None:
        for user in users.get(assigned, []):
            audience.add_user(user, PROVIDER, kind)
    if change.to_status is OrderStatus.PENDING_QUOTES or change.from_status is OrderStatus.PENDING_QUOTES:
        # Invited providers hear of their quote request: the invitation, and how it ended.
        invited = [p for p in await _open_invitations(session, order) if p != assigned]
        invited_kind = NotificationKind.QUOTE_REQUESTED if submitted else NotificationKind.STATUS_CHANGED
        for user in await _users_of(session, invited):
            audience.add_user(user, INVITED, invited_kind)


async def _comment_audience(session: AsyncSession, order: Order, event: OrderEvent, audience: Audience) -> None:
    kind = NotificationKind.COMMENT_ADDED
    comment = await session.get(Comment, event.subject_id)  # in the identity map: no query
    # Comments are part of the full order, which a provider sees only once assigned; a private
    # thread of the quote phase is its provider's alone (domain.access.can_see_comment).
    thread = comment.private_to_provider_id if comment is not None else None
    provider = thread if thread is not None else _assigned_provider(order)
    users = await _users_by_organization(session, [order.partner_id, provider])
    await _partner_side(session, order, audience, kind, users.get(order.partner_id, []))
    if provider is not None:
        for user in users.get(provider, []):
            audience.add_user(user, PROVIDER, kind)
    # Channel managers follow a thread once they have written in it.
    supplier_authors = await session.scalars(
        select(User)
        .join(Comment, Comment.author_id == User.id)
        .join(Organization, Organization.id == User.organization_id)
        .where(Comment.order_id == order.id, Organization.kind == OrganizationKind.SUPPLIER)
        .distinct()
        .order_by(User.id)
    )
    for user in supplier_authors:
        audience.add_user(user, SUPPLIER, kind)


async def _update_audience(
    session: AsyncSession, order: Order, update: OrderUpdate, audience: Audience
) -> Audience | None:
    """An edit: the partner's side and the assigned provider; the providers asked to quote when
    the description they quote on changed (returned apart: they are told only that)."""
    kind = NotificationKind.ORDER_UPDATED
    assigned = _assigned_provider(order)
    users = await _users_by_organization(session, [order.partner_id, assigned])
    await _partner_side(session, order, audience, kind, users.get(order.partner_id, []))
    if assigned is not None:
        for user in users.get(assigned, []):
            audience.add_user(user, PROVIDER, kind)
    if order.status is not OrderStatus.PENDING_QUOTES or OrderField.DESCRIPTION.value not in update.fields:
        return None
    invited = audience.beside()
    for user in await _users_of(session, [p for p in await _open_invitations(session, order) if p != assigned]):
        invited.add_user(user, INVITED, kind)
    return invited


async def _write(uow: UnitOfWork, order: Order, event: OrderEvent, audience: Audience, data: dict) -> None:
    session, settings = uow.session, uow.settings
    now = utcnow()
    mail = bool(settings.smtp_host)  # without SMTP every notification is in-app only (SKIPPED)
    user_ids = [r.user_id for r, _ in audience.recipients if r.user_id is not None]
    muted: set[tuple[int, NotificationKind]] = set()
    if mail and user_ids:
        rows = await session.execute(
            select(NotificationPreference.user_id, NotificationPreference.kind).where(
                NotificationPreference.user_id.in_(user_ids), NotificationPreference.email_enabled.is_(False)
            )
        )
        muted = {(user_id, kind) for user_id, kind in rows}
    digest_ends = (
        await _open_digests(session, order.id, now) if mail and event.kind is OrderEventKind.COMMENT_ADDED else {}
    )
    window = timedelta(seconds=max(0, settings.comment_digest_seconds))

    written = uow.notifications
    for recipient, kind in audience.recipients:
        title, body = describe(kind, recipient.role, data)
        email_on = mail and (recipient.user_id, kind) not in muted
        next_attempt: datetime | None = None
        if email_on:
            next_attempt = now
            if kind is NotificationKind.COMMENT_ADDED:
                # Join the recipient's open digest for this order, or open one.
                next_attempt = digest_ends.get(recipient.email.lower()) or now + window
        notification = Notification(
            portal_id=order.portal_id,
            order_id=order.id,
            event=event,
            user_id=recipient.user_id,
            email=recipient.email,
            kind=kind,
            actor_id=event.actor_id,
            title=title,
            body=body,
            data={**data, "role": recipient.role, "recipient_name": recipient.name},
            created_at=now,
            email_status=DeliveryStatus.PENDING if email_on else DeliveryStatus.SKIPPED,
            attempts=0,
            next_attempt_at=next_attempt,
        )
        written.append(notification)  # stored with its event at commit (UnitOfWork.store_pending)


async def _open_digests(session: AsyncSession, order_id: int, now: datetime) -> dict[str, datetime]:
    """For each address with comment e-mails of this order still waiting for their window to
    close, when that window closes."""
    rows = await session.execute(
        select(func.lower(Notification.email), func.min(Notification.next_attempt_at))
        .where(
            Notification.order_id == order_id,
            Notification.kind == NotificationKind.COMMENT_ADDED,
            Notification.email_status == DeliveryStatus.PENDING,
            Notification.attempts == 0,
            Notification.next_attempt_at > now,
        )
        .group_by(func.lower(Notification.email))
    )
    return {email: until for email, until in rows if email and until}


STATUS_LABELS = {
    "PENDING_QUOTES": "Pending quotes",
    "PENDING_APPROVAL": "Pending approval",
    "APPROVED": "Approved",
    "DENIED": "Denied",
    "NOT_STARTED": "Not started",
    "IN_PROGRESS": "In progress",
    "WAITING_FOR_PARTNER": "Waiting for partner",
    "SCHEDULED": "Scheduled",
    "EXECUTING": "Executing",
    "COMPLETED": "Completed",
    "CANCELLED": "Cancelled",
    "ARCHIVED": "Archived",
}


def status_label(status: str | None) -> str:
    return STATUS_LABELS.get(status or "", status or "")


def actor_label(data: dict) -> str:
    actor = data.get("actor") or {}
    if not actor.get("name"):
        return "The portal"
    return f"{actor['name']} ({actor['organization']})" if actor.get("organization") else actor["name"]


def describe(kind: NotificationKind, role: str, data: dict) -> tuple[str, str]:
    """The in-app title and body (also the e-mail subject and summary)."""
    order = data.get("order", {}).get("name") or "an order"
    who = actor_label(data)
    status = data.get("status") or {}
    said = "Message" if status.get("action") in ("REQUEST_PARTNER_INPUT", "PROVIDE_INPUT") else "Reason"
    reason = f" {said}: {status['reason']}" if status.get("reason") else ""

    if kind is NotificationKind.QUOTE_REQUESTED:
        service = data["order"].get("service")
        return (f"You're invited to quote: {order}", f"{who} asks you to quote for {service or 'a service'}: {order}.")
    if kind is NotificationKind.ORDER_SUBMITTED:
        to = status.get("to")
        if role == SUPPLIER and to == "PENDING_APPROVAL":
            return (f"Approval needed: {order}", f"{who} submitted {order}; it is waiting for your approval.")
        return (f"Order submitted: {order}", f"{who} submitted {order}. Status: {status_label(to)}.")
    if kind is NotificationKind.STATUS_CHANGED:
        frm, to = status.get("from"), status.get("to")
        if role == INVITED:
            # Only that its own request ended: never who won, nor a rival's name or decline.
            if to == "CANCELLED" and (data.get("actor") or {}).get("name"):
                return (f"Quote request cancelled: {order}", f"{who} cancelled the quote request {order}.{reason}")
            if to == "CANCELLED":  # no quote left to accept (every provider asked declined or withdrew)
                return (f"Quote request closed: {order}", f"The quote request {order} is closed without a quote.")
            return (
                f"Quote request closed: {order}",
                f"The quote request {order} is closed: another provider's quote was accepted.",
            )
        due = (
            f" Estimated completion: {status['estimated_completion_on']}."
            if status.get("estimated_completion_on")
            else ""
        )
        return (
            f"{order}: {status_label(to)}",
            f"{who} moved {order} from {status_label(frm)} to {status_label(to)}.{reason}{due}",
        )
    if kind is NotificationKind.QUOTE_DECLINED:
        decline = data.get("decline") or {}
        why = f" Reason: {decline['reason']}" if decline.get("reason") else ""
        return (f"Declined to quote: {order}", f"{decline.get('provider') or who} declined to quote on {order}.{why}")
    if kind is NotificationKind.QUOTE_WITHDRAWN:
        withdrawal = data.get("withdrawal") or {}
        return (
            f"Quote withdrawn: {order}",
            f"{withdrawal.get('provider') or who} withdrew its quote of {withdrawal.get('total')} "
            f"{withdrawal.get('currency')} for {order}.",
        )
    if kind is NotificationKind.QUOTE_RECEIVED:
        quote = data.get("quote") or {}
        revised = " (revised)" if (quote.get("revision") or 1) > 1 else ""
        return (
            f"Quote received: {order}",
            f"{quote.get('provider') or who} sent a quote{revised} of {quote.get('total')} "
            f"{quote.get('currency')} for {order}.",
        )
    if kind is NotificationKind.COMMENT_ADDED:
        body = (data.get("comment") or {}).get("body", "")
        excerpt = body if len(body) <= 200 else body[:199] + "…"
        return (f"New comment on {order}", f"{who}: {excerpt}")
    if kind is NotificationKind.ORDER_UPDATED:
        return _describe_update(order, who, data.get("update") or {})
    if kind is NotificationKind.ATTACHMENTS_ADDED:
        files = data.get("files") or {}
        count = files.get("count") or 1
        noun = "file" if count == 1 else "files"
        names = ", ".join(files.get("names") or [])
        return (f"{count} new {noun}: {order}", f"{who} attached {names or f'{count} {noun}'} to {order}.")
    if kind is NotificationKind.CLAIM_UPDATED:
        claim = data.get("claim") or {}
        step, money = claim.get("step"), f"{claim.get('amount')} {claim.get('currency')}"
        if step == "submitted":
            return (f"MDF claim to review: {order}", f"{who} claims {money} for {order}.")
        if step == "approved":
            return (f"MDF claim approved: {order}", f"{who} approved the claim of {money} for {order}.")
        if step == "rejected":
            why = f" Reason: {claim['reason']}" if claim.get("reason") else ""
            return (f"MDF claim rejected: {order}", f"{who} rejected the claim of {money} for {order}.{why}")
        return (
            f"MDF claim deadline passed: {order}",
            f"The claim deadline of {order} passed; its MDF reservation was released.",
        )
    if kind is NotificationKind.LEADS_ADDED:
        count = (data.get("leads") or {}).get("count", 1)
        noun = "lead" if count == 1 else "leads"
        return (f"{count} new {noun}: {order}", f"{who} added {count} {noun} to {order}.")
    return (order, who)


UPDATED_PARTS = {
    "DESCRIPTION": "the description",
    "CONTACTS": "the contacts",
    "NOTIFICATION_RECIPIENTS": "the notification recipients",
}


def _describe_update(order: str, who: str, update: dict) -> tuple[str, str]:
    if "ESTIMATED_COMPLETION_ON" in update.get("fields", ()):
        before = update.get("previous_estimated_completion_on")
        since = f" (was {before})" if before else ""
        why = f" Reason: {update['reason']}" if update.get("reason") else ""
        return (
            f"New estimated completion: {order}",
            f"{who} expects {order} to be completed on {update.get('estimated_completion_on')}{since}.{why}",
        )
    parts = [UPDATED_PARTS[f] for f in update.get("fields", ()) if f in UPDATED_PARTS]
    changed = " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts) or "the order"
    return (f"Order updated: {order}", f"{who} changed {changed} of {order}.")
