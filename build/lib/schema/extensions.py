"""Schema extensions: caches, abuse limits, introspection switch, error masking."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from app.settings import get_settings

log = logging.getLogger("provider_orders.graphql")


def is_expected(error: GraphQLError) -> bool:
    """Errors we raise on purpose (GraphQLError with a code) and GraphQL's own pass through."""
    return error.original_error is None or isinstance(error.original_error, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """Hide internals from clients; log them here with the request id the client sees."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_expected(error), error_message="Internal server error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        log.error(
            "unexpected error in %s (request %s)",
            ".".join(map(str, error.path or [])) or "operation",
            request_id,
            exc_info=error.original_error,
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": _code_of(error.original_error), "requestId": request_id}
        return masked


def _code_of(exc: BaseException | None) -> str:
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, TimeoutError

    if isinstance(exc, OperationalError | InterfaceError | TimeoutError | ConnectionError | OSError):
        return "SERVICE_UNAVAILABLE"
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "SERVICE_UNAVAILABLE"
    return "INTERNAL_SERVER_ERROR"


class MarkExecution(SchemaExtension):
    """Tells the HTTP layer that parsing and validation passed (see app.graphql_view)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if context is not None and hasattr(context, "executed"):
            context.executed = True
        yield


def default_extensions() -> list:
    settings = get_settings()
    # Factories, so that each request gets fresh extension instances.
    extensions: list = [
        lambda: ParserCache(maxsize=1000),
        lambda: ValidationCache(maxsize=1000),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        MarkExecution,
        MaskUnexpectedErrors,
    ]
    if not settings.introspection_enabled:
        extensions.insert(0, DisableIntrospection)
    return extensions
