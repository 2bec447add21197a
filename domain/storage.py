"""The file storage the domain writes attachments to: one small interface, two implementations
in app/storage (a local folder; S3-compatible object storage)."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Protocol


class FileStorage(Protocol):
    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> None:
        """Store the bytes `chunks` yields under `key`, a chunk at a time. A failure (including one
        raised by `chunks`) leaves nothing under `key`."""

    async def delete(self, key: str) -> None:
        """Remove `key`; nothing happens when it is not there."""

    async def exists(self, key: str) -> bool: ...
