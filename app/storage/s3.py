"""Attachments in S3-compatible object storage (aioboto3): uploaded in parts as they are read,
downloaded through short-lived presigned URLs."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any
from urllib.parse import quote

import aioboto3  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]

PART = 8 * 1024 * 1024  # S3 parts are at least 5 MiB, the last one excepted


class S3Storage:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ):
        self.bucket, self.prefix = bucket, prefix
        self.session = aioboto3.Session(
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key, region_name=region
        )
        self.endpoint_url = endpoint_url

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _client(self) -> Any:
        return self.session.client("s3", endpoint_url=self.endpoint_url)

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> None:
        """One PutObject for a small file; a multipart upload (8 MiB parts) for a larger one, aborted on failure."""
        name = self._key(key)
        async with self._client() as s3:
            buffer = bytearray()
            upload_id: str | None = None
            parts: list[dict] = []
            try:
                async for chunk in chunks:
                    buffer += chunk
                    while len(buffer) >= PART:
                        if upload_id is None:
                            created = await s3.create_multipart_upload(
                                Bucket=self.bucket, Key=name, ContentType=content_type
                            )
                            upload_id = created["UploadId"]
                        part = bytes(buffer[:PART])
                        del buffer[:PART]
                        answer = await s3.upload_part(
                            Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=len(parts) + 1, Body=part
                        )
                        parts.append({"ETag": answer["ETag"], "PartNumber": len(parts) + 1})
                if upload_id is None:
                    await s3.put_object(Bucket=self.bucket, Key=name, Body=bytes(buffer), ContentType=content_type)
                    return
                if buffer:
                    answer = await s3.upload_part(
                        Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=len(parts) + 1, Body=bytes(buffer)
                    )
                    parts.append({"ETag": answer["ETag"], "PartNumber": len(parts) + 1})
                await s3.complete_multipart_upload(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
            except BaseException:
                if upload_id is not None:
                    await s3.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
                raise

    async def delete(self, key: str) -> None:
        async with self._client() as s3:
            await s3.delete_object(Bucket=self.bucket, Key=self._key(key))

    async def exists(self, key: str) -> bool:
        async with self._client() as s3:
            try:
                await s3.head_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise
            return True

    async def presigned_url(self, key: str, *, filename: str, content_type: str, seconds: int) -> str:
        """A GET URL valid for `seconds` that answers with the stored type, as a download."""
        async with self._client() as s3:
            return await s3.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": self._key(key),
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": content_disposition(filename),
                },
                ExpiresIn=seconds,
            )


def content_disposition(filename: str) -> str:
    """`attachment` with the name in ASCII and in UTF-8 (RFC 6266 / 5987)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("\\", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
