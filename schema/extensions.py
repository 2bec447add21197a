"""Schema extensions: caches, abuse limits, introspection switch, error masking."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
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
from resolvers.context import SERVICE_UNAVAILABLE_MESSAGE

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
        where = ".".join(map(str, error.path or [])) or "operation"
        code = _code_of(error.original_error)
        masked = super().anonymise_error(error)
        if code == "SERVICE_UNAVAILABLE":
            # An outage, not a bug: one line, no traceback per request.
            log.warning("database unavailable in %s (request %s): %r", where, request_id, error.original_error)
            masked.message = SERVICE_UNAVAILABLE_MESSAGE
        else:
            log.error("unexpected error in %s (request %s)", where, request_id, exc_info=error.original_error)
        masked.extensions = {"code": code, "requestId": request_id}
        return masked


def _code_of(exc: BaseException | None) -> str:
    from app.db import is_unavailable

    return "SERVICE_UNAVAILABLE" if is_unavailable(exc) else "INTERNAL_SERVER_ERROR"


class MarkExecution(SchemaExtension):
    """Tells the HTTP layer that parsing and validation passed (see app.graphql_view)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if context is not None and hasattr(context, "executed"):
            context.executed = True
        yield


def default_extensions() -> list:
    settings = get_settings()
    # The limiters' validation rules are built once: ValidationCache keys on the rule classes,
    # and QueryDepthLimiter/MaxAliasesLimiter make new classes per instance, which would make
    # every request miss the cache and validate the whole document again.
    limit_rules = (
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    )
    # Factories, so that each request gets fresh extension instances.
    extensions: list = [
        lambda: ParserCache(maxsize=1000),
        lambda: ValidationCache(maxsize=1000),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(list(limit_rules)),
        MarkExecution,
        MaskUnexpectedErrors,
    ]
    if not settings.introspection_enabled:
        extensions.insert(0, DisableIntrospection)
    return extensions
