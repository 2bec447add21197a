"""Input checks shared by the domain actions. Each raises VALIDATION with the input field."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from email_validator import EmailNotValidError, validate_email

from domain.errors import DomainError, ErrorCode, ValidationErrors, invalid

T = TypeVar("T")

MAX_TEXT = 10_000  # comments, reasons, plans, terms, descriptions
MAX_LIST_INPUT = 1_000  # items of any list in a mutation's input (most have lower caps of their own)
# Input fields that may hold several lines of text; every other text input is one line (names,
# e-mail addresses, phones, ids...), which may end up in e-mail headers or CSV cells.
MULTI_LINE_FIELDS = frozenset({"body", "description", "plan", "terms", "reason", "message"})
# Any time given is converted to UTC and must fall in this window: Python cannot represent the
# UTC time of 9999-12-31T23:59:59-05:00, and no date of this domain is near either end.
EARLIEST_TIME = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2200, 1, 1, tzinfo=UTC)

# NUL (PostgreSQL text cannot hold it) and lone surrogates (not encodable as UTF-8) anywhere;
# in one-line text also every other control character and the line and paragraph separators.
_NEVER = re.compile("[\x00\ud800-\udfff]")
_NOT_ON_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


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
    except EmailNotValidError:
        raise invalid("not a valid e-mail address", field) from None


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


def text_problem(value: str, *, one_line: bool) -> str | None:
    """What is wrong with `value` as text input, or None."""
    match = (_NOT_ON_ONE_LINE if one_line else _NEVER).search(value)
    if match is None:
        return None
    char = match.group()
    if char == "\x00":
        return "must not contain NUL characters"
    if "\ud800" <= char <= "\udfff":
        return "must not contain unpaired surrogates (the text is not valid Unicode)"
    return "must be a single line without control characters"


def plain_text(value: str, field: list[str], *, one_line: bool = True, what: str = "text") -> str:
    """`value`, when it holds no character that `text_problem` refuses; else VALIDATION."""
    problem = text_problem(value, one_line=one_line)
    if problem is not None:
        raise invalid(f"{what} {problem}", field)
    return value


def check_input(value: Any, field: list[str], problems: Problems, *, name: str | None = None) -> None:
    """Checks every text and list of an input value (a mutation's arguments as the client
    sent them: dicts, lists, scalars) wherever it is: no NUL or unpaired surrogate in any
    text, one line only in fields not named in MULTI_LINE_FIELDS, no list longer than
    MAX_LIST_INPUT. `field` is the path of `value`, e.g. ['input', 'leads', '3', 'name'];
    `name` the input field it belongs to (the list's, for an item of a list)."""
    name = name if name is not None else (field[-1] if field else "text")
    if isinstance(value, str):
        one_line = name not in MULTI_LINE_FIELDS
        if (_NOT_ON_ONE_LINE if one_line else _NEVER).search(value) is not None:
            problems.check(plain_text, value, field, one_line=one_line, what=f"`{name}`")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_input(item, [*field, str(key)], problems)
    elif isinstance(value, list | tuple):
        if len(value) > MAX_LIST_INPUT:
            problems.check(capped_list, value, field, maximum=MAX_LIST_INPUT, what=f"items in `{name}`")
            return
        for i, item in enumerate(value):
            check_input(item, [*field, str(i)], problems, name=name)


def aware_utc(value: datetime) -> datetime:
    """Times without an offset are read as UTC. OverflowError when the UTC time is before
    year 1 or after 9999 (see `utc_time`)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def in_time_window(value: datetime) -> datetime | None:
    """`value` in UTC, or None when it is outside EARLIEST_TIME..LATEST_TIME."""
    try:
        value = aware_utc(value)
    except (OverflowError, ValueError):
        return None
    return value if EARLIEST_TIME <= value < LATEST_TIME else None


def time_window_message(what: str) -> str:
    return f"{what} must be from {EARLIEST_TIME:%Y-%m-%d} to before {LATEST_TIME:%Y-%m-%d} (UTC)"


def utc_time(value: datetime, field: list[str], *, what: str) -> datetime:
    """`value` in UTC; VALIDATION when outside EARLIEST_TIME..LATEST_TIME."""
    utc = in_time_window(value)
    if utc is None:
        raise invalid(time_window_message(what), field)
    return utc


def future_time(value: datetime, field: list[str], now: datetime, *, what: str) -> datetime:
    value = utc_time(value, field, what=what)
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

    def check(self, check: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`check`'s value; when it refuses, None, and the problem is kept: the caller's
        `raise_any()` raises before anything it built from that None is used."""
        try:
            return check(*args, **kwargs)
        except DomainError as error:
            if error.code is not ErrorCode.VALIDATION:
                raise
            self.errors.extend(error.errors if isinstance(error, ValidationErrors) else [error])
            return None  # type: ignore[return-value]  # see the docstring

    def raise_any(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ValidationErrors(self.errors)
