"""Query resolvers for the viewer's notifications and the suppliers' delivery failures."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from sqlalchemy import and_, func, select
from strawberry.types import Info

from domain import inbox
from domain.errors import DomainError
from domain.ids import parse_global_id
from models import Notification
from resolvers.node import RESOLVERS
from resolvers.pagination import (
    DEFAULT_PAGE,
    BadPageRequest,
    Edge,
    Page,
    PageRequest,
    SortKey,
    page_info_of,
    paginate,
)

# Cursor of the notifications list: (1 for unread / 0 for read, id).
INBOX_SORT = SortKey("inbox", None, Notification.id)
FAILURES_SORT = SortKey("failures", None, Notification.id)


async def resolve_notifications(info: Info, first: int | None, after: str | None, unread_only: bool) -> Page:
    """Unread first, then read; newest first within each. Two index range scans, no sort."""
    ctx = info.context
    viewer = ctx.require_viewer()
    PageRequest(first=first).validated()
    limit = DEFAULT_PAGE if first is None else first
    unread_from = read_from = None  # ids to continue below, per part (None: from the top)
    skip_unread = False
    if after is not None:
        flag, pk = ctx.cursors.decode(after, INBOX_SORT, "after")
        if flag:
            unread_from = pk
        else:
            skip_unread, read_from = True, pk

    def part(unread: bool, below: int | None, count: int):
        clause = [inbox.own(viewer), Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None)]
        if below is not None:
            clause.append(Notification.id < below)
        return select(Notification).where(*clause).order_by(Notification.id.desc()).limit(count)

    rows: list[tuple[int, Notification]] = []
    async with ctx.db.read_session() as session:
        if not skip_unread:
            rows += [(1, n) for n in await session.scalars(part(True, unread_from, limit + 1))]
        if len(rows) <= limit and not unread_only:
            rows += [(0, n) for n in await session.scalars(part(False, read_from, limit + 1 - len(rows)))]
    has_more = len(rows) > limit
    rows = rows[:limit]
    edges = [Edge(cursor=ctx.cursors.encode(INBOX_SORT.name, flag, n.id), node=n) for flag, n in rows]

    async def count() -> int:
        clause = [inbox.own(viewer)] + ([Notification.read_at.is_(None)] if unread_only else [])
        async with ctx.db.read_session() as session:
            return int(await session.scalar(select(func.count()).select_from(Notification).where(*clause)) or 0)

    return Page(edges=edges, page_info=page_info_of(edges, has_more, after is not None), count=count)


async def resolve_unread_count(info: Info) -> int:
    viewer = info.context.require_viewer()
    async with info.context.db.read_session() as session:
        return await inbox.unread_count(session, viewer)


async def resolve_preferences(info: Info) -> list:
    viewer = info.context.require_viewer()
    async with info.context.db.read_session() as session:
        return await inbox.preferences(session, viewer)


async def resolve_delivery_failures(info: Info, first: int | None, after: str | None, order_id: str | None) -> Page:
    ctx = info.context
    viewer = ctx.require_viewer()
    try:
        scope = inbox.delivery_failures_scope(viewer)
    except DomainError as error:
        raise GraphQLError(error.message, extensions={"code": error.code.value}) from None
    if order_id is not None:
        parsed = parse_global_id(order_id)
        if parsed is None or parsed[0] != "Order":
            raise BadPageRequest("`orderId` is not an order id", "orderId")
        scope = and_(scope, Notification.order_id == parsed[1])
    return await paginate(
        ctx.db.read_session,
        select(Notification).where(scope),
        sort=FAILURES_SORT,
        descending=True,
        page=PageRequest(first=first, after=after),
        codec=ctx.cursors,
    )


async def visible_order(info: Info, order_id: int) -> Any:
    """The order if the viewer may see it now (access can end, e.g. a closed quote request)."""
    ctx = info.context
    return await RESOLVERS["Order"](ctx, ctx.require_viewer(), order_id)


async def visible_user(info: Info, user_id: int | None) -> Any:
    if user_id is None:
        return None
    ctx = info.context
    return await RESOLVERS["User"](ctx, ctx.require_viewer(), user_id)
