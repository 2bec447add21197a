"""Keyset (cursor) pagination: a page costs the same wherever it is in the list.

A cursor is the sort key plus the id of an edge, signed so that a tampered cursor, or one
from another sort, is refused instead of silently paging somewhere else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graphql import GraphQLError
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from schema.common import Connection, Edge, PageInfo

MAX_PAGE = 100
DEFAULT_PAGE = 20


class BadPageRequest(GraphQLError):
    def __init__(self, message: str, argument: str):
        super().__init__(message, extensions={"code": "BAD_USER_INPUT", "argument": argument})


@dataclass(frozen=True)
class SortKey:
    """A named ordering: a column (never NULL) then the id as tie-break."""

    name: str
    column: InstrumentedAttribute | None  # None: by id alone
    id_column: InstrumentedAttribute
    parse: Callable[[Any], Any] = lambda v: v


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def parse_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value)


def parse_date(value: str) -> date:
    return date.fromisoformat(value)


class CursorCodec:
    def __init__(self, secret: str):
        self._key = hashlib.sha256(("cursor:" + secret).encode()).digest()

    def _sign(self, payload: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self._key, payload, "sha256").digest()[:12]).decode()

    def encode(self, sort: str, value: Any, pk: int) -> str:
        payload = json.dumps([sort, _encode_value(value), pk], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + self._sign(payload)

    def decode(self, cursor: str, sort: SortKey, argument: str) -> tuple[Any, int]:
        try:
            body, signature = cursor.rsplit(".", 1)
            payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            if not hmac.compare_digest(signature, self._sign(payload)):
                raise ValueError("bad signature")
            name, value, pk = json.loads(payload)
        except (ValueError, TypeError) as exc:
            raise BadPageRequest(f"`{argument}` is not a valid cursor", argument) from exc
        if name != sort.name:
            raise BadPageRequest(f"`{argument}` is a cursor of another sort order", argument)
        try:
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


def _after_clause(sort: SortKey, value: Any, pk: int, ascending: bool) -> Any:
    """Rows strictly after (value, pk) in the given direction."""
    if sort.column is None:
        return sort.id_column > pk if ascending else sort.id_column < pk
    col, id_col = sort.column, sort.id_column
    if ascending:
        return or_(col > value, and_(col == value, id_col > pk))
    return or_(col < value, and_(col == value, id_col < pk))


async def paginate(
    session_factory: Callable,
    stmt: Select,
    *,
    sort: SortKey,
    descending: bool,
    page: PageRequest,
    codec: CursorCodec,
    count_stmt: Select | None = None,
) -> Connection:
    """Run one keyset page of `stmt` (a SELECT of ORM entities) as a Connection."""
    page = page.validated()
    unpaged = stmt
    backwards = page.last is not None or (page.before is not None and page.first is None)
    limit = page.last if backwards else page.first
    limit = DEFAULT_PAGE if limit is None else limit
    ascending = not descending
    # Walking backwards means reading in the opposite direction, then reversing.
    read_ascending = ascending != backwards

    if page.after is not None:
        value, pk = codec.decode(page.after, sort, "after")
        stmt = stmt.where(_after_clause(sort, value, pk, ascending))
    if page.before is not None:
        value, pk = codec.decode(page.before, sort, "before")
        stmt = stmt.where(_after_clause(sort, value, pk, not ascending))

    order = [c.asc() if read_ascending else c.desc() for c in (sort.column, sort.id_column) if c is not None]
    stmt = stmt.order_by(*order).limit(limit + 1)
    async with session_factory() as session:
        rows: Sequence[Any] = (await session.scalars(stmt)).all()
    has_more = len(rows) > limit
    rows = list(rows[:limit])
    if backwards:
        rows.reverse()

    def cursor(row: Any) -> str:
        value = getattr(row, sort.column.key) if sort.column is not None else None
        return codec.encode(sort.name, value, row.id)

    edges = [Edge(cursor=cursor(row), node=row) for row in rows]
    page_info = PageInfo(
        has_next_page=has_more if not backwards else page.before is not None,
        has_previous_page=has_more if backwards else page.after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )

    async def count() -> int:
        query = count_stmt
        if query is None:
            query = select(func.count()).select_from(unpaged.subquery())
        async with session_factory() as session:
            return int((await session.execute(query)).scalar_one())

    return Connection(edges=edges, page_info=page_info, count=count)
