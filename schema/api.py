"""Assembles the Schema from the per-domain modules.

Each domain contributes its own root types (queries, mutations, subscriptions); they are merged
here with `merge_types`, so adding a domain means adding its class to a list below.
"""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from schema import catalog, live, mdf, notifications, orders, portal
from schema.common import SCALAR_OVERRIDES
from schema.order_mutations import OrderMutations
from schema.extensions import default_extensions
from schema.fast_path import FastPathExecutor, check_internals
from schema.query import Query as CoreQuery
from schema.recheck import RecheckViewer
from subscriptions.sharing import SharedEventExecutor

QUERIES: list[type] = [CoreQuery, notifications.NotificationQueries]
MUTATIONS: list[type] = [OrderMutations, notifications.NotificationMutations]
SUBSCRIPTIONS: list[type] = [live.Subscription, notifications.NotificationSubscriptions]

TYPES = [
    portal.Supplier,
    portal.Partner,
    portal.Provider,
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
]


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:  # noqa: ANN001
        """Expected errors (auth, validation, bad arguments) are the client's business, not
        the server log's; unexpected ones are logged by MaskUnexpectedErrors."""


def _merged(name: str, parts: list[type]) -> type | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else merge_types(name, tuple(parts))


class Executor(SharedEventExecutor, FastPathExecutor):
    """Shared subscription results, and plain selection sets completed by one walk."""


def build_schema(extensions: list | None = None, *, executor: type = Executor) -> strawberry.Schema:
    """`executor=SharedEventExecutor`: graphql-core completes every field (the reference the
    fast path is tested against)."""
    built = Schema(
        query=_merged("Query", QUERIES),
        mutation=_merged("Mutation", MUTATIONS),
        subscription=_merged("Subscription", SUBSCRIPTIONS),
        types=TYPES,
        extensions=[RecheckViewer, *default_extensions()] if extensions is None else extensions,
        execution_context_class=executor,
        scalar_overrides=SCALAR_OVERRIDES,
    )
    if issubclass(executor, FastPathExecutor):
        check_internals(built)  # at start-up: one warning, and no fast path, if they differ
    return built


schema = build_schema()
