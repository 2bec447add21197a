"""Schema extensions: caches, abuse limits, introspection switch, error masking."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
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


class OperationLimits(SchemaExtension):
    """The token limit, set as parsing starts, and extra validation rules, as validation starts.

    Strawberry's MaxTokensLimiter and AddValidationRules (DisableIntrospection is one) do the
    same from `on_operation`, a hook that stays suspended as long as its operation runs: for a
    subscription, as long as the subscriber stays, ~1.4 KB a hook. Must come before the parser
    and validation caches, which parse and validate inside their own hooks.
    """

    def __init__(self, max_tokens: int, validation_rules: tuple) -> None:
        self.max_tokens, self.validation_rules = max_tokens, validation_rules

    def on_parse(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.max_tokens
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, *self.validation_rules)
        yield


class SafeParserCache(ParserCache):
    """ParserCache, minus its bug (strawberry#1439): it parses inside its hook, outside the
    error handling of Strawberry's own parse, so a syntax error (or too many tokens) in a
    subscription escaped as an exception: a logged traceback and a bare `complete` instead
    of closing with 4400. Here a failing parse is left to Strawberry, which reports it."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        except GraphQLError:
            pass  # parsed again, and reported, by Strawberry
        yield


def default_extensions() -> list:
    settings = get_settings()
    # The limiters' validation rules are built once: ValidationCache keys on the rule classes,
    # and QueryDepthLimiter/MaxAliasesLimiter make new classes per instance, which would make
    # every request miss the cache and validate the whole document again.
    limit_rules = (
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        *(() if settings.introspection_enabled else (NoSchemaIntrospectionCustomRule,)),
    )
    # Factories, so that each request gets fresh extension instances.
    return [
        lambda: OperationLimits(settings.max_tokens, limit_rules),
        lambda: SafeParserCache(maxsize=1000),
        lambda: ValidationCache(maxsize=1000),
        MarkExecution,
        MaskUnexpectedErrors,
    ]
