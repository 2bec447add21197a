"""Orders and what hangs off them: quotes, comments, leads, status history, contacts."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from domain import access
from domain.access import comment_scope, loaded_order_view, visible_comment_count
from domain.order_actions import Situation, available_order_actions
from domain.quotes import effective_status
from domain.transitions import Role, roles_of
from models.base import utcnow
from models.snapshots import NOT_READ, read_with
from resolvers.dataloaders import now_or_later
from resolvers.order_children import (
    CHILD_LIST_DEFAULT,
    COMMENT_ORDER,
    LEAD_ORDER,
    MAX_CHILD_LIST,
    children_connection,
    empty_connection,
    first_children,
)
from resolvers.order_timeline import resolve_quote_comparison, resolve_timeline
from resolvers.pagination import PageRequest
from schema.attachments import Attachment
from schema.catalog import ActivityType, CampaignActivity, Provider, Service
from schema.claims import MdfClaim
from schema.common import AFTER, BEFORE, FIRST, LAST, Connection, Money, money, of_model, reads
from schema.enums import (
    LeadStatus,
    OrderAction,
    OrderField,
    OrderOrigin,
    OrderStatus,
    OrderView,
    PaymentMethod,
    QuoteStatus,
)
from schema.mdf import MdfFund
from schema.portal import Partner, User
from subscriptions.resolvers import delivered_cursor


async def _later(awaitable: Any, then: Callable[[Any], Any]) -> Any:
    return then(await awaitable)


def _latest_visible(viewer: Any, quotes: list[models.Quote]) -> models.Quote | None:
    if viewer.is_provider:
        quotes = [q for q in quotes if q.provider_id == viewer.organization_id]
    return quotes[-1] if quotes else None  # the loader sorts by submission time, then id


CHILD_FIRST = strawberry.argument(description=f"How many, from the oldest: 0 to {MAX_CHILD_LIST:,}.")

# What loaded_order_view reads of an order.
_VIEW = ("provider_id", "approved_at")


_FULL = access.OrderView.FULL  # read once: asked per field per order
_VIEWS = {access.OrderView.FULL: OrderView.FULL, access.OrderView.QUOTE_REQUEST: OrderView.QUOTE_REQUEST}


def _full(info: Info, order: models.Order) -> bool:
    return loaded_order_view(info.context.require_viewer(), order) is _FULL


def _visible_comment_count(info: Info, order: models.Order) -> Any:
    """`commentCount` for this viewer (domain.access.visible_comment_count): the order's count
    for the partner and the supplier; a provider's needs the lengths of the private threads,
    from the request's loader (at once when a list prefetched them, else later)."""
    viewer = info.context.require_viewer()
    if not viewer.is_provider:
        return order.comment_count
    view = loaded_order_view(viewer, order)
    invitations = now_or_later(info.context.loaders.invitations_by_order, order.id)

    def count(invitations: list[models.OrderInvitation]) -> int:
        threads = {i.provider_id: i.comment_count for i in invitations}
        return visible_comment_count(viewer, view, order.comment_count, threads)

    return _later(invitations, count) if inspect.isawaitable(invitations) else count(invitations)


_LAST_ACTIVITY = attrgetter("last_activity_at")
_VERSION = attrgetter("version")


def _own_activity(info: Info, order: models.Order, read: Callable[[models.OrderInvitation], Any], unseen: Any) -> Any:
    """`read(the viewing provider's invitation)` on a quote request: the order as that provider
    sees it (models.order.OrderInvitation), from the request's loader (at once when a list
    prefetched it, else later); `unseen` without one (a provider sees no such order)."""
    provider_id = info.context.require_viewer().organization_id
    invitations = now_or_later(info.context.loaders.invitations_by_order, order.id)

    def own(invitations: list[models.OrderInvitation]) -> Any:
        return next((read(i) for i in invitations if i.provider_id == provider_id), unseen)

    return _later(invitations, own) if inspect.isawaitable(invitations) else own(invitations)


@strawberry.type(description="One line of a quote: what, how many, at what unit price.")
class QuoteLineItem:
    description: str = strawberry.field(description="What this line is for.")
    quantity: int = strawberry.field(description="How many units (a whole number).")
    unit_price: Decimal = strawberry.field(description="Price of one unit, a decimal string in the quote's currency.")
    amount: Decimal = strawberry.field(
        description="quantity x unit price, rounded to cents: a decimal string in the quote's currency."
    )


@strawberry.type(description="A provider's offer for an order: plan, line items, total, dates, terms.")
class Quote(relay.Node):
    id: relay.NodeID[int]
    revision: int = strawberry.field(
        description="1 for the provider's first quote on the order, 2 for its revision, ..."
    )
    plan: str = strawberry.field(description="What the provider will do (plain text).")
    expires_at: datetime | None = strawberry.field(
        description="After this time (UTC) it can no longer be accepted; null: it does not expire."
    )
    estimated_completion_on: date = strawberry.field(description="When the provider expects to have finished.")
    terms: str | None = strawberry.field(description="The provider's terms and conditions (plain text).")
    submitted_at: datetime = strawberry.field(description="When the provider sent it (UTC).")
    is_type_of = of_model(models.Quote)

    @strawberry.field(
        description="EXPIRED as soon as an open quote is past `expiresAt` (before any sweep stores it).",
        metadata=reads("status", "expires_at"),
    )
    def status(self, root: strawberry.Parent[models.Quote]) -> QuoteStatus:
        return effective_status(root)

    @strawberry.field(description="The sum of the line items' amounts.", metadata=reads("total", "currency"))
    def total(self, root: strawberry.Parent[models.Quote]) -> Money:
        return Money(amount=root.total, currency=root.currency)

    @strawberry.field(description="The provider that sent it.", metadata=reads("provider_id"))
    async def provider(self, root: strawberry.Parent[models.Quote], info: Info) -> Provider:
        return await info.context.loaders.organization.load(root.provider_id)

    @strawberry.field(description="Its line items, as the provider listed them (at most 100).", metadata=reads("id"))
    async def line_items(self, root: strawberry.Parent[models.Quote], info: Info) -> list[QuoteLineItem]:
        return await info.context.loaders.line_items_by_quote.load(root.id)

    @strawberry.field(description="The order it is for.", metadata=reads("order_id"))
    async def order(self, root: strawberry.Parent[models.Quote], info: Info) -> Order:
        return await info.context.loaders.order.load(root.order_id)

    @strawberry.field(description="Files on this quote (its proposal): seen by whoever sees the quote.")
    async def attachments(self, root: strawberry.Parent[models.Quote], info: Info) -> list[Attachment]:
        return await info.context.loaders.attachments_by_quote.load(root.id)


@strawberry.type(description="A message on an order by one of its parties (partner, provider or supplier user).")
class Comment(relay.Node):
    id: relay.NodeID[int]
    body: str = strawberry.field(description="The text, as written (plain text, up to 10,000 characters).")
    created_at: datetime = strawberry.field(description="When it was posted (UTC).")
    is_type_of = of_model(models.Comment)

    @strawberry.field(description="Who wrote it.")
    async def author(self, root: strawberry.Parent[models.Comment], info: Info) -> User:
        return await info.context.loaders.user.load(root.author_id)

    @strawberry.field(description="The order it is on.")
    async def order(self, root: strawberry.Parent[models.Comment], info: Info) -> Order:
        return await info.context.loaders.order.load(root.order_id)

    @strawberry.field(
        description=(
            "The invited provider whose private question-and-answer thread with the partner this "
            "comment belongs to (the supplier sees every thread; once that provider is assigned, the "
            "order's parties see its thread); null: the whole order sees it."
        )
    )
    async def private_to(self, root: strawberry.Parent[models.Comment], info: Info) -> Provider | None:
        if root.private_to_provider_id is None:
            return None
        return await info.context.loaders.organization.load(root.private_to_provider_id)

    @strawberry.field(description="Files on this comment: seen by whoever sees the comment.")
    async def attachments(self, root: strawberry.Parent[models.Comment], info: Info) -> list[Attachment]:
        return await info.context.loaders.attachments_by_comment.load(root.id)

    @strawberry.field(
        description=(
            "In `commentAdded` (and `orderEvents`): the cursor of the event delivering this comment; pass it as "
            "`after` when you subscribe again to resume right after it. Null when the comment is read any other way."
        ),
        metadata=reads("id"),
    )
    def event_cursor(self, root: strawberry.Parent[models.Comment], info: Info) -> str | None:
        return delivered_cursor(info, models.OrderEventKind.COMMENT_ADDED, root.id)


@strawberry.type(description="A lead generated by the order's work, recorded by the provider.")
class Lead(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The contact's name.")
    email: str | None = strawberry.field(description="The contact's e-mail address; unique among the order's leads.")
    company: str | None = strawberry.field(description="The contact's company.")
    phone: str | None = strawberry.field(description="The contact's phone number, as given.")
    status: LeadStatus = strawberry.field(description="How working it went (set by the partner).")
    created_at: datetime = strawberry.field(description="When the provider recorded it (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")
    is_type_of = of_model(models.Lead)

    @strawberry.field(description="The order whose work generated it.")
    async def order(self, root: strawberry.Parent[models.Lead], info: Info) -> Order:
        return await info.context.loaders.order.load(root.order_id)


@strawberry.type(description="One recorded transition: from, to, who, why, when.")
class StatusChange:
    id: strawberry.Private[int]
    action: str = strawberry.field(
        description=(
            "What caused it: an `OrderAction` value (`APPROVE_ORDER`, ...), or `SUBMIT_ORDER` for the submission."
        )
    )
    reason: str | None = strawberry.field(description="The reason or message given with it, if any.")
    at: datetime = strawberry.field(description="When it happened (UTC).")
    is_type_of = of_model(models.StatusChange)

    @strawberry.field(name="from", description="The status before; null for the order's submission.")
    def from_(self, root: strawberry.Parent[models.StatusChange]) -> OrderStatus | None:
        return root.from_status

    @strawberry.field(description="The status after.")
    def to(self, root: strawberry.Parent[models.StatusChange]) -> OrderStatus:
        return root.to_status

    @strawberry.field(description="Who made it; null when no user did.")
    async def actor(self, root: strawberry.Parent[models.StatusChange], info: Info) -> User | None:
        return None if root.actor_id is None else await info.context.loaders.user.load(root.actor_id)


@strawberry.type(description="A person the provider may contact about the order.")
class Contact:
    name: str = strawberry.field(description="Their name.")
    email: str | None = strawberry.field(description="Their e-mail address, if given.")
    phone: str | None = strawberry.field(description="Their phone number, as given.")
    role: str | None = strawberry.field(description="Their role for this order (`Marketing lead`), if given.")


@strawberry.type(description="Someone told of the order's changes.")
class NotificationRecipient:
    email: str = strawberry.field(description="The address told of the order's changes.")

    @strawberry.field(description="The partner's user with that address; null for an address outside the portal.")
    async def user(self, root: strawberry.Parent[models.OrderRecipient], info: Info) -> User | None:
        return None if root.user_id is None else await info.context.loaders.user.load(root.user_id)


@strawberry.type(description="A provider asked to quote, and whether it declined.")
class QuoteInvitation:
    invited_at: datetime = strawberry.field(description="When it was asked (UTC).")
    declined_at: datetime | None = strawberry.field(description="When it declined (UTC); null while it has not.")
    decline_reason: str | None = strawberry.field(description="The reason it gave for declining.")

    @strawberry.field(description="The provider asked.")
    async def provider(self, root: strawberry.Parent[models.OrderInvitation], info: Info) -> Provider:
        return await info.context.loaders.organization.load(root.provider_id)


@strawberry.type(description="A provider asked to quote declined (a timeline entry).")
class QuoteDeclined:
    is_type_of = of_model(models.OrderInvitation)

    @strawberry.field(description="The reason it gave.")
    def reason(self, root: strawberry.Parent[models.OrderInvitation]) -> str | None:
        return root.decline_reason

    @strawberry.field(description="When it declined (UTC).")
    def at(self, root: strawberry.Parent[models.OrderInvitation]) -> datetime:
        return root.declined_at

    @strawberry.field(description="The provider that declined.")
    async def provider(self, root: strawberry.Parent[models.OrderInvitation], info: Info) -> Provider:
        return await info.context.loaders.organization.load(root.provider_id)


@strawberry.type(
    description=(
        "An edit that kept the status (a timeline entry): the partner changed the description, contacts or "
        "notification recipients, or the assigned provider the estimated completion date."
    )
)
class OrderUpdate:
    is_type_of = of_model(models.OrderUpdate)

    @strawberry.field(description="What changed. In a quote request: only that the description did.")
    async def changed(self, root: strawberry.Parent[models.OrderUpdate], info: Info) -> list[OrderField]:
        fields = [models.OrderField(f) for f in root.fields]
        viewer = info.context.require_viewer()
        if viewer.is_provider and models.OrderField.DESCRIPTION in fields:
            order = await info.context.loaders.order.load(root.order_id)
            if loaded_order_view(viewer, order) is not _FULL:
                return [models.OrderField.DESCRIPTION]
        return fields

    @strawberry.field(description="The new estimated completion date, when it changed.")
    def estimated_completion_on(self, root: strawberry.Parent[models.OrderUpdate]) -> date | None:
        return root.estimated_completion_on

    @strawberry.field(description="The estimated completion date before, when it changed (null: none was set).")
    def previous_estimated_completion_on(self, root: strawberry.Parent[models.OrderUpdate]) -> date | None:
        return root.previous_estimated_completion_on

    @strawberry.field(description="Why the provider moved the date, if it said.")
    def reason(self, root: strawberry.Parent[models.OrderUpdate]) -> str | None:
        return root.reason

    @strawberry.field(description="When.")
    def at(self, root: strawberry.Parent[models.OrderUpdate]) -> datetime:
        return root.at

    @strawberry.field(description="Who made the edit.")
    async def actor(self, root: strawberry.Parent[models.OrderUpdate], info: Info) -> User | None:
        return None if root.actor_id is None else await info.context.loaders.user.load(root.actor_id)


TimelineItem = Annotated[
    StatusChange | Quote | Comment | QuoteDeclined | OrderUpdate | Attachment | MdfClaim,
    strawberry.union("TimelineItem", description="One entry of an order's timeline."),
]


@strawberry.type(description="The current quotes of an order side by side, for the partner to choose.")
class QuoteComparison:
    quotes: list[Quote] = strawberry.field(
        description="Each provider's latest quote (any status: check it before accepting), cheapest first."
    )
    lowest_total: Money | None = strawberry.field(
        description="The lowest total of the quotes that can be accepted now (null: none can)."
    )
    earliest_completion_on: date | None = strawberry.field(
        description="The earliest estimated completion of the quotes that can be accepted now."
    )
    awaiting: list[Provider] = strawberry.field(description="Providers asked that have neither quoted nor declined.")
    declined: list[QuoteInvitation] = strawberry.field(description="Providers asked that declined, with their reasons.")


@strawberry.type(
    description=(
        "An order for a provider's service. Providers invited to quote see it as a quote request "
        "(no contacts, leads, fund, other providers' quotes, or comments but their own private "
        "thread with the partner) until it is assigned to them."
    )
)
class Order(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The order's name, given by the partner.")
    description: str | None = strawberry.field(description="What the partner wants (plain text).")
    status: OrderStatus = strawberry.field(description="Where the order is in its life.")
    origin: OrderOrigin = strawberry.field(description="Where in the portal it was placed.")
    payment_method: PaymentMethod = strawberry.field(description="MDF (with `mdfFund`) or partner-funded.")
    currency: str = strawberry.field(description="ISO 4217 currency of its amounts (`rate`, quotes).")
    submitted_at: datetime = strawberry.field(description="When the partner submitted it (UTC).")
    estimated_completion_on: date | None = strawberry.field(
        description=(
            "When the provider expects to finish: from the accepted quote, set when it accepts the order, "
            "or moved later (`updateEstimatedCompletion`); null until known."
        )
    )
    scheduled_for: datetime | None = strawberry.field(
        description="When the activity runs (UTC), once scheduled (`scheduleExecution`)."
    )
    completed_at: datetime | None = strawberry.field(description="When it was completed (UTC); null until then.")
    attention_needed: bool = strawberry.field(
        description="Its provider was deactivated while it was assigned: the supplier hands it over or cancels it."
    )
    is_type_of = of_model(models.Order)

    # An invited provider sees neither moving with its rivals' quotes and declines.
    @strawberry.field(
        description=(
            "When the order last changed (status, quote, decline, comment, lead, edit). In a quote request "
            "(`view: QUOTE_REQUEST`): the latest of its submission, this provider's own quotes and decline, "
            "and edits of the description (the list sorts and filters it by the same)."
        ),
        metadata=reads("last_activity_at", "submitted_at", "id", *_VIEW),
    )
    def last_activity_at(self, root: strawberry.Parent[models.Order], info: Info) -> datetime:
        if _full(info, root):
            return root.last_activity_at
        return _own_activity(info, root, _LAST_ACTIVITY, root.submitted_at)

    @strawberry.field(
        description=(
            "Bumped by every change (optimistic concurrency). In a quote request (`view: QUOTE_REQUEST`): "
            "1 at submission, plus one per quote (or revision) and decline of this provider's own and per "
            "edit of the description."
        ),
        metadata=reads("version", "id", *_VIEW),
    )
    def version(self, root: strawberry.Parent[models.Order], info: Info) -> int:
        if _full(info, root):
            return root.version
        return _own_activity(info, root, _VERSION, 1)

    @strawberry.field(
        description="The cost: the fixed price or the accepted quote's total.",
        metadata=reads("rate", "currency"),
    )
    def rate(self, root: strawberry.Parent[models.Order]) -> Money | None:
        return money(root.rate, root.currency)

    @strawberry.field(description="How much of the order this viewer sees.", metadata=reads(*_VIEW))
    def view(self, root: strawberry.Parent[models.Order], info: Info) -> OrderView:
        return _VIEWS[loaded_order_view(info.context.require_viewer(), root)]

    # Relations read by list screens are sync resolvers over the request's loaders: values the
    # list prefetched come back at once, others as the loader's future (see now_or_later).
    @strawberry.field(
        description="The provider doing the work; null while quotes are collected.", metadata=reads("provider_id")
    )
    def provider(self, root: strawberry.Parent[models.Order], info: Info) -> Provider | None:
        related = read_with(root, "provider")
        return now_or_later(info.context.loaders.organization, root.provider_id) if related is NOT_READ else related

    @strawberry.field(description="The service ordered.", metadata=reads("service_id"))
    def service(self, root: strawberry.Parent[models.Order], info: Info) -> Service:
        related = read_with(root, "service")
        return now_or_later(info.context.loaders.service, root.service_id) if related is NOT_READ else related

    @strawberry.field(description="The activity type of the service ordered.", metadata=reads("activity_type_id"))
    def activity_type(self, root: strawberry.Parent[models.Order], info: Info) -> ActivityType:
        return now_or_later(info.context.loaders.activity_type, root.activity_type_id)

    @strawberry.field(description="The partner organisation that placed it.", metadata=reads("partner_id"))
    def partner(self, root: strawberry.Parent[models.Order], info: Info) -> Partner:
        related = read_with(root, "partner")
        return now_or_later(info.context.loaders.organization, root.partner_id) if related is NOT_READ else related

    @strawberry.field(
        description="The campaign activity it activates (origin CAMPAIGN_ACTIVITY); else null.",
        metadata=reads("campaign_activity_id"),
    )
    async def campaign_activity(self, root: strawberry.Parent[models.Order], info: Info) -> CampaignActivity | None:
        if root.campaign_activity_id is None:
            return None
        return await info.context.loaders.campaign_activity.load(root.campaign_activity_id)

    @strawberry.field(description="The fund charged (partner and supplier users only).", metadata=reads("mdf_fund_id"))
    async def mdf_fund(self, root: strawberry.Parent[models.Order], info: Info) -> MdfFund | None:
        if root.mdf_fund_id is None or info.context.require_viewer().is_provider:
            return None
        return await info.context.loaders.fund.load(root.mdf_fund_id)

    @strawberry.field(description="Quotes of this order; a provider sees only its own.", metadata=reads("id"))
    async def quotes(self, root: strawberry.Parent[models.Order], info: Info) -> list[Quote]:
        quotes = await info.context.loaders.quotes_by_order.load(root.id)
        viewer = info.context.require_viewer()
        if viewer.is_provider:
            return [q for q in quotes if q.provider_id == viewer.organization_id]
        return quotes

    @strawberry.field(description="Providers asked to quote (not shown to providers).", metadata=reads("id"))
    async def invitations(self, root: strawberry.Parent[models.Order], info: Info) -> list[QuoteInvitation]:
        if info.context.require_viewer().is_provider:
            return []
        return await info.context.loaders.invitations_by_order.load(root.id)

    @strawberry.field(
        description=(
            "How many comments this viewer sees: a provider counts its own private thread (and, once "
            "assigned, the comments the whole order sees), never another provider's thread."
        ),
        metadata=reads("comment_count", "id", *_VIEW),
    )
    def comment_count(self, root: strawberry.Parent[models.Order], info: Info) -> int:
        return _visible_comment_count(info, root)

    @strawberry.field(description="How many leads it has (0 in a quote request).", metadata=reads("lead_count", *_VIEW))
    def lead_count(self, root: strawberry.Parent[models.Order], info: Info) -> int:
        return root.lead_count if _full(info, root) else 0

    @strawberry.field(description="The latest quote this viewer may see (a provider: its own).", metadata=reads("id"))
    def latest_quote(self, root: strawberry.Parent[models.Order], info: Info) -> Quote | None:
        viewer = info.context.require_viewer()
        loaders = info.context.loaders
        if root.id in loaders.latest_quotes:  # the list read it with its page
            return loaders.latest_quotes[root.id]
        quotes = now_or_later(loaders.quotes_by_order, root.id)
        if inspect.isawaitable(quotes):
            return _later(quotes, lambda loaded: _latest_visible(viewer, loaded))
        return _latest_visible(viewer, quotes)

    @strawberry.field(
        description="Comments, oldest first, a page at a time (`last: n` for the newest).",
        metadata=reads("id", "comment_count", *_VIEW),
    )
    async def comments_connection(
        self,
        root: strawberry.Parent[models.Order],
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Comment]:
        page = PageRequest(first=first, after=after, last=last, before=before)
        total = _visible_comment_count(info, root)
        if inspect.isawaitable(total):
            total = await total
        scope = comment_scope(info.context.require_viewer(), loaded_order_view(info.context.require_viewer(), root))
        return await children_connection(info, root.id, "comment_pages", COMMENT_ORDER, total, page, scope)

    @strawberry.field(
        description="Leads, oldest first, a page at a time (`last: n` for the newest).",
        metadata=reads("id", "lead_count", *_VIEW),
    )
    async def leads_connection(
        self,
        root: strawberry.Parent[models.Order],
        info: Info,
        first: Annotated[int | None, FIRST] = None,
        after: Annotated[str | None, AFTER] = None,
        last: Annotated[int | None, LAST] = None,
        before: Annotated[str | None, BEFORE] = None,
    ) -> Connection[Lead]:
        if not _full(info, root):
            return empty_connection()
        page = PageRequest(first=first, after=after, last=last, before=before)
        return await children_connection(info, root.id, "lead_pages", LEAD_ORDER, root.lead_count, page)

    @strawberry.field(
        description=(
            f"The first `first` comments this viewer sees, oldest first ({CHILD_LIST_DEFAULT} unless asked, "
            f"at most {MAX_CHILD_LIST:,}); `commentsConnection` pages through the rest. A provider "
            "sees its own private thread, and the order's comments once it is assigned; never a rival's thread."
        ),
        metadata=reads("id", *_VIEW),
    )
    async def comments(
        self,
        root: strawberry.Parent[models.Order],
        info: Info,
        first: Annotated[int | None, CHILD_FIRST] = CHILD_LIST_DEFAULT,
    ) -> list[Comment]:
        viewer = info.context.require_viewer()
        scope = comment_scope(viewer, loaded_order_view(viewer, root))
        return await first_children(info, root.id, "comment_pages", first, scope)

    @strawberry.field(
        description=(
            f"The first `first` leads, oldest first ({CHILD_LIST_DEFAULT} unless asked, at most "
            f"{MAX_CHILD_LIST:,}); `leadsConnection` pages through the rest."
        ),
        metadata=reads("id", *_VIEW),
    )
    async def leads(
        self,
        root: strawberry.Parent[models.Order],
        info: Info,
        first: Annotated[int | None, CHILD_FIRST] = CHILD_LIST_DEFAULT,
    ) -> list[Lead]:
        return await first_children(info, root.id, "lead_pages", first) if _full(info, root) else []

    @strawberry.field(
        description="Every status change, oldest first, from the submission on (empty in a quote request).",
        metadata=reads("id", *_VIEW),
    )
    async def status_history(self, root: strawberry.Parent[models.Order], info: Info) -> list[StatusChange]:
        return await info.context.loaders.status_changes_by_order.load(root.id) if _full(info, root) else []

    @strawberry.field(
        description="People the provider may contact about it (empty in a quote request).",
        metadata=reads("id", *_VIEW),
    )
    async def contacts(self, root: strawberry.Parent[models.Order], info: Info) -> list[Contact]:
        return await info.context.loaders.contacts_by_order.load(root.id) if _full(info, root) else []

    @strawberry.field(
        description="Who is told of its changes besides its parties (empty in a quote request).",
        metadata=reads("id", *_VIEW),
    )
    async def notification_recipients(
        self, root: strawberry.Parent[models.Order], info: Info
    ) -> list[NotificationRecipient]:
        return await info.context.loaders.recipients_by_order.load(root.id) if _full(info, root) else []

    @strawberry.field(
        description="Files attached to the order itself (not through a comment or quote), oldest first.",
        metadata=reads("id", *_VIEW),
    )
    async def attachments(self, root: strawberry.Parent[models.Order], info: Info) -> list[Attachment]:
        if not _full(info, root):
            return []
        rows = await info.context.loaders.attachments_by_order.load(root.id)
        return [a for a in rows if a.comment_id is None and a.quote_id is None]

    @strawberry.field(
        description="MDF claims on the order, oldest first (partner and supplier users; empty for providers).",
        metadata=reads("id", *_VIEW),
    )
    async def claims(self, root: strawberry.Parent[models.Order], info: Info) -> list[MdfClaim]:
        if info.context.require_viewer().is_provider or not _full(info, root):
            return []
        return await info.context.loaders.claims_by_order.load(root.id)

    @strawberry.field(
        description=(
            "The mutations this viewer may run on the order now: its status changes, and comments, "
            "leads and edits (the same rules the mutations check)."
        )
    )
    async def available_actions(self, root: strawberry.Parent[models.Order], info: Info) -> list[OrderAction]:
        viewer = info.context.require_viewer()
        invited = False
        if viewer.is_provider and root.status is models.OrderStatus.PENDING_QUOTES:
            invitations = await info.context.loaders.invitations_by_order.load(root.id)
            invited = any(i.provider_id == viewer.organization_id and i.declined_at is None for i in invitations)
        roles = roles_of(viewer, root, invited=invited)
        has_acceptable_quote = True
        if root.status is models.OrderStatus.PENDING_QUOTES and Role.PARTNER in roles:
            now = utcnow()
            quotes = await info.context.loaders.quotes_by_order.load(root.id)
            has_acceptable_quote = any(
                q.status is models.QuoteStatus.SUBMITTED and (q.expires_at is None or q.expires_at > now)
                for q in quotes
            )
        to_review = False
        if root.status is models.OrderStatus.COMPLETED and Role.PARTNER in roles:
            files = await info.context.loaders.attachments_by_order.load(root.id)
            if any(a.kind is models.AttachmentKind.DELIVERABLE for a in files):
                changes = await info.context.loaders.status_changes_by_order.load(root.id)
                to_review = not changes or changes[-1].action != "ACCEPT_DELIVERABLES"
        has_open_own_quote = False
        if Role.INVITED_PROVIDER in roles:
            now = utcnow()
            quotes = await info.context.loaders.quotes_by_order.load(root.id)
            has_open_own_quote = any(
                q.provider_id == viewer.organization_id and effective_status(q, now) is models.QuoteStatus.SUBMITTED
                for q in quotes
            )
        situation = Situation(
            roles,
            root.status,
            lead_count=root.lead_count,
            has_acceptable_quote=has_acceptable_quote,
            has_open_own_quote=has_open_own_quote,
            deliverables_to_review=to_review,
        )
        return available_order_actions(situation)

    @strawberry.field(
        description=(
            "Status changes, quotes, declines, comments and edits in time order (what this viewer may see): "
            f"the latest `last` of them ({CHILD_LIST_DEFAULT} unless asked, at most {MAX_CHILD_LIST:,})."
        )
    )
    async def timeline(
        self,
        root: strawberry.Parent[models.Order],
        info: Info,
        last: Annotated[
            int | None,
            strawberry.argument(description=f"How many of the latest entries: 0 to {MAX_CHILD_LIST:,}."),
        ] = CHILD_LIST_DEFAULT,
    ) -> list[TimelineItem]:
        return await resolve_timeline(info, root, last)

    @strawberry.field(description="The current quotes side by side (partner and supplier users; null for providers).")
    async def quote_comparison(self, root: strawberry.Parent[models.Order], info: Info) -> QuoteComparison | None:
        comparison = await resolve_quote_comparison(info, root)
        if comparison is None:
            return None
        return QuoteComparison(
            quotes=comparison.quotes,
            lowest_total=money(comparison.lowest_total, root.currency),
            earliest_completion_on=comparison.earliest_completion_on,
            awaiting=comparison.awaiting,
            declined=comparison.declined,
        )


@strawberry.type(description="How many orders of one status match the filter (statuses aside).")
class OrderStatusCount:
    status: OrderStatus = strawberry.field(description="The status.")
    count: int = strawberry.field(description="How many orders matching the filter are in it.")


@strawberry.type(description="A page of orders, with counts for the whole filtered list.")
class OrderConnection(Connection[Order]):
    status_counter: strawberry.Private[Callable[[], Awaitable[list[OrderStatusCount]]]]

    @strawberry.field(
        description=(
            "Orders per status under the current filter, ignoring its `statuses` (the tabs of a "
            "dashboard); every status is listed, zeros included."
        )
    )
    async def status_counts(self) -> list[OrderStatusCount]:
        return await self.status_counter()
