"""Assembles the Schema from the per-domain modules.

Each domain contributes its own root types (queries, mutations, subscriptions); they are merged
here (as `merge_types` does, with the roots' descriptions), so adding a domain means adding
its class to a list below.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import ASTValidationRule, ValidationContext

from schema import admin_types, attachments, catalog, claims, live, mdf, notifications, orders, portal
from schema.admin_catalog_mutations import AdminCatalogMutations
from schema.admin_mutations import AdminMutations
from schema.admin_queries import AdminQueries
from schema.attachment_mutations import FileMutations
from schema.common import SCALAR_OVERRIDES
from schema.compiled import CompiledReads
from schema.extensions import SchemaSettings, default_extensions, settings_free_extensions
from schema.fast_path import FastPathExecutor, check_internals
from schema.order_mutations import OrderMutations
from schema.query import Query as CoreQuery
from subscriptions.sharing import SharedEventExecutor

QUERIES: list[type] = [CoreQuery, notifications.NotificationQueries, AdminQueries]
MUTATIONS: list[type] = [
    OrderMutations,
    FileMutations,
    notifications.NotificationMutations,
    AdminMutations,
    AdminCatalogMutations,
]
SUBSCRIPTIONS: list[type] = [live.Subscription, notifications.NotificationSubscriptions]

TYPES = [
    portal.Supplier,
    portal.Partner,
    catalog.Provider,
    portal.Portal,
    portal.User,
    catalog.ActivityType,
    catalog.Service,
    catalog.Campaign,
    catalog.CampaignActivity,
    mdf.MdfFund,
    orders.Order,
    orders.Quote,
    orders.Comment,
    orders.Lead,
    notifications.Notification,
    admin_types.AuditEntry,
    attachments.Attachment,
    claims.MdfClaim,
]


class HideSuggestions(ASTValidationRule):
    """Validation without "Did you mean ...?" in its errors (unknown fields, arguments, types,
    input fields, enum values): graphql-core 3.3 reads that from the validation context, which
    Strawberry's `validate_document` builds without it, so the rule switches it on as it joins."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        context._hide_suggestions = True


class HideSuggestionsExecutor:
    """Mixin for an executor: errors in variables and arguments, found as execution starts,
    without suggestions either (for queries, mutations and subscriptions alike)."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        return super().build(*args, **{**kwargs, "hide_suggestions": True})  # type: ignore[misc]


class Schema(strawberry.Schema):
    def __init__(self, *args: Any, suggestions: bool = True, **kwargs: Any) -> None:
        if not suggestions:
            executor = kwargs.get("execution_context_class")
            assert executor is not None, "suggestions off needs an executor class to extend"
            kwargs["execution_context_class"] = type(executor.__name__, (HideSuggestionsExecutor, executor), {})
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions

    def _create_execution_context(self, *args: Any, **kwargs: Any) -> Any:
        context = super()._create_execution_context(*args, **kwargs)
        if not self.suggestions:
            context.validation_rules = (*context.validation_rules, HideSuggestions)
        return context

    def process_errors(self, errors, execution_context=None) -> None:
        """Expected errors (auth, validation, bad arguments) are the client's business, not
        the server log's; unexpected ones are logged by MaskUnexpectedErrors."""


ROOT_DESCRIPTIONS = {
    "Query": "What you may read: the viewer, any object by id, the lists of the portal.",
    "Mutation": (
        "What you may change: each mutation takes one `input` and returns a payload with what it changed "
        "and `errors` (typed `UserError`s; nothing is changed when there are any)."
    ),
    "Subscription": (
        "Live updates over WebSocket (`graphql-transport-ws` on `/graphql`); authenticate in "
        "`connection_init`'s payload."
    ),
}


def _merged(name: str, parts: list[type]) -> type | None:
    if not parts:
        return None
    # A type of its own even for one part, so that the root's description is not the part's.
    return strawberry.type(type(name, tuple(parts), {}), description=ROOT_DESCRIPTIONS[name])


class Executor(SharedEventExecutor, CompiledReads, FastPathExecutor):
    """Shared subscription results, root reads answered by the database as JSON (HTTP on
    PostgreSQL), and plain selection sets completed by one walk."""


def build_schema(
    settings: SchemaSettings | None = None,
    extensions: list | None = None,
    *,
    executor: type = Executor,
    suggestions: bool | None = None,
) -> strawberry.Schema:
    """The schema as the app serves it with `settings` (its limits, introspection, suggestions).
    Without settings, the extensions that need none: no document limits or cache (the types are
    the same; `schema.schema`, which `make schema` exports, is built so).
    `executor=SharedEventExecutor`: graphql-core completes every field (the reference the fast
    path is tested against). `suggestions`: default the settings' GRAPHQL_SUGGESTIONS (on outside
    production), on without settings."""
    if extensions is None:
        extensions = default_extensions(settings) if settings is not None else settings_free_extensions()
    if suggestions is None:
        suggestions = settings.suggestions_enabled if settings is not None else True
    built = Schema(
        query=_merged("Query", QUERIES),
        mutation=_merged("Mutation", MUTATIONS),
        subscription=_merged("Subscription", SUBSCRIPTIONS),
        types=TYPES,
        extensions=extensions,
        execution_context_class=executor,
        scalar_overrides=SCALAR_OVERRIDES,
        suggestions=suggestions,
    )
    if issubclass(executor, FastPathExecutor):
        check_internals(built)  # at start-up: one warning, and no fast path, if they differ
    return built
