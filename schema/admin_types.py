"""Administration's types: portal settings, roles and permissions, the audit log, the MDF ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

import models
from domain.admin.permissions import Permission as _Permission
from domain.ids import to_global_id
from schema.common import described_enum, of_model
from schema.portal import User

Permission = described_enum(
    _Permission,
    "What the viewer may administer (`Viewer.permissions`).",
    {
        "MANAGE_PORTAL": "Settings, organisations, activity types, campaigns.",
        "MANAGE_USERS": "Invite users, change their roles, deactivate them.",
        "MANAGE_SERVICES": "Providers' profiles, offices and services.",
        "APPROVE_SERVICES": "List services awaiting approval (`approveService`).",
        "MANAGE_FUNDS": "Create and adjust MDF funds.",
        "VIEW_AUDIT_LOG": "Read `auditLog`.",
    },
)
LedgerEntryKind = described_enum(
    models.LedgerEntryKind,
    "What an MDF ledger entry moved.",
    {
        "ALLOCATE": "The supplier allocated money to the fund (negative: took it back).",
        "RESERVE": "An approved order holds its rate.",
        "RELEASE": "A held amount went back (denied, cancelled).",
        "SPEND": "A held amount was spent (completed, or the claim against it approved).",
        "CLAIM": "The partner claimed against a held amount (with proof); the amount stays held.",
        "CLAIM_CLOSED": "The supplier approved or rejected the claim; the amount is no longer claimed.",
    },
)


@strawberry.type(description="One administrative change: who, when, what, the values before and after.")
class AuditEntry(relay.Node):
    id: relay.NodeID[int]
    action: str = strawberry.field(description="What was done, e.g. CREATE_SERVICE, ADJUST_MDF_FUND.")
    at: datetime = strawberry.field(description="When.")
    before: JSON | None = strawberry.field(description="The changed values before (null for a creation).")
    after: JSON | None = strawberry.field(description="The changed (or created) values after.")
    is_type_of = of_model(models.AuditEntry)

    @strawberry.field(description="The global id of the object changed (a Partner, Service, MdfFund, ...).")
    def subject_id(self, root: strawberry.Parent[models.AuditEntry]) -> strawberry.ID:
        return strawberry.ID(to_global_id(root.subject_type, root.subject_id))

    @strawberry.field(description="The type of the object changed.")
    def subject_type(self, root: strawberry.Parent[models.AuditEntry]) -> str:
        return root.subject_type

    @strawberry.field(description="Who did it (null: the create-portal command).")
    async def actor(self, root: strawberry.Parent[models.AuditEntry], info: Info) -> User | None:
        return None if root.actor_id is None else await info.context.loaders.user.load(root.actor_id)


@strawberry.input(description="Narrows the audit log; every field given must match.")
class AuditLogFilter:
    subject_id: strawberry.ID | None = strawberry.field(default=None, description="Changes of this object.")
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="Changes made by this user.")
    since: datetime | None = strawberry.field(default=None, description="Changes made at or after this time.")


@strawberry.type(description="One entry of an MDF fund's ledger (never edited).")
class MdfLedgerEntry:
    kind: LedgerEntryKind = strawberry.field(description="What moved.")
    amount: Decimal = strawberry.field(description="How much (an ALLOCATE taking money back is negative).")
    memo: str | None = strawberry.field(description="The reason given, or what the order did.")
    created_at: datetime = strawberry.field(description="When.")

    @strawberry.field(description="The order it concerns (reservations, releases, spend).")
    def order_id(self, root: strawberry.Parent[models.MdfLedgerEntry]) -> strawberry.ID | None:
        return None if root.order_id is None else strawberry.ID(to_global_id("Order", root.order_id))

    @strawberry.field(description="Who made the entry (null: the system).")
    async def actor(self, root: strawberry.Parent[models.MdfLedgerEntry], info: Info) -> User | None:
        return None if root.actor_id is None else await info.context.loaders.user.load(root.actor_id)
