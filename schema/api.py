"""Assembles the Schema from the per-domain modules."""

from __future__ import annotations

import strawberry

from schema.extensions import default_extensions
from schema.query import Query
from schema import catalog, mdf, orders, portal

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
]


class Schema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:  # noqa: ANN001
        """Expected errors (auth, validation, bad arguments) are the client's business, not
        the server log's; unexpected ones are logged by MaskUnexpectedErrors."""


def build_schema(extensions: list | None = None) -> strawberry.Schema:
    return Schema(
        query=Query,
        types=TYPES,
        extensions=default_extensions() if extensions is None else extensions,
    )


schema = build_schema()
