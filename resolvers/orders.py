"""The `orders` list: My Orders (partner), Manage Orders (provider), the portal (supplier)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from strawberry.types import Info

from domain import access
from domain.search import order_search_clause
from models import Order, OrderStatus
from resolvers.catalog import _ids
from resolvers.pagination import PageRequest, SortKey, paginate, parse_date, parse_datetime
from schema.common import SortDirection
from schema.filters import DateTimeRange, OrderFilter, OrderOrder, OrderSortField
from schema.orders import OrderConnection, OrderStatusCount

SORT_KEYS = {
    OrderSortField.SUBMITTED_AT: SortKey("SUBMITTED_AT", Order.submitted_at, Order.id, parse_datetime),
    OrderSortField.LAST_ACTIVITY_AT: SortKey("LAST_ACTIVITY_AT", Order.last_activity_at, Order.id, parse_datetime),
    # Orders without an estimate yet (quote requests, orders waiting for approval) come last.
    OrderSortField.ESTIMATED_COMPLETION_ON: SortKey(
        "ESTIMATED_COMPLETION_ON", Order.estimated_completion_on, Order.id, parse_date, nullable=True
    ),
}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _window(column: Any, window: DateTimeRange | None) -> list[ColumnElement[bool]]:
    """`from` inclusive, `to` exclusive; a time without offset is read as UTC."""
    clauses = []
    if window is not None and window.from_ is not None:
        clauses.append(column >= _utc(window.from_))
    if window is not None and window.to is not None:
        clauses.append(column < _utc(window.to))
    return clauses


def order_filter_clauses(info: Info, f: OrderFilter, *, statuses: bool = True) -> list[ColumnElement[bool]]:
    """The filter as WHERE clauses (without the viewer's scope). `statuses=False` leaves the
    status choice out, for the per-status counts of the dashboard's tabs."""
    viewer = info.context.require_viewer()
    clauses: list[ColumnElement[bool]] = []
    if statuses:
        if f.statuses:
            clauses.append(Order.status.in_(f.statuses))
        elif viewer.is_provider:
            # Manage Orders: archived orders leave the default list.
            clauses.append(Order.status != OrderStatus.ARCHIVED)
    if (ids := _ids(f.provider_ids, "Provider", "providerIds")) is not None:
        clauses.append(Order.provider_id.in_(ids))
    if (ids := _ids(f.activity_type_ids, "ActivityType", "activityTypeIds")) is not None:
        clauses.append(Order.activity_type_id.in_(ids))
    if f.payment_methods:
        clauses.append(Order.payment_method.in_(f.payment_methods))
    if f.origins:
        clauses.append(Order.origin.in_(f.origins))
    clauses += _window(Order.submitted_at, f.submitted)
    clauses += _window(Order.last_activity_at, f.last_activity)
    dialect = "sqlite" if info.context.db.is_sqlite else "postgresql"
    if (search := order_search_clause(f.search, dialect)) is not None:
        clauses.append(search)
    return clauses


async def resolve_orders(
    info: Info,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter: OrderFilter | None,  # noqa: A002
    order_by: OrderOrder | None,
) -> OrderConnection:
    ctx = info.context
    viewer = ctx.require_viewer()
    f = filter or OrderFilter()
    order_by = order_by or OrderOrder()
    scopes = access.order_scope_branches(viewer)
    clauses = order_filter_clauses(info, f)
    page = await paginate(
        ctx.db.read_session,
        [select(Order).where(scope, *clauses) for scope in scopes],
        sort=SORT_KEYS[order_by.field],
        descending=order_by.direction is SortDirection.DESC,
        page=PageRequest(first=first, after=after, last=last, before=before),
        codec=ctx.cursors,
    )

    async def status_counts() -> list[OrderStatusCount]:
        unfiltered = order_filter_clauses(info, f, statuses=False)
        counts: dict[OrderStatus, int] = dict.fromkeys(OrderStatus, 0)
        async with ctx.db.read_session() as session:
            for scope in scopes:
                stmt = select(Order.status, func.count()).where(scope, *unfiltered).group_by(Order.status)
                for status, count in (await session.execute(stmt)).all():
                    counts[status] += count
        return [OrderStatusCount(status=status, count=count) for status, count in counts.items()]

    return OrderConnection(
        edges=page.edges, page_info=page.page_info, count=page.count, status_counter=status_counts
    )
