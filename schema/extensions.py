"""Schema extensions: the document cache, cost before work, introspection switch, error masking."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterator
from typing import Protocol

from cachetools import LRUCache
from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, OperationDefinitionNode, parse, validate
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from models.database import is_unavailable
from resolvers.context import SERVICE_UNAVAILABLE_MESSAGE, subscription_budget
from schema.cost import (
    MAX_MERGE_WORK,
    document_limits_rule,
    merge_work,
    query_cost,
    subscriptions_too_costly,
    too_complex,
    too_much_merging,
)
from schema.recheck import RecheckViewer

log = logging.getLogger("provider_orders.graphql")


# The operation named by the request is not in the document, or is not allowed here: the
# client's mistake, reported as such (Strawberry raises these outside GraphQLError).
REQUEST_ERRORS = (CannotGetOperationTypeError, InvalidOperationTypeError)
MAX_MESSAGE_LENGTH = 500  # graphql-core quotes a refused variable's whole value


class SchemaSettings(Protocol):
    """The settings the schema is built with (app.settings.Settings has them)."""

    max_tokens: int
    max_query_length: int
    max_query_depth: int
    max_aliases: int
    max_fragment_spreads: int
    max_query_cost: int
    max_subscription_cost_per_user: int
    document_cache_bytes: int
    document_cache_max_length: int

    @property
    def introspection_enabled(self) -> bool: ...

    @property
    def suggestions_enabled(self) -> bool: ...


def is_expected(error: GraphQLError) -> bool:
    """Errors we raise on purpose (GraphQLError with a code) and GraphQL's own pass through."""
    original = error.original_error
    return original is None or isinstance(original, (GraphQLError, *REQUEST_ERRORS))


def _code_for_client_error(error: GraphQLError) -> str | None:
    """The code of an expected error that came without one."""
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if isinstance(error.original_error, REQUEST_ERRORS):
        return "BAD_REQUEST"
    if error.message.startswith("Variable '$") and isinstance(error.original_error, GraphQLError | None):
        return "BAD_USER_INPUT"
    return None


class MaskUnexpectedErrors(MaskErrors):
    """Hide internals from clients; log them here with the request id the client sees."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_expected(error), error_message="Internal server error")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        for error in errors:
            if "code" in (error.extensions or {}):
                continue
            code = _code_for_client_error(error)
            if code is not None:
                error.extensions = {**(error.extensions or {}), "code": code}
                if len(error.message) > MAX_MESSAGE_LENGTH:
                    error.message = error.message[:MAX_MESSAGE_LENGTH] + "..."
        return super()._process_errors(errors)

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
    return "SERVICE_UNAVAILABLE" if is_unavailable(exc) else "INTERNAL_SERVER_ERROR"


UNTRUSTED = "this server runs only its trusted documents (TRUSTED_DOCUMENTS); this operation is not one of them"


class TrustedDocumentsOnly(SchemaExtension):
    """With TRUSTED_DOCUMENTS, an operation whose text is not one of them is refused before
    validation, over WebSocket as over HTTP (where app.persisted refuses it first)."""

    def __init__(self, hashes: frozenset[str]) -> None:
        self.hashes = hashes

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if (
            query is not None
            and context.pre_execution_errors is None
            and hashlib.sha256(query.encode("utf-8")).hexdigest() not in self.hashes
        ):
            context.pre_execution_errors = [GraphQLError(UNTRUSTED, extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})]
        yield


class MarkExecution(SchemaExtension):
    """Tells the HTTP layer that parsing and validation passed (see app.graphql_view)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if context is not None and hasattr(context, "executed"):
            context.executed = True
        yield


class DocumentCache:
    """Parsed documents and their validation errors by query text, the least recently used
    dropped first, bounded by the memory they are estimated to take; a document longer than
    `max_length` characters is parsed and validated every time instead of being kept."""

    # A parsed document (with locations, which keep every token) takes about this many bytes
    # per character of its text.
    BYTES_PER_CHARACTER = 128

    def __init__(self, max_bytes: int, max_length: int) -> None:
        self.max_length = min(max_length, max_bytes // self.BYTES_PER_CHARACTER)
        self.entries: LRUCache[str, CachedDocument] = LRUCache(maxsize=max_bytes, getsizeof=lambda e: e.size)

    def get(self, query: str) -> CachedDocument | None:
        return self.entries.get(query)

    def add(self, query: str, document: DocumentNode) -> CachedDocument:
        entry = CachedDocument(document, len(query) * self.BYTES_PER_CHARACTER)
        if len(query) <= self.max_length:
            self.entries[query] = entry
        return entry

    @property
    def size(self) -> int:
        """The estimated bytes held."""
        return int(self.entries.currsize)


class CachedDocument:
    __slots__ = ("costs", "document", "errors", "rules", "size")

    # Costs kept per document (by operation and declared variables), forgotten all at once past
    # MAX_COSTS; longer keys are not kept. At most about what a short document's entry is counted.
    MAX_COSTS = 16
    MAX_COST_KEY = 256

    def __init__(self, document: DocumentNode, size: int) -> None:
        self.document, self.size = document, size
        self.errors: list[GraphQLError] | None = None
        self.rules: tuple = ()  # the validation rules `errors` come from
        self.costs: dict[str, int] = {}


class Documents(SchemaExtension):
    """Parsing and validation, each done once per distinct document (see DocumentCache), with
    the document limits of schema.cost, then the operation's cost, known once the variables
    are: a costly operation is refused before any resolver runs (QUERY_TOO_COMPLEX).

    Strawberry's MaxTokensLimiter and AddValidationRules do the same from `on_operation`, a
    hook that stays suspended as long as its operation runs: for a subscription, as long as
    the subscriber stays, ~1.4 KB a hook; so the limits are set here, in `on_parse` and
    `on_validate`.

    Unlike Strawberry's ParserCache (strawberry#1439), a document that does not parse is left
    to Strawberry's own parse, which reports the error (a subscription over WebSocket is then
    closed with 4400, not left with a logged traceback and a bare `complete`).
    """

    def __init__(self, settings: SchemaSettings, rules: tuple, cache: DocumentCache, *, hide_suggestions: bool = False):
        """`rules`: the document limits rule first. `hide_suggestions`: graphql-core's option,
        no "Did you mean" in validation errors."""
        self.settings, self.rules, self.cache, self.hide_suggestions = settings, rules, cache, hide_suggestions
        self.entry: CachedDocument | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        options = context.parse_options
        options["max_tokens"] = self.settings.max_tokens  # comments included (graphql-core 3.3)
        options["max_source_length"] = self.settings.max_query_length  # type: ignore[typeddict-unknown-key]
        query = context.query
        if query and context.graphql_document is None:
            self.entry = self.cache.get(query)
            if self.entry is None:
                with contextlib.suppress(GraphQLError):  # parsed again, and reported, by Strawberry
                    self.entry = self.cache.add(query, parse(query, **options))
            if self.entry is not None:
                context.graphql_document = self.entry.document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            rules = (*context.validation_rules, *self.rules, *STRAWBERRY_RULES)
            entry = self.entry if self.entry is not None and self.entry.document is document else None
            if entry is not None and entry.errors is not None and entry.rules == rules:
                errors = entry.errors
            else:
                errors = self.validated(document, rules)
                for error in errors:
                    if "code" not in (error.extensions or {}):
                        error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"}
                if entry is not None:
                    entry.errors, entry.rules = errors, rules
            if not errors:
                errors = operation_choice_errors(document, provided_operation_name(context)) or self.cost_errors(
                    document
                )
            context.pre_execution_errors = errors
        yield

    def validated(self, document: DocumentNode, rules: tuple) -> list[GraphQLError]:
        """The document limits first (linear), then what graphql-core's field merging would
        face (refused before it runs when quadratic), then every rule."""
        schema = self.execution_context.schema._schema
        errors = validate(schema, document, self.rules[:1], hide_suggestions=self.hide_suggestions)
        if not errors and merge_work(document) > MAX_MERGE_WORK:
            errors = [too_much_merging(MAX_MERGE_WORK)]
        return errors or validate(schema, document, rules, hide_suggestions=self.hide_suggestions)

    def cost_errors(self, document: DocumentNode) -> list[GraphQLError]:
        context = self.execution_context
        cost = self.cost(document)
        max_cost = self.settings.max_query_cost
        if cost > max_cost:
            return [too_complex(cost, max_cost)]
        charge = subscription_budget.get()
        if context.operation_type is OperationType.SUBSCRIPTION and charge is not None:
            left = charge(cost)  # held as long as the subscription lives
            if left is not None:
                return [subscriptions_too_costly(cost, left, self.settings.max_subscription_cost_per_user)]
        return []

    def cost(self, document: DocumentNode) -> int:
        """The operation's cost, worked out once per document, operation and variables."""
        context = self.execution_context
        entry = self.entry if self.entry is not None and self.entry.document is document else None
        if entry is None:
            return query_cost(context.schema._schema, document, context.operation_name, context.variables)
        declared = {
            definition.variable.name.value
            for operation in document.definitions
            if isinstance(operation, OperationDefinitionNode)
            for definition in operation.variable_definitions or ()
        }
        variables = {name: value for name, value in (context.variables or {}).items() if name in declared}
        try:
            key = json.dumps([context.operation_name, variables], sort_keys=True)
        except (TypeError, ValueError):  # not JSON (a file in an upload's variables): not kept
            return query_cost(context.schema._schema, document, context.operation_name, context.variables)
        cost = entry.costs.get(key)
        if cost is None:
            cost = query_cost(context.schema._schema, document, context.operation_name, context.variables)
            if len(key) > entry.MAX_COST_KEY:  # long variables (a comment's text): not kept
                return cost
            if len(entry.costs) >= entry.MAX_COSTS:
                entry.costs.clear()
            entry.costs[key] = cost
        return cost


def provided_operation_name(context: ExecutionContext) -> str | None:
    """The request's operationName: `ExecutionContext.operation_name` falls back to the first
    operation's name when none was given (Strawberry 0.341, pinned; tests/test_request_edges.py
    fails if that changes)."""
    return getattr(context, "_provided_operation_name", context.operation_name)


def operation_choice_errors(document: DocumentNode, operation_name: str | None) -> list[GraphQLError]:
    """A document of several operations runs only the one `operationName` names (Strawberry
    would otherwise run the first)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None and len(operations) > 1:
        return [
            GraphQLError(
                "Must provide operationName if the document contains several operations.",
                extensions={"code": "BAD_REQUEST"},
            )
        ]
    return []


STRAWBERRY_RULES = (MaybeNullValidationRule, OneOfInputValidationRule)  # as strawberry.schema.validate_document


def default_extensions(settings: SchemaSettings, cache: DocumentCache | None = None) -> list:
    """The extensions of a served schema: settings_free_extensions' and the documents parsed,
    validated and costed within the settings' limits."""
    # Built once: the validated documents are cached with the rules they were validated with.
    rules = (
        document_limits_rule(settings.max_query_depth, settings.max_aliases, settings.max_fragment_spreads),
        *(() if settings.introspection_enabled else (NoSchemaIntrospectionCustomRule,)),
    )
    documents = cache or DocumentCache(settings.document_cache_bytes, settings.document_cache_max_length)
    # Factories, so that each request gets fresh extension instances.
    extensions: list = [
        RecheckViewer,
        lambda: Documents(settings, rules, documents),
        MarkExecution,
        MaskUnexpectedErrors,
    ]
    trusted = getattr(settings, "trusted_document_hashes", None)
    if trusted is not None:
        extensions.insert(1, lambda: TrustedDocumentsOnly(trusted))
    return extensions


def settings_free_extensions() -> list:
    """Those that need no settings: the viewer rechecked on WebSockets, execution marked, errors masked."""
    return [RecheckViewer, MarkExecution, MaskUnexpectedErrors]
