"""`Order.timeline` and `Order.quoteComparison`, built from the per-request loaders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from strawberry.types import Info

from domain.access import OrderView, comment_scope, loaded_order_view
from domain.quotes import effective_status
from models import (
    Attachment,
    MdfClaim,
    Order,
    OrderField,
    OrderInvitation,
    OrderUpdate,
    Quote,
    QuoteStatus,
    StatusChange,
)
from models.base import utcnow
from resolvers.order_children import CHILD_LIST_DEFAULT, MAX_CHILD_LIST
from resolvers.pagination import BadPageRequest


@dataclass(slots=True)
class Comparison:
    """An order's current quotes side by side (schema.orders.QuoteComparison shows it)."""

    quotes: list[Quote]
    lowest_total: Decimal | None
    earliest_completion_on: date | None
    awaiting: list[Any]  # providers
    declined: list[OrderInvitation]


def _when(item: Any) -> tuple[datetime, int, int]:
    if isinstance(item, StatusChange):
        return item.at, 0, item.id
    if isinstance(item, Quote):
        return item.submitted_at, 1, item.id
    if isinstance(item, OrderInvitation):
        return item.declined_at, 2, item.id
    if isinstance(item, OrderUpdate):
        return item.at, 4, item.id
    if isinstance(item, Attachment):
        return item.created_at, 5, item.id
    if isinstance(item, MdfClaim):
        return item.submitted_at, 6, item.id
    return item.created_at, 3, item.id


async def resolve_timeline(info: Info, order: Order, last: int | None) -> list[Any]:
    """The latest `last` entries, oldest first: only the latest `last` comments and edits are
    read (the other entries are bounded by the workflow: status changes, and quotes and
    declines of the providers asked)."""
    limit = CHILD_LIST_DEFAULT if last is None else last
    if not 0 <= limit <= MAX_CHILD_LIST:
        raise BadPageRequest(f"`last` must be between 0 and {MAX_CHILD_LIST}", "last")
    viewer = info.context.require_viewer()
    loaders = info.context.loaders
    quotes = await loaders.quotes_by_order.load(order.id)
    invitations = await loaders.invitations_by_order.load(order.id)
    declines = [i for i in invitations if i.declined_at is not None]
    if viewer.is_provider:
        # Providers see their own quotes (and decline) only.
        quotes = [q for q in quotes if q.provider_id == viewer.organization_id]
        declines = [i for i in declines if i.provider_id == viewer.organization_id]
    items: list[Any] = [*quotes, *declines]
    view = loaded_order_view(viewer, order)
    full = view is OrderView.FULL
    # Files: those of the quotes this viewer sees, and (seeing the whole order) the order's own.
    seen_quotes = {q.id for q in quotes}
    files = await loaders.attachments_by_order.load(order.id)
    items += [f for f in files if f.quote_id in seen_quotes or (full and f.quote_id is None and f.comment_id is None)]
    if full and not viewer.is_provider:
        items += await loaders.claims_by_order.load(order.id)
    updates = await loaders.update_pages.load((order.id, None, None, limit, True)) if limit else []
    if full:
        items += updates
        items += await loaders.status_changes_by_order.load(order.id)
    else:
        # A quote request shows its description: the edits of it (schema.orders.OrderUpdate
        # shows such an entry as a description change only).
        items += [u for u in updates if OrderField.DESCRIPTION.value in u.fields]
    if limit:
        # A quote request shows the provider its own private thread with the partner.
        items += await loaders.comment_pages.load((order.id, None, None, limit, True, comment_scope(viewer, view)))
    items.sort(key=_when)
    return items[len(items) - limit :] if limit else []


async def resolve_quote_comparison(info: Info, order: Order) -> Comparison | None:
    viewer = info.context.require_viewer()
    if viewer.is_provider:
        return None
    loaders = info.context.loaders
    latest: dict[int, Quote] = {}
    for quote in await loaders.quotes_by_order.load(order.id):
        if quote.provider_id not in latest or quote.revision > latest[quote.provider_id].revision:
            latest[quote.provider_id] = quote
    quotes = sorted(latest.values(), key=lambda q: (q.total, q.submitted_at, q.id))
    invitations = await loaders.invitations_by_order.load(order.id)
    awaiting_ids = [i.provider_id for i in invitations if i.declined_at is None and i.provider_id not in latest]
    now = utcnow()
    # Only quotes the partner could accept now count (not expired, superseded, rejected, withdrawn).
    acceptable = [q for q in quotes if effective_status(q, now) is QuoteStatus.SUBMITTED]
    return Comparison(
        quotes=quotes,
        lowest_total=min((q.total for q in acceptable), default=None),
        earliest_completion_on=min((q.estimated_completion_on for q in acceptable), default=None),
        awaiting=list(await loaders.organization.load_many(awaiting_ids)),
        declined=[i for i in invitations if i.declined_at is not None],
    )
