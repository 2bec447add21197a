"""Input checks shared by the domain actions. Each raises VALIDATION with the input field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email

from domain.errors import DomainError, ErrorCode, ValidationErrors, invalid

T = TypeVar("T")

MAX_TEXT = 10_000  # comments, reasons, plans, terms, descriptions


def required_text(value: str | None, field: list[str], *, max_length: int = MAX_TEXT, what: str = "text") -> str:
    """`value` stripped; VALIDATION when empty or longer than `max_length` characters."""
    text = (value or "").strip()
    if not text:
        raise invalid(f"{what} must not be empty", field)
    if len(text) > max_length:
        raise invalid(f"{what} must be at most {max_length} characters (got {len(text)})", field)
    return text


def optional_text(value: str | None, field: list[str], *, max_length: int = MAX_TEXT, what: str = "text") -> str | None:
    """`value` stripped, None when blank; VALIDATION when too long."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > max_length:
        raise invalid(f"{what} must be at most {max_length} characters (got {len(text)})", field)
    return text


def email_address(value: str, field: list[str]) -> str:
    """A syntactically valid e-mail address, normalised (domain lower-cased); no DNS look-up."""
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise invalid(f"{value!r} is not a valid e-mail address: {error}", field) from None


def optional_email(value: str | None, field: list[str]) -> str | None:
    return email_address(value, field) if value and value.strip() else None


def capped_list(values: list, field: list[str], *, maximum: int, minimum: int = 0, what: str = "items") -> list:
    if len(values) < minimum:
        raise invalid(f"give at least {minimum} {what}", field)
    if len(values) > maximum:
        raise invalid(f"at most {maximum} {what} at once (got {len(values)})", field)
    return values


def positive_decimal(value: Decimal, field: list[str], *, places: int, maximum: Decimal, what: str) -> Decimal:
    """A finite Decimal > 0 with at most `places` decimals and not above `maximum`."""
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    if not value.is_finite():
        raise invalid(f"{what} must be a number", field)
    if value <= 0:
        raise invalid(f"{what} must be greater than zero", field)
    if value > maximum:
        raise invalid(f"{what} must be at most {maximum}", field)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise invalid(f"{what} must have at most {places} decimal places", field)
    return value


def whole_number(value: int, field: list[str], *, minimum: int, maximum: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise invalid(f"{what} must be a whole number from {minimum:,} to {maximum:,}", field)
    return value


def aware_utc(value: datetime) -> datetime:
    """Times without an offset are read as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def future_time(value: datetime, field: list[str], now: datetime, *, what: str) -> datetime:
    value = aware_utc(value)
    if value <= now:
        raise invalid(f"{what} must be in the future", field)
    return value


def not_past_date(value: date, field: list[str], today: date, *, what: str) -> date:
    if value < today:
        raise invalid(f"{what} must not be in the past", field)
    return value




class Problems:
    """Collects VALIDATION errors of independent fields so the client sees them all at once."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def check(self, check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return check(*args, **kwargs)
        except DomainError as error:
            if error.code is not ErrorCode.VALIDATION:
                raise
            self.errors.extend(error.errors if isinstance(error, ValidationErrors) else [error])
            return None

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ValidationErrors(self.errors)
