"""Keyset pages of an order's comments and leads (oldest first; `last` gives the newest)."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from models import Comment, Lead
from resolvers.pagination import (
    BadPageRequest,
    Page,
    PageRequest,
    SortKey,
    page_of,
    page_shape,
    parse_datetime,
    single_page,
)

COMMENT_ORDER = SortKey("CREATED_AT", Comment.created_at, Comment.id, parse_datetime)
LEAD_ORDER = SortKey("CREATED_AT", Lead.created_at, Lead.id, parse_datetime)


async def children_connection(
    info: Info, order_id: int, loader_name: str, sort: SortKey, total: int, page: PageRequest, *scope: Any
) -> Page:
    """One page through a per-request loader, so a list of orders costs one query in all.
    `total`: how many children the viewer sees (from the order's denormalised counts);
    `scope`: which of them (comments: domain.access.comment_scope)."""
    ctx = info.context
    page = page.validated()
    limit, backwards = page_shape(page)
    after = ctx.cursors.decode(page.after, sort, "after", False) if page.after is not None else None
    before = ctx.cursors.decode(page.before, sort, "before", False) if page.before is not None else None
    rows = await getattr(ctx.loaders, loader_name).load((order_id, after, before, limit + 1, backwards, *scope))
    edges, page_info = page_of(
        list(rows), limit=limit, backwards=backwards, page=page, sort=sort, descending=False, codec=ctx.cursors
    )

    async def count() -> int:
        return total

    return Page(edges=edges, page_info=page_info, count=count)


def empty_connection() -> Page:
    return single_page([], has_next_page=False, has_previous_page=False, total=0)


# `Order.comments(first:)` and `Order.leads(first:)`: the plain lists, bounded.
CHILD_LIST_DEFAULT = 100
MAX_CHILD_LIST = 1000


async def first_children(info: Info, order_id: int, loader_name: str, first: int | None, *scope: Any) -> list:
    """The first `first` children (oldest first), read through the same per-request page
    loader as the connections: only those rows are read, for every order at once."""
    limit = CHILD_LIST_DEFAULT if first is None else first
    if not 0 <= limit <= MAX_CHILD_LIST:
        raise BadPageRequest(f"`first` must be between 0 and {MAX_CHILD_LIST}", "first")
    if limit == 0:
        return []
    return list(await getattr(info.context.loaders, loader_name).load((order_id, None, None, limit, False, *scope)))
