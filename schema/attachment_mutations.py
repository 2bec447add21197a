"""addAttachments, removeAttachment, and the deliverables' and MDF claims' mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers.mutations import attachments, claims
from schema.attachments import AddAttachmentsInput, Attachment, RemoveAttachmentInput
from schema.claims import ApproveClaimInput, MdfClaim, RejectClaimInput, SubmitClaimInput
from schema.common import user_errors
from schema.order_payloads import OrderPayload


@strawberry.type(description="The files stored (none when refused), their order, and errors.")
class AddAttachmentsPayload(OrderPayload):
    attachments: list[Attachment] = strawberry.field(default_factory=list, description="The files stored.")


@strawberry.type(description="The order the file was removed from (null when refused), and errors.")
class RemoveAttachmentPayload(OrderPayload):
    pass


@strawberry.type
class ClaimPayload(OrderPayload):
    claim: MdfClaim | None = strawberry.field(default=None, description="The claim (null when refused).")


@strawberry.type(description="The claim filed (null when refused), its order, and errors.")
class SubmitClaimPayload(ClaimPayload):
    pass


@strawberry.type(description="The claim approved (null when refused), its order, and errors.")
class ApproveClaimPayload(ClaimPayload):
    pass


@strawberry.type(description="The claim rejected (null when refused), its order, and errors.")
class RejectClaimPayload(ClaimPayload):
    pass


@strawberry.type
class FileMutations:
    @strawberry.mutation(
        description=(
            "Upload files by the GraphQL multipart request spec (with an `Apollo-Require-Preflight` header): "
            "images, PDF, office documents, CSV, plain text or ZIP, up to MAX_UPLOAD_MB each and together."
        )
    )
    async def add_attachments(
        self, info: Info, input: Annotated[AddAttachmentsInput, strawberry.argument(description="The order and files.")]
    ) -> AddAttachmentsPayload:
        result, errors = await attachments.resolve_add_attachments(info, input)
        if result is None:
            return AddAttachmentsPayload(errors=user_errors(errors))
        order, added = result
        return AddAttachmentsPayload(order=order, attachments=added)

    @strawberry.mutation(description="The organisation that uploaded a file removes it (not the proof of a claim).")
    async def remove_attachment(
        self, info: Info, input: Annotated[RemoveAttachmentInput, strawberry.argument(description="The file.")]
    ) -> RemoveAttachmentPayload:
        order, errors = await attachments.resolve_remove_attachment(info, input)
        return RemoveAttachmentPayload(order=order, errors=user_errors(errors))

    @strawberry.mutation(
        description=(
            "The partner claims MDF for a completed order (where the portal requires claims): "
            "at most what is reserved, with at least one PROOF file of the order."
        )
    )
    async def submit_claim(
        self, info: Info, input: Annotated[SubmitClaimInput, strawberry.argument(description="The claim.")]
    ) -> SubmitClaimPayload:
        result, errors = await claims.resolve_submit_claim(info, input)
        order, claim = result or (None, None)
        return SubmitClaimPayload(order=order, claim=claim, errors=user_errors(errors))

    @strawberry.mutation(description="The supplier approves a claim: its amount is spent, the rest released.")
    async def approve_claim(
        self, info: Info, input: Annotated[ApproveClaimInput, strawberry.argument(description="The claim.")]
    ) -> ApproveClaimPayload:
        result, errors = await claims.resolve_approve_claim(info, input)
        order, claim = result or (None, None)
        return ApproveClaimPayload(order=order, claim=claim, errors=user_errors(errors))

    @strawberry.mutation(
        description="The supplier rejects a claim (reason required); the partner may claim again until the deadline."
    )
    async def reject_claim(
        self, info: Info, input: Annotated[RejectClaimInput, strawberry.argument(description="The claim, and why.")]
    ) -> RejectClaimPayload:
        result, errors = await claims.resolve_reject_claim(info, input)
        order, claim = result or (None, None)
        return RejectClaimPayload(order=order, claim=claim, errors=user_errors(errors))
