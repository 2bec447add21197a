"""MDF claims: the partner's request to be paid from an order's reservation, with proof."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from schema.attachments import Attachment
from schema.common import Money, of_model
from schema.portal import User

ClaimStatus = strawberry.enum(models.ClaimStatus, name="ClaimStatus", description="Where an MDF claim stands.")


@strawberry.type(description="A partner's MDF claim on a completed order (partner and supplier users only).")
class MdfClaim(relay.Node):
    id: relay.NodeID[int]
    status: ClaimStatus
    note: str | None
    submitted_at: datetime
    decided_at: datetime | None
    rejection_reason: str | None = strawberry.field(description="Why the supplier rejected it.")
    is_type_of = of_model(models.MdfClaim)

    @strawberry.field(description="What the partner claims.")
    def amount(self, root: strawberry.Parent[models.MdfClaim]) -> Money:
        return Money(amount=root.amount, currency=root.currency)

    @strawberry.field
    async def submitted_by(self, root: strawberry.Parent[models.MdfClaim], info: Info) -> User:
        return await info.context.loaders.user.load(root.submitted_by_id)

    @strawberry.field
    async def decided_by(self, root: strawberry.Parent[models.MdfClaim], info: Info) -> User | None:
        return None if root.decided_by_id is None else await info.context.loaders.user.load(root.decided_by_id)

    @strawberry.field(description="The PROOF files the claim rests on.")
    async def proofs(self, root: strawberry.Parent[models.MdfClaim], info: Info) -> list[Attachment]:
        return await info.context.loaders.proofs_by_claim.load(root.id)


@strawberry.input
class SubmitClaimInput:
    order_id: strawberry.ID
    amount: Decimal = strawberry.field(description="At most what the order holds reserved.")
    note: str | None = None
    proof_ids: list[strawberry.ID] = strawberry.field(description="PROOF attachments of the order (at least one).")


@strawberry.input
class ApproveClaimInput:
    claim_id: strawberry.ID


@strawberry.input
class RejectClaimInput:
    claim_id: strawberry.ID
    reason: str
