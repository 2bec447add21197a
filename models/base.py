"""Declarative base and the column types shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general

        def process(value: str | None) -> datetime | None:
            # SQLite's text, read as UTC in one step: five times faster than parsing, then
            # `replace(tzinfo=...)`, which a page of 50 orders does 500 times.
            try:
                parsed = datetime.fromisoformat(value + "+00:00")  # type: ignore[operator]
            except (TypeError, ValueError):  # None, or text in another form
                return general(value)
            return parsed if parsed.tzinfo is not None else general(value)

        return process


class ScaledDecimal(TypeDecorator[Decimal]):
    """An exact Decimal stored as a scaled integer (cents for money).

    Integers are exact on SQLite and PostgreSQL alike, so sums in SQL stay exact too.
    """

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int = 2):
        super().__init__()
        self.scale = scale
        self.quantum = Decimal(1).scaleb(-scale)

    def process_bind_param(self, value: Decimal | None, dialect) -> int | None:
        if value is None:
            return None
        return int(Decimal(value).quantize(self.quantum, rounding=ROUND_HALF_UP).scaleb(self.scale))

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale).quantize(self.quantum)


def Money() -> ScaledDecimal:  # capitalised: reads like a type in column declarations
    return ScaledDecimal(2)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
