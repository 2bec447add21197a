"""Orders and what hangs off them: quotes, comments, leads, status history, contacts."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from domain.access import OrderView, loaded_order_view
from domain.quotes import effective_status
from domain.transitions import Role, available_actions, roles_of
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
from schema.catalog import ActivityType, CampaignActivity, Provider, Service
from schema.common import AFTER, BEFORE, FIRST, LAST, Connection, Money, money, of_model, reads
from schema.enums import LeadStatus, OrderAction, OrderOrigin, OrderStatus, PaymentMethod, QuoteStatus
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


_FULL = OrderView.FULL  # read once: asked per field per order


def _full(info: Info, order: models.Order) -> bool:
    return loaded_order_view(info.context.require_viewer(), order) is _FULL


def _own_activity(info: Info, order: models.Order, combine: Callable[[list, list], Any]) -> Any:
    """`combine(own quotes, own decline times)` of the viewing provider on a quote request, from
    the request's loaders (at once when a list prefetched them, else later)."""
    provider_id = info.context.require_viewer().organization_id
    loaders = info.context.loaders
    quotes = now_or_later(loaders.quotes_by_order, order.id)
    invitations = now_or_later(loaders.invitations_by_order, order.id)

    def own(quotes: list[models.Quote], invitations: list[models.OrderInvitation]) -> Any:
        return combine(
            [q for q in quotes if q.provider_id == provider_id],
            [i.declined_at for i in invitations if i.provider_id == provider_id and i.declined_at is not None],
        )

    if inspect.isawaitable(quotes) or inspect.isawaitable(invitations):
        return _own_later(quotes, invitations, own)
    return own(quotes, invitations)


async def _own_later(quotes: Any, invitations: Any, then: Callable[[Any, Any], Any]) -> Any:
    if inspect.isawaitable(quotes):
        quotes = await quotes
    if inspect.isawaitable(invitations):
        invitations = await invitations
    return then(quotes, invitations)


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


TimelineItem = Annotated[
    StatusChange | Quote | Comment | QuoteDeclined,
    strawberry.union("TimelineItem", description="One entry of an order's timeline."),
]


@strawberry.type(description="The current quotes of an order side by side, for the partner to choose.")
class QuoteComparison:
    quotes: list[Quote] = strawberry.field(
        description="Each provider's latest quote (any status: check it before accepting), cheapest first."
    )
    lowest_total: Money | None = strawberry.field(description="The lowest total among `quotes`; null without quotes.")
    earliest_completion_on: date | None = strawberry.field(
        description="The earliest estimated completion among `quotes`; null without quotes."
    )
    awaiting: list[Provider] = strawberry.field(description="Providers asked that have neither quoted nor declined.")
    declined: list[QuoteInvitation] = strawberry.field(description="Providers asked that declined, with their reasons.")


@strawberry.type(
    description=(
        "An order for a provider's service. Providers invited to quote see it as a quote request "
        "(no contacts, comments, leads, fund or other providers' quotes) until it is assigned to them."
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
        description="When the provider expects to finish (from the accepted quote); null until known."
    )
    scheduled_for: datetime | None = strawberry.field(
        description="When the activity runs (UTC), once scheduled (`scheduleExecution`)."
    )
    completed_at: datetime | None = strawberry.field(description="When it was completed (UTC); null until then.")
    is_type_of = of_model(models.Order)

    # An invited provider sees neither moving with its rivals' quotes and declines.
    @strawberry.field(
        description=(
            "When the order last changed (status, quote, decline, comment, lead). In a quote request "
            "(`view: QUOTE_REQUEST`): the latest of its submission and this provider's own quotes and decline."
        ),
        metadata=reads("last_activity_at", "submitted_at", "id", *_VIEW),
    )
    def last_activity_at(self, root: strawberry.Parent[models.Order], info: Info) -> datetime:
        if _full(info, root):
            return root.last_activity_at
        return _own_activity(
            info, root, lambda quotes, declines: max([root.submitted_at, *(q.submitted_at for q in quotes), *declines])
        )

    @strawberry.field(
        description=(
            "Bumped by every change (optimistic concurrency). In a quote request (`view: QUOTE_REQUEST`): "
            "1 at submission, plus one per quote (or revision) and decline of this provider's own."
        ),
        metadata=reads("version", "id", *_VIEW),
    )
    def version(self, root: strawberry.Parent[models.Order], info: Info) -> int:
        if _full(info, root):
            return root.version
        return _own_activity(info, root, lambda quotes, declines: 1 + len(quotes) + len(declines))

    @strawberry.field(
        description="The cost: the fixed price or the accepted quote's total.",
        metadata=reads("rate", "currency"),
    )
    def rate(self, root: strawberry.Parent[models.Order]) -> Money | None:
        return money(root.rate, root.currency)

    @strawberry.field(description="How this viewer sees the order: FULL or QUOTE_REQUEST.", metadata=reads(*_VIEW))
    def view(self, root: strawberry.Parent[models.Order], info: Info) -> str:
        return loaded_order_view(info.context.require_viewer(), root).value

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
        description="How many comments it has (0 in a quote request).", metadata=reads("comment_count", *_VIEW)
    )
    def comment_count(self, root: strawberry.Parent[models.Order], info: Info) -> int:
        return root.comment_count if _full(info, root) else 0

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
        if not _full(info, root):
            return empty_connection()
        page = PageRequest(first=first, after=after, last=last, before=before)
        return await children_connection(info, root.id, "comment_pages", COMMENT_ORDER, root.comment_count, page)

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
            f"The first `first` comments, oldest first ({CHILD_LIST_DEFAULT} unless asked, at most "
            f"{MAX_CHILD_LIST:,}); `commentsConnection` pages through the rest."
        ),
        metadata=reads("id", *_VIEW),
    )
    async def comments(
        self,
        root: strawberry.Parent[models.Order],
        info: Info,
        first: Annotated[int | None, CHILD_FIRST] = CHILD_LIST_DEFAULT,
    ) -> list[Comment]:
        return await first_children(info, root.id, "comment_pages", first) if _full(info, root) else []

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

    @strawberry.field(description="The actions this viewer may take on the order now.")
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
        return available_actions(roles, root.status, has_acceptable_quote=has_acceptable_quote)

    @strawberry.field(
        description=(
            "Status changes, quotes, declines and comments in time order (what this viewer may see): "
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
