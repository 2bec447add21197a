"""Files on orders, comments and quotes: checks, streaming to the file storage, removal.

A request's files reach the domain as `IncomingFile`s (app.uploads spools them while the
body arrives, refusing a file over the size limit as it crosses it). Here each one is checked
(name, emptiness, type by its first bytes and its name), then streamed to the storage in
chunks while its SHA-256 is computed. A storage key is registered for deletion with the unit
of work first, so a request that fails at any later point (a refused file, a database error,
the commit) leaves no file behind; the rows go with the rolled-back transaction.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import can_see_attachment, can_see_comment
from domain.errors import DomainError, ErrorCode, invalid, not_found
from domain.events import record_event
from domain.orders import OrderAccess, access_to, bump_order, load_order
from domain.storage import FileStorage
from domain.transitions import OrderAction, Role
from domain.unit_of_work import UnitOfWork
from domain.viewer import Viewer
from models import (
    Attachment,
    AttachmentKind,
    Comment,
    MdfClaimProof,
    Order,
    OrderEventKind,
    OrderStatus,
    Quote,
    StatusChange,
)
from models.base import utcnow

HEAD_BYTES = 8192  # what the type is recognised from
MAX_FILENAME = 255
MAX_ATTACHMENTS_PER_ORDER = 200  # files on one order, its comments and quotes together
ORDER_ID = ["input", "orderId"]
FILES = ["input", "files"]


class IncomingFile(Protocol):
    """An uploaded file as the app hands it over (app.uploads.SpooledUpload)."""

    filename: str
    content_type: str | None  # as the client declared it; not trusted
    size: int
    head: bytes  # the first HEAD_BYTES bytes

    def chunks(self) -> AsyncIterator[bytes]: ...


# What a file's first bytes say it is.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),  # the legacy Office formats
]
# Allowed name extensions: the family its bytes must show, and the type it is stored and served as.
EXTENSIONS: dict[str, tuple[str, str]] = {
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "pdf": ("pdf", "application/pdf"),
    "zip": ("zip", "application/zip"),
    "docx": ("zip", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("zip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("zip", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odt": ("zip", "application/vnd.oasis.opendocument.text"),
    "ods": ("zip", "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ("zip", "application/vnd.oasis.opendocument.presentation"),
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "ppt": ("ole", "application/vnd.ms-powerpoint"),
    "csv": ("text", "text/csv"),
    "txt": ("text", "text/plain"),
}
# A file without an extension is stored as its bytes say.
FAMILY_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
FAMILY_TYPES |= {"pdf": "application/pdf", "zip": "application/zip", "text": "text/plain"}
ALLOWED_HELP = "images (PNG, JPEG, GIF, WebP), PDF, office documents, CSV, plain text or ZIP"
_TEXT_CONTROLS = set(range(0, 32)) - {9, 10, 12, 13}


def sniff(head: bytes) -> str | None:
    """The family of a file from its first bytes: png, jpeg, gif, webp, pdf, zip, ole, text; None: not allowed."""
    for signature, family in _SIGNATURES:
        if head.startswith(signature):
            return family
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if _looks_like_text(head):
        return "text"
    return None


def _looks_like_text(head: bytes) -> bool:
    if any(byte in _TEXT_CONTROLS for byte in head):
        return False
    for cut in range(4):  # the head may end inside a multi-byte character
        try:
            head[: len(head) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def clean_filename(raw: str, field: list[str]) -> str:
    """The name as it will be shown and served: no path, no control characters, NFC, at most 255 characters."""
    name = unicodedata.normalize("NFC", raw or "")
    if "/" in name or "\\" in name:
        raise invalid(f"the file name {raw!r} must not contain a path (no / or \\)", field)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if name in ("", ".", ".."):
        raise invalid("every file needs a name", field)
    if len(name) > MAX_FILENAME:
        raise invalid(f"a file name may have at most {MAX_FILENAME} characters", field)
    return name


def content_type_of(name: str, head: bytes, field: list[str]) -> str:
    """The type the file is stored and served as: its name and its bytes must agree on an allowed one."""
    family = sniff(head)
    if family is None:
        raise invalid(f"{name!r} is not an allowed type of file: {ALLOWED_HELP}", field)
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return FAMILY_TYPES.get(family) or _refuse(name, field)
    allowed = EXTENSIONS.get(extension.lower())
    if allowed is None:
        raise invalid(f"{name!r}: .{extension} files are not allowed ({ALLOWED_HELP})", field)
    if allowed[0] != family:
        raise invalid(f"the content of {name!r} is not a .{extension.lower()} file", field)
    return allowed[1]


def _refuse(name: str, field: list[str]) -> str:
    raise invalid(f"{name!r} is not an allowed type of file: {ALLOWED_HELP}", field)


@dataclass(frozen=True)
class CheckedFile:
    file: IncomingFile
    filename: str
    content_type: str


def check_files(files: Sequence[IncomingFile], *, max_files: int) -> list[CheckedFile]:
    if not files:
        raise invalid("give at least one file", FILES)
    if len(files) > max_files:
        raise invalid(f"at most {max_files} files may be uploaded at once (got {len(files)})", FILES)
    checked = []
    for i, file in enumerate(files):
        field = [*FILES, str(i)]
        if not hasattr(file, "chunks"):
            raise invalid("expected a file (GraphQL multipart request)", field)
        name = clean_filename(file.filename, field)
        if file.size == 0:
            raise invalid(f"the file {name!r} is empty", field)
        checked.append(CheckedFile(file, name, content_type_of(name, file.head, field)))
    return checked


async def _target(
    session: AsyncSession,
    viewer: Viewer,
    access: OrderAccess,
    kind: AttachmentKind,
    quote_id: int | None,
    comment_id: int | None,
) -> tuple[Quote | None, Comment | None]:
    """What the files hang on, and whether this viewer may attach files there."""
    order = access.order
    if quote_id is not None and comment_id is not None:
        raise invalid("attach to a quote or to a comment, not both", ["input", "quoteId"])
    if kind is AttachmentKind.PROPOSAL and quote_id is None:
        raise invalid("a PROPOSAL is attached to a quote: give quoteId", ["input", "quoteId"])
    if quote_id is not None:
        quote = await session.get(Quote, quote_id)
        if quote is None or quote.order_id != order.id or not _sees_quote(viewer, access, quote):
            raise not_found("quote", ["input", "quoteId"])
        if quote.provider_id != viewer.organization_id:
            raise DomainError(
                ErrorCode.FORBIDDEN, "only the provider of a quote attaches files to it", ["input", "quoteId"]
            )
        if kind not in (AttachmentKind.PROPOSAL, AttachmentKind.OTHER):
            raise invalid("files on a quote are of kind PROPOSAL or OTHER", ["input", "kind"])
        return quote, None
    if kind is AttachmentKind.DELIVERABLE and Role.ASSIGNED_PROVIDER not in access.roles:
        raise DomainError(ErrorCode.FORBIDDEN, "only the assigned provider attaches deliverables", ["input", "kind"])
    if comment_id is not None:
        comment = await session.get(Comment, comment_id)
        if comment is None or comment.order_id != order.id or not can_see_comment(viewer, access.view, comment):
            raise not_found("comment", ["input", "commentId"])
        if comment.author_id != viewer.user_id:
            raise DomainError(
                ErrorCode.FORBIDDEN, "only a comment's author attaches files to it", ["input", "commentId"]
            )
        return None, comment
    if not access.full:
        # A provider asked to quote attaches to its quote or its private thread, not to the order.
        raise DomainError(ErrorCode.FORBIDDEN, "only the order's parties attach files to it", ORDER_ID)
    return None, None


def _sees_quote(viewer: Viewer, access: OrderAccess, quote: Quote) -> bool:
    return quote.provider_id == viewer.organization_id if viewer.is_provider else access.full


async def add_attachments(
    uow: UnitOfWork,
    viewer: Viewer,
    storage: FileStorage,
    order_id: int,
    files: Sequence[IncomingFile],
    kind: AttachmentKind,
    *,
    quote_id: int | None = None,
    comment_id: int | None = None,
    max_files: int,
) -> list[Attachment]:
    session = uow.session
    access = await load_order(session, viewer, order_id, field=ORDER_ID)
    order = access.order
    quote, comment = await _target(session, viewer, access, kind, quote_id, comment_id)
    if order.status is OrderStatus.ARCHIVED and kind is not AttachmentKind.PROOF:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "an ARCHIVED order takes no files but proof for a claim", ORDER_ID
        )
    checked = check_files(files, max_files=max_files)
    count = await session.scalar(select(func.count()).select_from(Attachment).where(Attachment.order_id == order.id))
    if (count or 0) + len(checked) > MAX_ATTACHMENTS_PER_ORDER:
        raise invalid(f"an order holds at most {MAX_ATTACHMENTS_PER_ORDER} files", FILES)
    now = utcnow()
    attachments = []
    for i, item in enumerate(checked):
        key = f"{order.portal_id}/{order.id}/{uuid.uuid4().hex}"
        uow.undo.append(_deleting(storage, key))
        digest = hashlib.sha256()
        size = await _store(storage, key, item, digest, [*FILES, str(i)])
        attachment = Attachment(
            portal_id=order.portal_id,
            order_id=order.id,
            quote_id=quote.id if quote else None,
            comment_id=comment.id if comment else None,
            kind=kind,
            filename=item.filename,
            content_type=item.content_type,
            size=size,
            sha256=digest.hexdigest(),
            storage_key=key,
            uploaded_by_id=viewer.user_id,
            uploader_organization_id=viewer.organization_id,
            created_at=now,
        )
        session.add(attachment)
        attachments.append(attachment)
    await session.flush()
    await bump_order(session, order)
    await record_event(
        uow,
        order,
        OrderEventKind.ATTACHMENTS_ADDED,
        attachments[0].id,
        viewer.user_id,
        only_provider=quote.provider_id if quote else (comment.private_to_provider_id if comment else None),
    )
    return attachments


async def _store(storage: FileStorage, key: str, item: CheckedFile, digest, field: list[str]) -> int:
    """Stream the file to the storage, hashing it on the way; its size as read."""
    size = 0
    text = item.content_type.startswith("text/")

    async def hashed() -> AsyncIterator[bytes]:
        nonlocal size
        async for chunk in item.file.chunks():
            if text and b"\x00" in chunk:
                raise invalid(f"{item.filename!r} is not a text file", field)
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    await storage.put(key, hashed(), content_type=item.content_type)
    return size


def _deleting(storage: FileStorage, key: str):
    async def delete() -> None:
        await storage.delete(key)

    return delete


async def visible_attachment(
    session: AsyncSession, viewer: Viewer, attachment_id: int, *, field: list[str] | None
) -> tuple[Attachment, OrderAccess]:
    """The attachment when the viewer may see it; NOT_FOUND otherwise, as for one that does not exist."""
    attachment = await session.get(Attachment, attachment_id)
    if attachment is None:
        raise not_found("attachment", field)
    order = await session.get(Order, attachment.order_id)
    assert order is not None
    access = await access_to(session, viewer, order, field=field or [], what="attachment")
    quote = await session.get(Quote, attachment.quote_id) if attachment.quote_id is not None else None
    comment = await session.get(Comment, attachment.comment_id) if attachment.comment_id is not None else None
    invited = access.invitation is not None
    if not can_see_attachment(viewer, order, attachment, quote=quote, comment=comment, invited=invited):
        raise not_found("attachment", field)
    return attachment, access


async def remove_attachment(uow: UnitOfWork, viewer: Viewer, storage: FileStorage, attachment_id: int) -> Order:
    """The uploader's organisation removes a file; the file itself goes once the removal has committed."""
    session = uow.session
    field = ["input", "attachmentId"]
    attachment, access = await visible_attachment(session, viewer, attachment_id, field=field)
    if attachment.uploader_organization_id != viewer.organization_id:
        raise DomainError(ErrorCode.FORBIDDEN, "only the organisation that uploaded a file removes it", field)
    if await session.scalar(select(exists().where(MdfClaimProof.attachment_id == attachment.id))):
        raise DomainError(ErrorCode.INVALID_TRANSITION, "the file is proof of an MDF claim and stays with it", field)
    if access.order.status is OrderStatus.ARCHIVED:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "files of an ARCHIVED order stay", field)
    key, owner = attachment.storage_key, None
    if attachment.quote_id is not None:
        owner = viewer.organization_id
    elif attachment.comment_id is not None:
        comment = await session.get(Comment, attachment.comment_id)
        owner = comment.private_to_provider_id if comment is not None else None
    await session.delete(attachment)
    await session.flush()
    await bump_order(session, access.order)
    await record_event(
        uow, access.order, OrderEventKind.ATTACHMENT_REMOVED, attachment_id, viewer.user_id, only_provider=owner
    )
    uow.after_commit.append(_deleting(storage, key))
    return access.order


async def has_deliverable(session: AsyncSession, order_id: int) -> bool:
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Attachment.order_id == order_id,
                    Attachment.kind == AttachmentKind.DELIVERABLE,
                )
            )
        )
    )


async def deliverables_awaiting_review(session: AsyncSession, order_id: int) -> bool:
    """Deliverables are attached and the partner has not accepted them since the order last completed."""
    if not await has_deliverable(session, order_id):
        return False
    last = await session.scalar(
        select(StatusChange.action)
        .where(StatusChange.order_id == order_id)
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
        .limit(1)
    )
    return last != OrderAction.ACCEPT_DELIVERABLES.value
