"""Input checks and look-ups shared by the administrative actions."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode, invalid
from domain.validation import optional_text, required_text
from models import Portal

MAX_NAME = 200
MAX_AMOUNT = Decimal("1000000000000")  # a trillion: above any fund, below the scaled-integer column's range
_CURRENCY = re.compile(r"[A-Za-z]{3}")


def f(*path: str | int) -> list[str]:
    """An input field's path (`['input', 'name']`)."""
    return ["input", *map(str, path)]


def name(value: str | None, field: list[str], *, max_length: int = MAX_NAME, what: str = "name") -> str:
    return required_text(value, field, max_length=max_length, what=what)


def description(value: str | None, field: list[str], *, max_length: int = 4000) -> str | None:
    return optional_text(value, field, max_length=max_length, what="description")


def currency(value: str, field: list[str]) -> str:
    """Three letters (ISO 4217 style), upper-cased."""
    text = (value or "").strip()
    if not _CURRENCY.fullmatch(text):
        raise invalid("a currency is three letters, e.g. USD", field)
    return text.upper()


def amount(value: Any, field: list[str], *, what: str, signed: bool = False, nonzero: bool = False) -> Decimal:
    """A finite decimal with at most two places, not negative (unless `signed`), at most MAX_AMOUNT."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise invalid(f"{what} must be a decimal number such as 1500.00", field) from None
    if not number.is_finite():
        raise invalid(f"{what} must be a decimal number such as 1500.00", field)
    if number < 0 and not signed:
        raise invalid(f"{what} must not be negative", field)
    if nonzero and number == 0:
        raise invalid(f"{what} must not be zero", field)
    if abs(number) > MAX_AMOUNT:
        raise invalid(f"{what} must be at most {MAX_AMOUNT}", field)
    if number != number.quantize(Decimal("0.01")):
        raise invalid(f"{what} must have at most 2 decimal places", field)
    return number.quantize(Decimal("0.01"))


async def lock_portal(session: AsyncSession, portal_id: int) -> Portal:
    """The portal's row, locked for the transaction (PostgreSQL; SQLite's writers are serialised
    already): administrative changes of one portal run one after another, so a name checked as
    free stays free until the change commits."""
    portal = await session.scalar(
        select(Portal).where(Portal.id == portal_id).with_for_update().execution_options(populate_existing=True)
    )
    assert portal is not None, "a viewer's portal exists"
    return portal


async def require_unique(
    session: AsyncSession,
    column: Any,
    value: str,
    *scope: ColumnElement[bool],
    what: str,
    field: list[str],
    exclude_id: Any = None,
) -> None:
    """CONFLICT when a row in `scope` already has `value` in `column` (compared case-insensitively)."""
    stmt = select(column).where(func.lower(column) == value.lower(), *scope)
    if exclude_id is not None:
        stmt = stmt.where(exclude_id)
    if await session.scalar(stmt.limit(1)) is not None:
        raise DomainError(ErrorCode.CONFLICT, f"{what} {value!r} already exists", field)
