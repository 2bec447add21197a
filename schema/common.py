"""Types shared by every domain: money, errors, pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from typing import Generic, TypeVar

import dateutil.parser
import strawberry
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, wrap_parser

from domain.errors import DomainError, ErrorCode
from domain.validation import EARLIEST_TIME, LATEST_TIME
from models.snapshots import is_model
from resolvers import pagination
from schema.fast_path import info_unused

UserErrorCode = strawberry.enum(ErrorCode, name="UserErrorCode")


def _date_in_window(value: str) -> dt.date:
    """An ISO date from 1900 to 2199, as date-times are (domain.validation)."""
    parsed = dt.date.fromisoformat(value)
    if not EARLIEST_TIME.date() <= parsed < LATEST_TIME.date():
        raise ValueError("out of range")
    return parsed


# Strawberry's Date and DateTime, except that a value they cannot parse is refused without the
# parser's own exception text ("Expected 4 digits, got 'garb'") in the message.
SCALAR_OVERRIDES = {
    dt.datetime: replace(
        DateTimeDefinition, parse_value=wrap_parser(dateutil.parser.isoparse, "DateTime", include_error=False)
    ),
    dt.date: replace(DateDefinition, parse_value=wrap_parser(_date_in_window, "Date", include_error=False)),
}


@strawberry.type(description="An amount of money: `amount` is a decimal string, never a float.")
class Money:
    amount: Decimal
    currency: str


def money(amount: Decimal | None, currency: str) -> Money | None:
    return None if amount is None else Money(amount=amount, currency=currency)


@strawberry.type(description="Why a mutation was refused; nothing was changed.")
class UserError:
    code: UserErrorCode
    message: str
    field: list[str] | None = strawberry.field(
        default=None, description="Path to the input field at fault, e.g. ['input', 'lineItems', '0']."
    )


def user_errors(errors: list[DomainError]) -> list[UserError]:
    """The domain's refusals (from the mutation runner) as a payload's `errors`."""
    return [UserError(code=e.code, message=e.message, field=e.field) for e in errors]


# The page types below are the GraphQL shape of resolvers.pagination's plain Page, Edge and
# PageInfo: resolvers return those, these types read their attributes.


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


NodeT = TypeVar("NodeT")


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    """A page of a list, in the Relay cursor-connection shape."""

    edges: list[Edge[NodeT]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list (all pages) has.")
    async def total_count(self) -> int:
        return await self.count()


SortDirection = strawberry.enum(pagination.SortDirection)


def of_model(model: type):
    """`is_type_of` of a type whose values are entities of `model` or snapshots of them."""

    @info_unused
    def is_type_of(cls, obj, _info) -> bool:
        return isinstance(obj, cls) or is_model(obj, model)

    return classmethod(is_type_of)


def checks_read(*columns: str) -> Callable:
    """Marks an `is_type_of` with the columns of its row it reads besides the id, so that a list
    reads them with the rest (resolvers.order_rows.columns_read)."""

    def mark(is_type_of: Callable) -> Callable:
        is_type_of.reads = columns  # type: ignore[attr-defined]
        return is_type_of

    return mark


def reads(*columns: str) -> dict[str, tuple[str, ...]]:
    """A resolver's `metadata`: the columns of its parent row it reads, so that a list may read
    only those (resolvers.order_rows.columns_read); a resolver without it may read any."""
    return {"reads": columns}
