"""Types shared by every domain: money, errors, pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any, Generic, TypeVar

import dateutil.parser
import strawberry
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition, DecimalDefinition, wrap_parser

from domain.errors import DomainError, ErrorCode
from domain.validation import EARLIEST_TIME, LATEST_TIME
from models.snapshots import is_model
from resolvers import pagination
from schema.fast_path import info_unused


def described_enum(cls: Any, description: str, values: dict[str, str], *, name: str | None = None) -> Any:
    """`strawberry.enum` for an enum of a lower layer (models, domain), with the GraphQL
    descriptions of it and of each of its values kept here, beside the rest of the schema. A
    value missing from `values` has none (tests/test_schema_described.py names it)."""
    strawberry.enum(cls, name=name, description=description)
    for value in cls.__strawberry_definition__.values:
        value.description = values.get(value.name)
    return cls


UserErrorCode = described_enum(
    ErrorCode,
    "Why a mutation was refused (`UserError.code`); `message` says it in words, `field` where.",
    {
        "NOT_FOUND": (
            "An id in the input names nothing you may see: it does not exist, or is not yours to see "
            "(the two read alike), or it is an id of another type."
        ),
        "FORBIDDEN": (
            "You see the object, but your part in it does not allow this (e.g. a provider approving, "
            "a partner recording leads, anyone but a supplier reading delivery failures)."
        ),
        "INVALID_TRANSITION": (
            "Not in the object's current state: the order's status does not allow this action "
            "(see `Order.availableActions`), the quote is no longer open, or the order is archived."
        ),
        "VALIDATION": (
            "An input value is wrong: empty or too long text, too many items, a bad e-mail address, "
            "amount or date, a time in the past, or values that do not fit together; `field` names it."
        ),
        "QUOTE_EXPIRED": "The quote was past its `expiresAt` when you tried to accept it.",
        "INSUFFICIENT_FUNDS": (
            "The MDF fund's available amount is less than the order's rate (approving an order or "
            "accepting a quote paid by MDF)."
        ),
        "CONFLICT": (
            "Someone changed the same thing at the same moment (any mutation may meet it, rarely); "
            "nothing was changed: reload and try again."
        ),
        "FEATURE_DISABLED": (
            "The portal has the feature this needs switched off (the Marketplace, the Provider Locator or MDF)."
        ),
    },
    name="UserErrorCode",
)


def _date_in_window(value: str) -> dt.date:
    """An ISO date from 1900 to 2199, as date-times are (domain.validation)."""
    parsed = dt.date.fromisoformat(value)
    if not EARLIEST_TIME.date() <= parsed < LATEST_TIME.date():
        raise ValueError("out of range")
    return parsed


# Strawberry's Date and DateTime, except that a value they cannot parse is refused without the
# parser's own exception text ("Expected 4 digits, got 'garb'") in the message.
# The descriptions say the formats.
SCALAR_OVERRIDES = {
    dt.datetime: replace(
        DateTimeDefinition,
        description=(
            "A point in time, ISO 8601 (`2026-12-06T14:30:00+00:00`). The API sends UTC; a value you "
            "send without an offset is taken as UTC."
        ),
        parse_value=wrap_parser(dateutil.parser.isoparse, "DateTime", include_error=False),
    ),
    dt.date: replace(
        DateDefinition,
        description="A calendar day, ISO 8601 (`2026-12-06`), no time zone. Years 1900 to 2199.",
        parse_value=wrap_parser(_date_in_window, "Date", include_error=False),
    ),
    Decimal: replace(
        DecimalDefinition,
        description=(
            'An exact decimal number as a string (`"1500.00"`), never a float: money amounts, in the '
            "units of their currency. Send it as a string too."
        ),
    ),
}


@strawberry.type(description="An amount of money: `amount` is a decimal string, never a float.")
class Money:
    amount: Decimal = strawberry.field(description='The amount, a decimal string (`"1500.00"`).')
    currency: str = strawberry.field(description="ISO 4217 currency code (`USD`, `EUR`).")


def money(amount: Decimal | None, currency: str) -> Money | None:
    return None if amount is None else Money(amount=amount, currency=currency)


@strawberry.type(description="Why a mutation was refused; nothing was changed.")
class UserError:
    code: UserErrorCode = strawberry.field(description="What kind of refusal: a stable code to branch on.")
    message: str = strawberry.field(description="What went wrong, in English words for a person to read.")
    field: list[str] | None = strawberry.field(
        default=None, description="Path to the input field at fault, e.g. ['input', 'lineItems', '0']."
    )


ERRORS = "Why the mutation was refused; empty when it succeeded. When not empty, nothing was changed."


def user_errors(errors: list[DomainError]) -> list[UserError]:
    """The domain's refusals (from the mutation runner) as a payload's `errors`."""
    return [UserError(code=e.code, message=e.message, field=e.field) for e in errors]


# The page types below are the GraphQL shape of resolvers.pagination's plain Page, Edge and
# PageInfo: resolvers return those, these types read their attributes.


@strawberry.type(description="Where a page is in its list, and the cursors to get the next or previous one.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether items follow this page: ask with `after: endCursor`.")
    has_previous_page: bool = strawberry.field(
        description="Whether items precede this page: ask with `before: startCursor` (where the list takes `before`)."
    )
    start_cursor: str | None = strawberry.field(description="The first item's cursor; null for an empty page.")
    end_cursor: str | None = strawberry.field(description="The last item's cursor; null for an empty page.")


# The page arguments of every list with cursors.
FIRST = strawberry.argument(description="How many items from the start, or after `after`: 0 to 100 (default 20).")
AFTER = strawberry.argument(description="A cursor (`pageInfo.endCursor`, or an edge's): the items after it.")
LAST = strawberry.argument(description="How many items from the end, or before `before`: 0 to 100.")
BEFORE = strawberry.argument(description="A cursor (`pageInfo.startCursor`, or an edge's): the items before it.")

NodeT = TypeVar("NodeT")


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(
        description="Opaque position of this item: `after` (or `before`) it gets the items after (before) it."
    )
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(
    description=(
        "A page of a list (Relay cursor connection): the items in `edges` (with cursors) or `nodes`, "
        "`pageInfo` to page on, `totalCount` for the whole list. Pages hold at most 100 items."
    )
)
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The page's items with their cursors, in list order.")
    page_info: PageInfo = strawberry.field(description="Whether there are more pages, and the cursors to get them.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The page's items without their cursors: `edges { node }` as a plain list.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items the whole list (all pages) has.")
    async def total_count(self) -> int:
        return await self.count()


SortDirection = described_enum(
    pagination.SortDirection,
    "Sort order.",
    {"ASC": "Ascending: oldest or earliest first.", "DESC": "Descending: newest or latest first."},
)


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
