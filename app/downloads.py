"""GET /files/{token}: an attachment's signed download link (`Attachment.url`).

The link names the user and the attachment and expires; it is checked, then the user (still
active, same token version) and the user's access to the attachment are checked again, by the
same rules as every other read (domain.attachments.visible_attachment). Anything wrong: 403.
Local storage: the app streams the file with the stored type, `Content-Disposition: attachment`
and `X-Content-Type-Options: nosniff`. S3: a redirect to a presigned URL valid for a minute.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from app.auth import load_viewer
from app.db import Database
from app.settings import Settings
from app.storage import LocalStorage
from app.storage.s3 import content_disposition
from domain import downloads
from domain.attachments import visible_attachment
from domain.errors import DomainError

PRESIGNED_SECONDS = 60


def forbidden(message: str = "the download link is invalid or has expired") -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": "FORBIDDEN"}}]}, 403)


def download_endpoint(db: Database, settings: Settings, storage: Any):
    async def download(request: Request) -> Response:
        try:
            link = downloads.verify(settings.jwt_secret, request.path_params["token"])
        except downloads.InvalidLink:
            return forbidden()
        async with db.read_session() as session:
            viewer = await load_viewer(session, link.user_id, link.token_version)
            if viewer is None:
                return forbidden()
            try:
                attachment, _ = await visible_attachment(session, viewer, link.attachment_id, field=None)
            except DomainError:
                return forbidden("you may no longer download this file")
        headers = {
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        }
        if isinstance(storage, LocalStorage):
            if not await storage.exists(attachment.storage_key):
                return JSONResponse(
                    {
                        "errors": [
                            {"message": "the file is missing from the storage", "extensions": {"code": "NOT_FOUND"}}
                        ]
                    },
                    404,
                )
            headers |= {
                "Content-Disposition": content_disposition(attachment.filename),
                "Content-Length": str(attachment.size),
            }
            return StreamingResponse(
                storage.read(attachment.storage_key), media_type=attachment.content_type, headers=headers
            )
        url = await storage.presigned_url(
            attachment.storage_key,
            filename=attachment.filename,
            content_type=attachment.content_type,
            seconds=PRESIGNED_SECONDS,
        )
        return RedirectResponse(url, 302, headers=headers)

    return download
