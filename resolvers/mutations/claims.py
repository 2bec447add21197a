"""submitClaim, approveClaim, rejectClaim."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from domain import claims
from domain.errors import DomainError
from domain.ids import decode_id, decode_ids
from models import MdfClaim, Order
from resolvers.mutations.runner import run_mutation, selects

Result = tuple[tuple[Order | None, MdfClaim] | None, list[DomainError]]


async def _with_order(info: Info, claim: MdfClaim | None, errors: list[DomainError]) -> Result:
    if claim is None:
        return None, errors
    order = await info.context.loaders.order.load(claim.order_id) if selects(info, "order") else None
    return (order, claim), errors


async def resolve_submit_claim(info: Info, input: Any) -> Result:
    async def act(uow, viewer):
        order_id = decode_id(input.order_id, "Order", field=["input", "orderId"])
        proof_ids = decode_ids(list(input.proof_ids), "Attachment", field=["input", "proofIds"])
        return await claims.submit_claim(uow, viewer, order_id, input.amount, input.note, proof_ids)

    return await _with_order(info, *await run_mutation(info, act))


async def resolve_approve_claim(info: Info, input: Any) -> Result:
    async def act(uow, viewer):
        return await claims.approve_claim(
            uow, viewer, decode_id(input.claim_id, "MdfClaim", field=["input", "claimId"])
        )

    return await _with_order(info, *await run_mutation(info, act))


async def resolve_reject_claim(info: Info, input: Any) -> Result:
    async def act(uow, viewer):
        pk = decode_id(input.claim_id, "MdfClaim", field=["input", "claimId"])
        return await claims.reject_claim(uow, viewer, pk, input.reason)

    return await _with_order(info, *await run_mutation(info, act))
