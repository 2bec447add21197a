"""The `orders` list: My Orders (partner), Manage Orders (provider), the portal (supplier)."""

from __future__ import annotations

import enum
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload
from strawberry.types import Info

from domain import access
from domain.search import is_broad, order_search_clause, search_terms
from domain.validation import in_time_window, time_window_message
from models import Order, OrderInvitation, OrderStatus
from resolvers.catalog import _ids, capped, search_argument
from resolvers.dataloaders import fill
from resolvers.order_rows import JOINABLE, OrderRows, columns_read
from resolvers.pagination import (
    BadPageRequest,
    Page,
    PageRequest,
    SortDirection,
    SortKey,
    paginate,
    parse_date,
    parse_datetime,
)

# The filter and sort arguments arrive as schema.filters' input objects (OrderFilter,
# OrderOrder, DateTimeRange), read here by attribute.


class OrderSortField(enum.Enum):
    SUBMITTED_AT = "SUBMITTED_AT"
    LAST_ACTIVITY_AT = "LAST_ACTIVITY_AT"
    ESTIMATED_COMPLETION_ON = "ESTIMATED_COMPLETION_ON"


@dataclass(slots=True)
class StatusCount:
    status: OrderStatus
    count: int


@dataclass(slots=True)
class OrderPage(Page):
    """A page of orders, with the counts per status of the whole filtered list (read when asked)."""

    status_counter: Callable[[], Awaitable[list[StatusCount]]]


SORT_KEYS = {
    OrderSortField.SUBMITTED_AT: SortKey("SUBMITTED_AT", Order.submitted_at, Order.id, parse_datetime),
    OrderSortField.LAST_ACTIVITY_AT: SortKey("LAST_ACTIVITY_AT", Order.last_activity_at, Order.id, parse_datetime),
    # Orders without an estimate yet (quote requests, orders waiting for approval) come last.
    OrderSortField.ESTIMATED_COMPLETION_ON: SortKey(
        "ESTIMATED_COMPLETION_ON", Order.estimated_completion_on, Order.id, parse_date, nullable=True
    ),
}


# A provider's quote requests sort by their activity as it sees it (domain.access.ScopeBranch);
# the same name, so that a cursor of either branch pages the merged list.
OWN_ACTIVITY = SortKey("LAST_ACTIVITY_AT", OrderInvitation.last_activity_at, Order.id, parse_datetime)


def _utc(value: datetime, argument: str) -> datetime:
    utc = in_time_window(value)
    if utc is None:
        raise BadPageRequest(time_window_message(f"`{argument}`"), argument)
    return utc


def _window(column: Any, window: Any, argument: str) -> list[ColumnElement[bool]]:
    """`from` inclusive, `to` exclusive; a time without offset is read as UTC."""
    clauses = []
    if window is not None and window.from_ is not None:
        clauses.append(column >= _utc(window.from_, f"{argument}.from"))
    if window is not None and window.to is not None:
        clauses.append(column < _utc(window.to, f"{argument}.to"))
    return clauses


def check_filter(f: Any) -> None:
    """The filter's arguments that could fail in SQL, refused before any runs: BAD_USER_INPUT."""
    search_argument(f.search)
    for argument, values in (
        ("statuses", f.statuses),
        ("paymentMethods", f.payment_methods),
        ("origins", f.origins),
        ("providerIds", f.provider_ids),
        ("activityTypeIds", f.activity_type_ids),
    ):
        capped(values, argument)
    _window(Order.submitted_at, f.submitted, "submitted")
    _window(Order.last_activity_at, f.last_activity, "lastActivity")


def order_filter_clauses(
    info: Info,
    f: Any,
    *,
    statuses: bool = True,
    broad_search: bool = False,
    last_activity: Any = Order.last_activity_at,
) -> list[ColumnElement[bool]]:
    """The filter as WHERE clauses (without the viewer's scope). `statuses=False` leaves the
    status choice out, for the per-status counts of the dashboard's tabs. `last_activity`: the
    column `lastActivity` filters (a scope branch's, domain.access.ScopeBranch)."""
    viewer = info.context.require_viewer()
    clauses: list[ColumnElement[bool]] = []
    if statuses:
        if f.statuses:
            clauses.append(Order.status.in_(f.statuses))
        elif viewer.is_provider:
            # Manage Orders: archived orders leave the default list.
            clauses.append(Order.status != OrderStatus.ARCHIVED)
    if (ids := _ids(f.provider_ids, "Provider", "providerIds")) is not None:
        clauses.append(access.provider_filter(viewer, ids))
    if (ids := _ids(f.activity_type_ids, "ActivityType", "activityTypeIds")) is not None:
        clauses.append(Order.activity_type_id.in_(ids))
    if f.payment_methods:
        clauses.append(Order.payment_method.in_(f.payment_methods))
    if f.origins:
        clauses.append(Order.origin.in_(f.origins))
    clauses += _window(Order.submitted_at, f.submitted, "submitted")
    clauses += _window(last_activity, f.last_activity, "lastActivity")
    dialect = "sqlite" if info.context.db.is_sqlite else "postgresql"
    search = order_search_clause(f.search, dialect, broad_search, provider_names=not viewer.is_provider)
    if search is not None:
        clauses.append(search)
    return clauses


async def resolve_orders(
    info: Info,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    f: Any,
    order_by: Any,
) -> OrderPage:
    """`f`: the filter (an OrderFilter), `order_by`: the sort (an OrderOrder)."""
    ctx = info.context
    viewer = ctx.require_viewer()
    check_filter(f)
    scopes = access.order_scope_branches(viewer)
    broad = False
    if search_terms(f.search) and ctx.db.is_sqlite:
        async with ctx.db.read_session() as session:
            broad = await is_broad(session, f.search, "sqlite", provider_names=not viewer.is_provider)
    sort = SORT_KEYS[order_by.field]
    fields, rows = _page_reading(info, sort, viewer.is_provider)

    def clauses_of(branch: access.ScopeBranch, **options: Any) -> list[ColumnElement[bool]]:
        return [branch.where, *order_filter_clauses(info, f, last_activity=branch.last_activity, **options)]

    def counting(branch: access.ScopeBranch, *columns: Any) -> Select:
        stmt = select(*columns)
        return stmt.join(OrderInvitation, access.invitation_join(viewer)) if branch.invitation else stmt

    selects, counted, sorts = [], [], []
    for branch in scopes:
        clauses = clauses_of(branch, broad_search=broad)
        own = branch.invitation
        selects.append(rows.select_own(viewer.organization_id, *clauses) if own else rows.select(*clauses))
        # Counting reads every match anyway: then driving from the matches is the cheaper plan.
        counted.append(counting(branch, Order.id).where(*(clauses_of(branch) if broad else clauses)))
        sorts.append(OWN_ACTIVITY if own and sort is SORT_KEYS[OrderSortField.LAST_ACTIVITY_AT] else sort)
    page = await paginate(
        ctx.db.read_connection,  # rows, not entities: no ORM session needed
        selects,
        count_branches=counted,
        sort=sort,
        branch_sorts=sorts,
        descending=order_by.direction is SortDirection.DESC,
        page=PageRequest(first=first, after=after, last=last, before=before),
        codec=ctx.cursors,
        make_node=rows.snapshot,
    )

    await prefetch(info, [edge.node for edge in page.edges], fields)

    async def status_counts() -> list[StatusCount]:
        counts: dict[OrderStatus, int] = dict.fromkeys(OrderStatus, 0)
        async with ctx.db.read_session() as session:
            for branch in scopes:
                stmt = (
                    counting(branch, Order.status, func.count())
                    .where(*clauses_of(branch, statuses=False))
                    .group_by(Order.status)
                )
                for status, count in (await session.execute(stmt)).all():
                    counts[status] += count
        return [StatusCount(status=status, count=count) for status, count in counts.items()]

    return OrderPage(edges=page.edges, page_info=page.page_info, count=page.count, status_counter=status_counts)


def selections_at(selections: Iterable[Any], path: tuple[str, ...]) -> list[Any]:
    """The fields selected at `path` below the current field (fragments flattened)."""
    level = list(_fields(sel for field in selections for sel in field.selections))
    for name in path:
        level = list(_fields(sel for field in level if field.name == name for sel in field.selections))
    return level


def _fields(items: Iterable[Any]) -> Iterable[Any]:
    for item in items:
        if hasattr(item, "name") and not hasattr(item, "type_condition"):
            yield item
        else:  # a fragment spread or inline fragment
            yield from _fields(item.selections)


def selected_fields(selections: Iterable[Any], path: tuple[str, ...]) -> set[str]:
    """Names of the fields selected at `path` below the current field (fragments flattened)."""
    return {field.name for field in selections_at(selections, path)}


def _all_quotes(fields: set[str], provider_viewer: bool) -> bool:
    """Whether the page reads every quote of its orders: when it asks for them, or for the
    latest a provider may see (the latest of its own)."""
    return "quotes" in fields or ("latestQuote" in fields and provider_viewer)


def joined_relations(fields: set[str], provider_viewer: bool) -> tuple[str, ...]:
    """Relations the page asks for that its statement reads with the rows (joined): provider,
    partner, service and the latest quote (unless every quote is read: see prefetch)."""
    names = tuple(name for name in ("provider", "partner", "service") if name in fields)
    if "latestQuote" in fields and not _all_quotes(fields, provider_viewer):
        names += ("latest_quote",)
    return names


def eager_loads(fields: set[str], provider_viewer: bool) -> list[Any]:
    """The same relations as ORM loader options, for an order entity read on its own (an
    order's detail page: resolvers.node); prefetch then hands them to the loaders."""
    return [joinedload(getattr(Order, name)) for name in joined_relations(fields, provider_viewer)]


# How the pages of a query are read, by its syntax tree (requests of the same document share
# it through the parser cache): id of the `orders` field's node -> (the node, key, reading).
_READINGS: OrderedDict[int, tuple[Any, tuple, tuple[set[str], OrderRows]]] = OrderedDict()


def _page_reading(info: Info, sort: SortKey, provider_viewer: bool) -> tuple[set[str], OrderRows]:
    """The fields selected on the page's orders, and the statement that reads them: the
    order's columns its fields read (and the sort's, for the cursors), the relations joined
    with the columns theirs read. Worked out once per query document and sort."""
    node = info._raw_info.field_nodes[0]
    key = (sort.name, provider_viewer, len(info._raw_info.field_nodes))
    hit = _READINGS.get(id(node))
    if hit is not None and hit[0] is node and hit[1] == key:
        return hit[2]
    # The page's orders are selected in `edges { node }`, in `nodes`, or both.
    node_fields = selections_at(info.selected_fields, ("edges", "node")) + selections_at(
        info.selected_fields, ("nodes",)
    )
    fields = {field.name for field in node_fields}
    order_columns = columns_read(info.schema, "Order", Order, fields, also=[sort.column.key])
    relations = _relations_read(info, node_fields, joined_relations(fields, provider_viewer))
    reading = (fields, order_rows(relations, order_columns))
    _READINGS[id(node)] = (node, key, reading)
    if len(_READINGS) > 500:
        _READINGS.popitem(last=False)
    return reading


def _relations_read(info: Info, node_fields: list[Any], relations: tuple[str, ...]) -> tuple:
    """Each joined relation with the columns its selected fields read (None: all)."""
    read = []
    for name in relations:
        relation = JOINABLE[name]
        below = {f.name for f in _fields(s for f in node_fields if f.name == relation.field for s in f.selections)}
        read.append((name, columns_read(info.schema, relation.type_name, relation.model, below)))
    return tuple(read)


@cache
def order_rows(relations: tuple, order_columns: tuple[str, ...] | None = None) -> OrderRows:
    return OrderRows(relations, order_columns)


async def prefetch(info: Info, orders: list[Any], fields: set[str]) -> None:
    """Hand the relations read with the page (see joined_relations) to the request's loaders,
    and load the others it asks for at once (every quote, in one statement, when needed), so
    that the list completes without waiting on loaders field by field."""
    if not orders:
        return
    loaders = info.context.loaders
    all_quotes = _all_quotes(fields, info.context.require_viewer().is_provider)
    related: dict[Any, dict[Any, Any]] = {}

    def hand(loader: Any, key: Any, value: Any) -> None:
        # A snapshot of some columns only (see order_rows.columns_read) stays with its order,
        # for the field it was read for: no other field may find it in the loaders.
        if value is not None and getattr(value, "complete", True):
            related.setdefault(loader, {})[key] = value

    for order in orders:
        if "provider" in fields:
            hand(loaders.organization, order.provider_id, order.provider)
        if "partner" in fields:
            hand(loaders.organization, order.partner_id, order.partner)
        if "service" in fields:
            hand(loaders.service, order.service_id, order.service)
        if "latestQuote" in fields and not all_quotes:
            loaders.latest_quotes[order.id] = order.latest_quote
    for loader, values in related.items():
        loader.prime_many(values)
    if all_quotes:
        await fill(loaders.quotes_by_order, [o.id for o in orders])
    viewer = info.context.require_viewer()
    if viewer.is_provider and ("lastActivityAt" in fields or "version" in fields):
        # In a quote request they are the provider's own, kept on its invitation (schema.orders).
        requests = [o.id for o in orders if access.loaded_order_view(viewer, o) is not access.OrderView.FULL]
        if requests:
            await fill(loaders.invitations_by_order, requests)
    if viewer.is_provider and "commentCount" in fields:
        # A provider's count leaves out the other providers' private threads (schema.orders).
        await fill(loaders.invitations_by_order, [o.id for o in orders])
    if "activityType" in fields:
        await fill(loaders.activity_type, sorted({o.activity_type_id for o in orders}))
