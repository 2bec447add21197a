"""Attachments in a local folder: each file written to a temporary name, then renamed into place."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

CHUNK = 256 * 1024


class LocalStorage:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        # Keys are made by the domain (ids and random hex); refuse anything that leaves the root.
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or ".." in Path(key).parts:
            raise ValueError(f"bad storage key {key!r}")
        return path

    async def put(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        handle = await asyncio.to_thread(open, partial, "wb")
        try:
            async for chunk in chunks:
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(os.replace, partial, path)
        except BaseException:
            handle.close()
            partial.unlink(missing_ok=True)
            raise

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes, a chunk at a time (downloads)."""
        handle = await asyncio.to_thread(open, self._path(key), "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()
