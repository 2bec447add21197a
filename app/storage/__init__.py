"""File storage for attachments: a local folder (default) or S3-compatible object storage
(`FILE_STORAGE_URL=s3://bucket/prefix`). Both implement `domain.storage.FileStorage` and serve
downloads (`app.downloads`)."""

from __future__ import annotations

from app.settings import Settings, SettingsError
from app.storage.local import LocalStorage
from app.storage.s3 import S3Storage


def create_storage(settings: Settings) -> LocalStorage | S3Storage:
    url = settings.file_storage_url
    if not url:
        return LocalStorage(settings.file_storage_path)
    if url.startswith("s3://"):
        bucket, _, prefix = url[len("s3://") :].partition("/")
        if not bucket:
            raise SettingsError("FILE_STORAGE_URL: expected s3://bucket/prefix")
        return S3Storage(
            bucket,
            prefix.strip("/"),
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
        )
    raise SettingsError("FILE_STORAGE_URL: only s3://bucket/prefix is supported (unset: the local folder)")


__all__ = ["LocalStorage", "S3Storage", "create_storage"]
