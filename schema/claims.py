"""MDF claims: the partner's request to be paid from an order's reservation, with proof."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

import models
from schema.attachments import Attachment
from schema.common import Money, described_enum, of_model
from schema.portal import User

ClaimStatus = described_enum(
    models.ClaimStatus,
    "Where an MDF claim stands.",
    {
        "SUBMITTED": "Filed by the partner, waiting for the supplier.",
        "APPROVED": "Approved: its amount was spent, the rest of the reservation released.",
        "REJECTED": "Rejected with a reason; the partner may file again until the claim deadline.",
    },
    name="ClaimStatus",
)


@strawberry.type(description="A partner's MDF claim on a completed order (partner and supplier users only).")
class MdfClaim(relay.Node):
    id: relay.NodeID[int]
    status: ClaimStatus = strawberry.field(description="Where the claim stands.")
    note: str | None = strawberry.field(description="The partner's note.")
    submitted_at: datetime = strawberry.field(description="When it was filed.")
    decided_at: datetime | None = strawberry.field(description="When the supplier approved or rejected it.")
    rejection_reason: str | None = strawberry.field(description="Why the supplier rejected it.")
    is_type_of = of_model(models.MdfClaim)

    @strawberry.field(description="What the partner claims.")
    def amount(self, root: strawberry.Parent[models.MdfClaim]) -> Money:
        return Money(amount=root.amount, currency=root.currency)

    @strawberry.field(description="The partner user who filed it.")
    async def submitted_by(self, root: strawberry.Parent[models.MdfClaim], info: Info) -> User:
        return await info.context.loaders.user.load(root.submitted_by_id)

    @strawberry.field(description="The supplier user who decided it.")
    async def decided_by(self, root: strawberry.Parent[models.MdfClaim], info: Info) -> User | None:
        return None if root.decided_by_id is None else await info.context.loaders.user.load(root.decided_by_id)

    @strawberry.field(description="The PROOF files the claim rests on.")
    async def proofs(self, root: strawberry.Parent[models.MdfClaim], info: Info) -> list[Attachment]:
        return await info.context.loaders.proofs_by_claim.load(root.id)


@strawberry.input(description="A claim on a completed MDF order.")
class SubmitClaimInput:
    order_id: strawberry.ID = strawberry.field(description="The completed order.")
    amount: Decimal = strawberry.field(description="At most what the order holds reserved.")
    note: str | None = strawberry.field(default=None, description="What was done, for the supplier.")
    proof_ids: list[strawberry.ID] = strawberry.field(description="PROOF attachments of the order (at least one).")


@strawberry.input(description="The claim to approve.")
class ApproveClaimInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim's id.")


@strawberry.input(description="The claim to reject, and why.")
class RejectClaimInput:
    claim_id: strawberry.ID = strawberry.field(description="The claim's id.")
    reason: str = strawberry.field(description="Why it is rejected (told to the partner).")
