"""Errors the domain raises; the GraphQL layer turns them into typed `UserError`s."""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    VALIDATION = "VALIDATION"
    QUOTE_EXPIRED = "QUOTE_EXPIRED"
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    CONFLICT = "CONFLICT"
    FEATURE_DISABLED = "FEATURE_DISABLED"


class DomainError(Exception):
    """A refused request: nothing was changed. `field` is the input path it concerns."""

    def __init__(self, code: ErrorCode, message: str, field: list[str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class ValidationErrors(DomainError):
    """Several input problems reported at once."""

    def __init__(self, errors: list[DomainError]):
        super().__init__(errors[0].code, errors[0].message, errors[0].field)
        self.errors = errors


def not_found(what: str, field: list[str] | None = None) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"{what} not found", field)


def invalid(message: str, field: list[str] | None = None) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, field)
