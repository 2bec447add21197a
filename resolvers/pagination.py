"""Keyset (cursor) pagination: a page costs the same wherever it is in the list.

A cursor is the sort key plus the id of an edge, signed and tied to the sort and its
direction, so that a tampered cursor, or one from another sort, is refused instead of
silently paging somewhere else. Pages never use OFFSET: each read starts from the cursor
with a row-value comparison `(sort column, id) > (value, id)` that an index on
`(scope, sort column, id)` answers directly.

Two refinements keep every read on an index:
- a nullable sort column (estimated completion) is read in two *segments*: the rows with a
  value, then the rows without one (NULLs last in both directions), each an index range;
- a list whose scope is a union of disjoint *branches* (a provider's assigned orders and its
  quote requests) reads each branch on its own index and merges them in Python.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graphql import GraphQLError
from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

MAX_PAGE = 100
DEFAULT_PAGE = 20


class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


# A page as the resolvers return it; schema.common's Connection, Edge and PageInfo types read
# these attributes (the GraphQL shape lives there, the plain values here).


@dataclass(slots=True)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@dataclass(slots=True)
class Edge:
    cursor: str
    node: Any


@dataclass(slots=True)
class Page:
    edges: list[Edge]
    page_info: PageInfo
    count: Callable[[], Awaitable[int]]  # the whole list's length (`totalCount`), read only when asked


def single_page(edges: list[Edge], *, has_next_page: bool, has_previous_page: bool, total: int) -> Page:
    """A page whose total is already known."""

    async def count() -> int:
        return total

    return Page(edges=edges, page_info=page_info_of(edges, has_next_page, has_previous_page), count=count)


def page_info_of(edges: list[Edge], has_next_page: bool, has_previous_page: bool) -> PageInfo:
    return PageInfo(
        has_next_page=has_next_page,
        has_previous_page=has_previous_page,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )


class BadPageRequest(GraphQLError):
    def __init__(self, message: str, argument: str):
        super().__init__(message, extensions={"code": "BAD_USER_INPUT", "argument": argument})


@dataclass(frozen=True)
class SortKey:
    """A named ordering: a column then the id as tie-break.

    `nullable`: rows without a value come last, whichever the direction, ordered by id.
    """

    name: str
    column: InstrumentedAttribute | None  # None: by id alone
    id_column: InstrumentedAttribute
    parse: Callable[[Any], Any] = lambda v: v
    nullable: bool = False


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value)


def parse_date(value: str) -> date:
    return date.fromisoformat(value)


def _sort_tag(sort: SortKey, descending: bool) -> str:
    return f"{sort.name}:{'DESC' if descending else 'ASC'}"


class CursorCodec:
    def __init__(self, secret: str):
        self._key = hashlib.sha256(("cursor:" + secret).encode()).digest()
        key = self._key.ljust(64, b"\0")
        self._pads = bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)

    def hmac_pads(self) -> tuple[bytes, bytes]:
        """The key's inner and outer padded blocks (RFC 2104): HMAC(payload) is
        sha256(outer + sha256(inner + payload)), which SQL can compute (resolvers.order_json)."""
        return self._pads

    def _sign(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.digest(self._key, payload, "sha256")[:12]).decode()

    def encode(self, sort: str, value: Any, pk: int) -> str:
        if isinstance(value, datetime | date) and type(pk) is int:  # most cursors: written directly
            payload = f'["{sort}","{value.isoformat()}",{pk}]'.encode()
        else:
            payload = json.dumps([sort, _encode_value(value), pk], separators=(",", ":")).encode()
        signature = base64.urlsafe_b64encode(hmac.digest(self._key, payload, "sha256")[:12])
        return (base64.urlsafe_b64encode(payload).rstrip(b"=") + b"." + signature).decode()

    def decode(self, cursor: str, sort: SortKey, argument: str, descending: bool | None = None) -> tuple[Any, int]:
        """(value, id) of a cursor made for `sort` (and direction, when given)."""
        try:
            body, signature = cursor.rsplit(".", 1)
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            if not hmac.compare_digest(signature, self._sign(payload)):
                raise ValueError("bad signature")
            name, value, pk = json.loads(payload)
        except (ValueError, TypeError) as exc:
            raise BadPageRequest(f"`{argument}` is not a valid cursor", argument) from exc
        expected = sort.name if descending is None else _sort_tag(sort, descending)
        if name != expected:
            raise BadPageRequest(f"`{argument}` is a cursor of another sort order", argument)
        try:
            if value is None and sort.column is not None and not sort.nullable:
                raise ValueError("no sort value")
            return (sort.parse(value) if value is not None else None), int(pk)
        except (ValueError, TypeError) as exc:
            raise BadPageRequest(f"`{argument}` is not a valid cursor", argument) from exc


@dataclass(frozen=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def validated(self) -> PageRequest:
        if self.first is not None and self.last is not None:
            raise BadPageRequest("pass either `first` or `last`, not both", "last")
        for argument, value in (("first", self.first), ("last", self.last)):
            if value is not None and not 0 <= value <= MAX_PAGE:
                raise BadPageRequest(f"`{argument}` must be between 0 and {MAX_PAGE}", argument)
        return self


@dataclass(frozen=True)
class _Segment:
    """A run of the list read on one index range: rows with a sort value, or rows without."""

    null: bool  # True: the rows whose sort column is NULL (ordered by id alone)
    where: ColumnElement[bool] | None
    columns: tuple[Any, ...]


def _segments(sort: SortKey) -> list[_Segment]:
    if sort.column is None:
        return [_Segment(False, None, (sort.id_column,))]
    if not sort.nullable:
        return [_Segment(False, None, (sort.column, sort.id_column))]
    return [
        _Segment(False, sort.column.is_not(None), (sort.column, sort.id_column)),
        _Segment(True, sort.column.is_(None), (sort.id_column,)),
    ]


_EMPTY = object()  # a bound that no row of the segment passes


def _bound(segment: _Segment, sort: SortKey, cursor: tuple[Any, int], ascending: bool, after: bool) -> Any:
    """The rows of `segment` strictly after (or before) `cursor` in display order.

    None: every row of the segment; _EMPTY: none of them.
    """
    value, pk = cursor
    cursor_in_null_segment = sort.nullable and value is None
    if segment.null != cursor_in_null_segment:
        # NULLs come last: the null segment is after every valued row, and vice versa.
        segment_is_later = segment.null
        return None if segment_is_later == after else _EMPTY
    greater = ascending == after
    if segment.null or sort.column is None:
        return sort.id_column > pk if greater else sort.id_column < pk
    left = tuple_(sort.column, sort.id_column)
    right = tuple_(literal(value, sort.column.type), literal(pk, sort.id_column.type))
    return left > right if greater else left < right


def _between(
    segment: _Segment, sort: SortKey, after: tuple[Any, int] | None, before: tuple[Any, int] | None, ascending: bool
) -> list[Any] | None:
    """The WHERE clauses of `segment`'s rows between the cursors; None when none can be."""
    clauses = [segment.where] if segment.where is not None else []
    for cursor, is_after in ((after, True), (before, False)):
        if cursor is None:
            continue
        bound = _bound(segment, sort, cursor, ascending, is_after)
        if bound is _EMPTY:
            return None
        if bound is not None:
            clauses.append(bound)
    return clauses


def _row_key(row: Any, segment: _Segment) -> tuple[Any, ...]:
    return tuple(getattr(row, column.key) for column in segment.columns)


async def read_keyset(
    session: Any,
    branches: Sequence[Select],
    *,
    sort: SortKey,
    ascending: bool,
    after: tuple[Any, int] | None,
    before: tuple[Any, int] | None,
    limit: int,
    backwards: bool,
    as_rows: bool = False,
    branch_sorts: Sequence[SortKey] | None = None,
) -> list[Any]:
    """Up to `limit` rows between the cursors, in display order read forwards (or, when
    `backwards`, the last `limit` rows read from the end, still returned in reading order).
    The branches select ORM entities (read in an AsyncSession), or (`as_rows`) columns labelled
    with their attribute names (read on an AsyncConnection). `branch_sorts`: each branch's own
    sort column (same name, nullability and attribute key as `sort`'s; default `sort`)."""
    sorts = list(branch_sorts) if branch_sorts is not None else [sort] * len(branches)
    per_branch = [_segments(s)[::-1] if backwards else _segments(s) for s in sorts]
    read_ascending = ascending != backwards
    rows: list[Any] = []
    for position, segment in enumerate(per_branch[0]):
        need = limit - len(rows)
        found: dict[int, Any] = {}
        for branch, branch_sort, segments in zip(branches, sorts, per_branch, strict=True):
            own = segments[position]
            clauses = _between(own, branch_sort, after, before, ascending)
            if clauses is None:
                continue
            order = [c.asc() if read_ascending else c.desc() for c in own.columns]
            stmt = branch.where(*clauses).order_by(*order).limit(need)
            result = await session.execute(stmt) if as_rows else await session.scalars(stmt)
            for row in result.all():
                found[row.id] = row
        merged = sorted(found.values(), key=lambda r: _row_key(r, segment), reverse=not read_ascending)
        rows.extend(merged[:need])
        if len(rows) >= limit:
            break
    return rows


def page_of(
    rows: list[Any],
    *,
    limit: int,
    backwards: bool,
    page: PageRequest,
    sort: SortKey,
    descending: bool,
    codec: CursorCodec,
) -> tuple[list[Edge], PageInfo]:
    """Edges and PageInfo from up to `limit + 1` rows read in reading order."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    tag = _sort_tag(sort, descending)
    key = sort.column.key if sort.column is not None else None
    edges = [Edge(cursor=codec.encode(tag, getattr(row, key) if key else None, row.id), node=row) for row in rows]
    page_info = page_info_of(
        edges,
        has_next_page=has_more if not backwards else page.before is not None,
        has_previous_page=has_more if backwards else page.after is not None,
    )
    return edges, page_info


def page_shape(page: PageRequest) -> tuple[int, bool]:
    """(limit, backwards) of a validated page request."""
    backwards = page.last is not None or (page.before is not None and page.first is None)
    limit = page.last if backwards else page.first
    return (DEFAULT_PAGE if limit is None else limit), backwards


async def paginate(
    session_factory: Callable,
    stmt: Select | Sequence[Select],
    *,
    sort: SortKey,
    descending: bool,
    page: PageRequest,
    codec: CursorCodec,
    count_stmt: Select | None = None,
    count_branches: Sequence[Select] | None = None,
    make_node: Callable[[Any], Any] | None = None,
    branch_sorts: Sequence[SortKey] | None = None,
) -> Page:
    """One keyset page of `stmt` (a SELECT of ORM entities, or disjoint branches of one).

    `totalCount` counts `count_stmt`, else `count_branches` (the same rows written for
    counting), else the branches themselves. `make_node`: the statements select columns
    (labelled with the attribute names the sort reads), `session_factory` makes connections,
    not sessions, and each row of the page becomes `make_node(row)`. `branch_sorts`: each
    branch's own sort column (see `read_keyset`)."""
    page = page.validated()
    branches = [stmt] if isinstance(stmt, Select) else list(stmt)
    counted = count_branches or branches
    limit, backwards = page_shape(page)
    after = codec.decode(page.after, sort, "after", descending) if page.after is not None else None
    before = codec.decode(page.before, sort, "before", descending) if page.before is not None else None

    async with session_factory() as session:
        rows = await read_keyset(
            session,
            branches,
            sort=sort,
            ascending=not descending,
            after=after,
            before=before,
            limit=limit + 1,
            backwards=backwards,
            as_rows=make_node is not None,
            branch_sorts=branch_sorts,
        )
    if make_node is not None:
        rows = [make_node(row) for row in rows]
    edges, page_info = page_of(
        rows, limit=limit, backwards=backwards, page=page, sort=sort, descending=descending, codec=codec
    )

    async def count() -> int:
        queries = (
            [count_stmt]
            if count_stmt is not None
            else [select(func.count()).select_from(branch.order_by(None).subquery()) for branch in counted]
        )
        async with session_factory() as session:
            return sum([int((await session.execute(q)).scalar_one()) for q in queries])

    return Page(edges=edges, page_info=page_info, count=count)
