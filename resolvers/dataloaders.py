"""Per-request DataLoaders: every relation resolves through one of these (no N+1).

Each batch opens its own short read session, because fields resolve concurrently and an
AsyncSession cannot be shared by concurrent operations. Loaders are built per request (per
operation on WebSockets) and never cross viewers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any

from sqlalchemy import func, literal, select, tuple_
from sqlalchemy.orm import aliased
from strawberry.dataloader import DataLoader

from domain.access import comment_filter
from domain.mdf import balance_columns
from models import (
    ActivityType,
    Attachment,
    Campaign,
    CampaignActivity,
    Comment,
    Lead,
    MdfClaim,
    MdfClaimProof,
    MdfFund,
    MdfLedgerEntry,
    Notification,
    Order,
    OrderContact,
    OrderInvitation,
    OrderRecipient,
    OrderUpdate,
    Organization,
    Portal,
    ProviderOffice,
    Quote,
    QuoteLineItem,
    Service,
    StatusChange,
    User,
)
from models.database import Database


def _by_id(db: Database, model: Any) -> DataLoader:
    async def load(keys: Sequence[int]) -> list[Any]:
        async with db.read_session() as session:
            rows = (await session.scalars(select(model).where(model.id.in_(keys)))).all()
        found = {row.id: row for row in rows}
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def _many_by(db: Database, model: Any, column: Any, *order_by: Any) -> DataLoader:
    async def load(keys: Sequence[int]) -> list[list[Any]]:
        async with db.read_session() as session:
            rows = (await session.scalars(select(model).where(column.in_(keys)).order_by(*order_by))).all()
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[getattr(row, column.key)].append(row)
        return [grouped.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


def _children_pages(
    db: Database, model: Any, parent_column: Any, *sort_columns: Any, scoped: Callable[[Any], Any] | None = None
) -> DataLoader:
    """One keyset page of children per parent, for many parents in one statement.

    Key: (parent id, after, before, limit, backwards[, scope]) where after/before are sort-key
    tuples or None; the value is up to `limit` rows in reading order. Keys sharing the page
    window (every order of a list asks the same) are answered by one query with ROW_NUMBER().
    `scoped(scope)`: the SQL filter of the children a key's viewer may see (None: all).
    """

    def bound(values: tuple, greater: bool) -> Any:
        left = tuple_(*sort_columns)
        right = tuple_(*(literal(v, c.type) for v, c in zip(values, sort_columns, strict=True)))
        return left > right if greater else left < right

    async def load(keys: Sequence[tuple]) -> list[list[Any]]:
        windows: dict[tuple, list[int]] = defaultdict(list)
        for parent_id, *window in keys:
            windows[tuple(window)].append(parent_id)
        found: dict[tuple, list[Any]] = {}
        async with db.read_session() as session:
            for window, parent_ids in windows.items():
                after, before, limit, backwards, *scope = window
                clauses = [parent_column.in_(parent_ids)]
                only = scoped(scope[0]) if scoped is not None and scope else None
                if only is not None:
                    clauses.append(only)
                if after is not None:
                    clauses.append(bound(after, True))
                if before is not None:
                    clauses.append(bound(before, False))
                order = [c.desc() if backwards else c.asc() for c in sort_columns]
                position = func.row_number().over(partition_by=parent_column, order_by=order).label("position")
                ranked = select(model, position).where(*clauses).subquery()
                row = aliased(model, ranked)
                stmt = (
                    select(row)
                    .where(ranked.c.position <= limit)
                    .order_by(ranked.c[parent_column.key], ranked.c.position)
                )
                grouped: dict[int, list[Any]] = defaultdict(list)
                for child in (await session.scalars(stmt)).all():
                    grouped[getattr(child, parent_column.key)].append(child)
                for parent_id in parent_ids:
                    found[(parent_id, *window)] = grouped.get(parent_id, [])
        return [found[tuple(key)] for key in keys]

    return DataLoader(load_fn=load)


def now_or_later(loader: DataLoader, key: Any) -> Any:
    """The value at once when the request already loaded it, else the loader's future.

    Sync resolvers return this: when every value of a list was prefetched (see
    `resolvers.orders.prefetch`), GraphQL completes the whole list without an awaitable per
    field, the largest cost of Strawberry on big lists.
    """
    if key is None:
        return None
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return future.result()
    return loader.load(key)


async def fill(loader: DataLoader, keys: Sequence[Any]) -> None:
    """Load `keys` now, in one batch, into the loader's cache (cheaper than `load_many`,
    which makes a future and a task per key)."""
    missing = [key for key in dict.fromkeys(keys) if loader.cache_map.get(key) is None]
    if missing:
        loader.prime_many(dict(zip(missing, await loader.load_fn(missing), strict=True)))


def _proofs_by_claim(db: Database) -> DataLoader:
    async def load(keys: Sequence[int]) -> list[list[Any]]:
        async with db.read_session() as session:
            rows = (
                await session.execute(
                    select(MdfClaimProof.claim_id, Attachment)
                    .join(Attachment, Attachment.id == MdfClaimProof.attachment_id)
                    .where(MdfClaimProof.claim_id.in_(keys))
                    .order_by(Attachment.id)
                )
            ).all()
        grouped: dict[int, list[Any]] = defaultdict(list)
        for claim_id, attachment in rows:
            grouped[claim_id].append(attachment)
        return [grouped.get(key, []) for key in keys]

    return DataLoader(load_fn=load)


class FundBalance:
    """Allocated, reserved, spent and available amounts of one fund, from its ledger."""

    __slots__ = ("allocated", "claimed", "reserved", "spent")

    def __init__(self, allocated: Decimal, reserved: Decimal, spent: Decimal, claimed: Decimal):
        self.allocated, self.reserved, self.spent, self.claimed = allocated, reserved, spent, claimed

    @property
    def available(self) -> Decimal:
        return self.allocated - self.reserved - self.spent


def _fund_balances(db: Database) -> DataLoader:
    async def load(keys: Sequence[int]) -> list[FundBalance]:
        async with db.read_session() as session:
            rows = (
                await session.execute(
                    select(MdfLedgerEntry.fund_id, *balance_columns())
                    .where(MdfLedgerEntry.fund_id.in_(keys))
                    .group_by(MdfLedgerEntry.fund_id)
                )
            ).all()
        zero = Decimal("0.00")
        found = {row[0]: FundBalance(*row[1:]) for row in rows}
        return [found.get(key, FundBalance(zero, zero, zero, zero)) for key in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """The request's loaders, each made on first use."""

    def __init__(self, db: Database, primed: Sequence[Any] = ()):
        self.db = db
        # Rows already loaded (a subscription event's): by-id loaders start with them.
        self._primed = primed
        # Order id -> the latest quote this viewer may see, when a list page read it.
        self.latest_quotes: dict[int, Any] = {}
        # Loaders a resolver makes for keys of its own (resolvers.node: orders read with the
        # relations a selection asks for), by the resolver's key.
        self.batches: dict[Any, DataLoader] = {}

    def _make(self, factory: Callable[..., DataLoader], *args: Any, **kwargs: Any) -> DataLoader:
        loader = factory(self.db, *args, **kwargs)
        if self._primed and factory is _by_id:
            for row in self._primed:
                if isinstance(row, args[0]):
                    loader.prime(row.id, row)
        return loader

    # One row by id.
    organization = cached_property(lambda self: self._make(_by_id, Organization))
    user = cached_property(lambda self: self._make(_by_id, User))
    service = cached_property(lambda self: self._make(_by_id, Service))
    activity_type = cached_property(lambda self: self._make(_by_id, ActivityType))
    campaign = cached_property(lambda self: self._make(_by_id, Campaign))
    campaign_activity = cached_property(lambda self: self._make(_by_id, CampaignActivity))
    order = cached_property(lambda self: self._make(_by_id, Order))
    quote = cached_property(lambda self: self._make(_by_id, Quote))
    comment = cached_property(lambda self: self._make(_by_id, Comment))
    lead = cached_property(lambda self: self._make(_by_id, Lead))
    fund = cached_property(lambda self: self._make(_by_id, MdfFund))
    portal = cached_property(lambda self: self._make(_by_id, Portal))
    notification = cached_property(lambda self: self._make(_by_id, Notification))
    fund_balance = cached_property(lambda self: self._make(_fund_balances))
    attachment = cached_property(lambda self: self._make(_by_id, Attachment))
    claim = cached_property(lambda self: self._make(_by_id, MdfClaim))
    proofs_by_claim = cached_property(lambda self: self._make(_proofs_by_claim))

    # Rows by their parent's id.
    offices_by_provider = cached_property(
        lambda self: self._make(_many_by, ProviderOffice, ProviderOffice.provider_id, ProviderOffice.id)
    )
    services_by_provider = cached_property(
        lambda self: self._make(_many_by, Service, Service.provider_id, Service.name, Service.id)
    )
    activities_by_campaign = cached_property(
        lambda self: self._make(_many_by, CampaignActivity, CampaignActivity.campaign_id, CampaignActivity.id)
    )
    quotes_by_order = cached_property(
        lambda self: self._make(_many_by, Quote, Quote.order_id, Quote.submitted_at, Quote.id)
    )
    line_items_by_quote = cached_property(
        lambda self: self._make(_many_by, QuoteLineItem, QuoteLineItem.quote_id, QuoteLineItem.position)
    )
    invitations_by_order = cached_property(
        lambda self: self._make(_many_by, OrderInvitation, OrderInvitation.order_id, OrderInvitation.id)
    )
    contacts_by_order = cached_property(
        lambda self: self._make(_many_by, OrderContact, OrderContact.order_id, OrderContact.id)
    )
    recipients_by_order = cached_property(
        lambda self: self._make(_many_by, OrderRecipient, OrderRecipient.order_id, OrderRecipient.id)
    )
    status_changes_by_order = cached_property(
        lambda self: self._make(_many_by, StatusChange, StatusChange.order_id, StatusChange.at, StatusChange.id)
    )
    comments_by_order = cached_property(
        lambda self: self._make(_many_by, Comment, Comment.order_id, Comment.created_at, Comment.id)
    )
    attachments_by_order = cached_property(
        lambda self: self._make(_many_by, Attachment, Attachment.order_id, Attachment.id)
    )
    attachments_by_quote = cached_property(
        lambda self: self._make(_many_by, Attachment, Attachment.quote_id, Attachment.id)
    )
    attachments_by_comment = cached_property(
        lambda self: self._make(_many_by, Attachment, Attachment.comment_id, Attachment.id)
    )
    claims_by_order = cached_property(
        lambda self: self._make(_many_by, MdfClaim, MdfClaim.order_id, MdfClaim.submitted_at, MdfClaim.id)
    )
    leads_by_order = cached_property(lambda self: self._make(_many_by, Lead, Lead.order_id, Lead.created_at, Lead.id))

    # Keyset pages of children per order (Order.commentsConnection / leadsConnection); a
    # comment key ends with the viewer's domain.access.comment_scope.
    comment_pages = cached_property(
        lambda self: self._make(
            _children_pages, Comment, Comment.order_id, Comment.created_at, Comment.id, scoped=comment_filter
        )
    )
    lead_pages = cached_property(
        lambda self: self._make(_children_pages, Lead, Lead.order_id, Lead.created_at, Lead.id)
    )
    # Organization.users: the first users of each organisation.
    user_pages = cached_property(lambda self: self._make(_children_pages, User, User.organization_id, User.id))
    # MdfFund.ledger: the newest entries of each fund.
    ledger_pages = cached_property(
        lambda self: self._make(_children_pages, MdfLedgerEntry, MdfLedgerEntry.fund_id, MdfLedgerEntry.id)
    )
    update_pages = cached_property(
        lambda self: self._make(_children_pages, OrderUpdate, OrderUpdate.order_id, OrderUpdate.at, OrderUpdate.id)
    )
