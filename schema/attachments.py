"""Files on orders, comments and quotes: the `Attachment` type and its mutations."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.types import Info

import models
from domain import downloads
from models.base import utcnow
from schema.common import described_enum, of_model
from schema.portal import User

AttachmentKind = described_enum(
    models.AttachmentKind,
    "What a file is for.",
    {
        "BRIEF": "The partner's brief.",
        "ASSET": "Material to work with (a logo, images, copy).",
        "PROPOSAL": "A provider's proposal, on its quote.",
        "DELIVERABLE": "Finished work, from the assigned provider.",
        "PROOF": "Proof of performance, for an MDF claim.",
        "OTHER": "Anything else.",
    },
    name="AttachmentKind",
)


@strawberry.type(description="A file attached to an order, one of its comments or one of its quotes.")
class Attachment(relay.Node):
    id: relay.NodeID[int]
    filename: str = strawberry.field(description="The file's name as uploaded, without path or control characters.")
    content_type: str = strawberry.field(description="The type its bytes showed (served with it).")
    size: int = strawberry.field(description="Bytes.")
    sha256: str = strawberry.field(description="SHA-256 of the bytes, hex.")
    kind: AttachmentKind = strawberry.field(description="What the file is for.")
    created_at: datetime = strawberry.field(description="When it was uploaded.")
    is_type_of = of_model(models.Attachment)

    @strawberry.field(description="Who uploaded it.")
    async def uploaded_by(self, root: strawberry.Parent[models.Attachment], info: Info) -> User:
        return await info.context.loaders.user.load(root.uploaded_by_id)

    @strawberry.field(
        description=(
            "A short-lived link that downloads the file (for you only; access is checked again when it is used)."
        )
    )
    def url(self, root: strawberry.Parent[models.Attachment], info: Info) -> str:
        ctx = info.context
        viewer = ctx.require_viewer()
        link = downloads.Link(viewer.user_id, ctx.token_version or 0, root.id)
        token = downloads.sign(ctx.settings.jwt_secret, link, downloads.expiry(utcnow(), ctx.settings.file_url_seconds))
        request = ctx.request
        base = str(request.base_url).rstrip("/") if request is not None else ctx.settings.public_url.rstrip("/")
        return f"{base}/files/{token}"


@strawberry.input(description="Files for an order, or for one of its comments or quotes (a multipart request).")
class AddAttachmentsInput:
    order_id: strawberry.ID = strawberry.field(description="The order the files are for.")
    files: list[Upload] = strawberry.field(description="The files (GraphQL multipart request spec).")
    kind: AttachmentKind = strawberry.field(description="What the files are for (one kind a request).")
    comment_id: strawberry.ID | None = strawberry.field(default=None, description="Attach to this comment (yours).")
    quote_id: strawberry.ID | None = strawberry.field(
        default=None, description="Attach to this quote (your organisation's): a PROPOSAL."
    )


@strawberry.input(description="The file to remove.")
class RemoveAttachmentInput:
    attachment_id: strawberry.ID = strawberry.field(description="The attachment's id.")
