"""Uploads by the GraphQL multipart request spec, read as a stream.

A multipart request (`operations`, then `map`, then the files) is parsed as its body arrives
(python-multipart): each file goes to a temporary file (in memory up to 1 MiB, on disk past
that) while its size is counted, so a file over MAX_UPLOAD_MB is refused with VALIDATION as
soon as it crosses the limit, without reading the rest of the body; the same for the whole
request, and for more files than MAX_UPLOAD_FILES. The `map` is checked against the files and
the operation's variables (every path must name a `null` of `operations`), then the
placeholders are replaced by `SpooledUpload`s, which the mutation streams to the file storage
(domain.attachments). The temporary files are removed when the request ends, whatever happened.

CSRF: a form post is a "simple" request that browsers send across origins without a
preflight, so a multipart request must carry one of `PREFLIGHT_HEADERS` (as Apollo Server
and the spec recommend), which no cross-site form can set.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from tempfile import SpooledTemporaryFile
from typing import Any

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from starlette.requests import Request

from domain.attachments import HEAD_BYTES

PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name", "graphql-preflight")
IN_MEMORY = 1024 * 1024  # a file's bytes kept in memory before its temporary file moves to disk
CHUNK = 256 * 1024
MAX_FIELD_BYTES = 256 * 1024  # `operations` and `map`
MAX_HEADER_BYTES = 4096

# The parsed request of the running HTTP request (read back by the GraphQL view's parse_multipart).
current_upload: ContextVar[UploadRequest | None] = ContextVar("current_upload", default=None)


class UploadError(Exception):
    """A multipart request refused before execution: a GraphQL-shaped error with this code."""

    def __init__(self, message: str, code: str = "BAD_REQUEST", status: int = 400):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass
class UploadLimits:
    max_file_bytes: int
    max_request_bytes: int
    max_files: int


class SpooledUpload:
    """One uploaded file, kept in a temporary file until the request ends (domain.attachments.IncomingFile)."""

    def __init__(self, field_name: str, filename: str, content_type: str | None):
        self.field_name, self.filename, self.content_type = field_name, filename, content_type
        self.size = 0
        self.head = b""
        self._file: Any = SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 - closed by UploadRequest.close

    @property
    def _on_disk(self) -> bool:
        return bool(getattr(self._file, "_rolled", False))

    async def write(self, data: bytes) -> None:
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self.size += len(data)
        if self._on_disk or self.size > IN_MEMORY:
            await asyncio.to_thread(self._file.write, data)
        else:
            self._file.write(data)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The bytes from the start, a chunk at a time (read again on each call)."""
        await asyncio.to_thread(self._file.seek, 0)
        while chunk := await asyncio.to_thread(self._file.read, CHUNK):
            yield chunk

    def close(self) -> None:
        self._file.close()


@dataclass
class UploadRequest:
    operations: Any = None
    files: dict[str, SpooledUpload] = field(default_factory=dict)

    def close(self) -> None:
        for upload in self.files.values():
            upload.close()


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "multipart/form-data"


def check_preflight(request: Request) -> None:
    if not any(request.headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
        raise UploadError(
            "a multipart request must carry a non-empty `Apollo-Require-Preflight` (or `X-Apollo-Operation-Name`, "
            "`GraphQL-Preflight`) header: CSRF protection"
        )


def _boundary(request: Request) -> bytes:
    match = re.search(r'boundary="?([^";]+)"?', request.headers.get("content-type", ""), re.IGNORECASE)
    if not match:
        raise UploadError("the multipart request has no boundary")
    return match.group(1).encode("latin-1")


def _disposition(value: str) -> tuple[str | None, str | None]:
    """(name, filename) of a Content-Disposition header."""

    def param(key: str) -> str | None:
        found = re.search(rf'(?:^|;)\s*{key}="((?:[^"\\]|\\.)*)"', value) or re.search(
            rf"(?:^|;)\s*{key}=([^;\s]+)", value
        )
        return found.group(1).replace('\\"', '"') if found else None

    return param("name"), param("filename")


async def parse_upload_request(request: Request, limits: UploadLimits) -> UploadRequest:
    """Read the multipart body as it arrives; the caller closes the result (its temporary files)."""
    parser_events: list[tuple[str, bytes]] = []

    def on(kind: str):
        def callback(data: bytes | None = None, start: int = 0, end: int = 0) -> None:
            parser_events.append((kind, data[start:end] if data is not None else b""))

        return callback

    def simple(kind: str):
        return lambda: parser_events.append((kind, b""))

    callbacks: Any = {
        "on_part_begin": simple("part_begin"),
        "on_part_data": on("part_data"),
        "on_part_end": simple("part_end"),
        "on_header_field": on("header_field"),
        "on_header_value": on("header_value"),
        "on_header_end": simple("header_end"),
        "on_headers_finished": simple("headers_finished"),
    }
    parser = MultipartParser(_boundary(request), callbacks)
    result = UploadRequest()
    fields: dict[str, bytes] = {}
    total = 0
    header_field, header_value = b"", b""
    headers: dict[bytes, bytes] = {}
    current_field: bytearray | None = None
    current_name: str | None = None
    current_file: SpooledUpload | None = None
    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except MultipartParseError as error:
                raise UploadError(f"the multipart body does not parse: {error}") from None
            for kind, data in parser_events:
                if kind == "part_begin":
                    headers, header_field, header_value = {}, b"", b""
                elif kind == "header_field":
                    header_field += data
                elif kind == "header_value":
                    header_value += data
                elif kind == "header_end":
                    if len(header_value) > MAX_HEADER_BYTES:
                        raise UploadError("a multipart header is too long")
                    headers[header_field.lower()] = header_value
                    header_field, header_value = b"", b""
                elif kind == "headers_finished":
                    disposition = headers.get(b"content-disposition", b"").decode("utf-8", "replace")
                    current_name, filename = _disposition(disposition)
                    if not current_name:
                        raise UploadError("a multipart part has no name")
                    if filename is None:
                        if current_name not in ("operations", "map") or current_name in fields:
                            raise UploadError(f"unexpected multipart field {current_name!r}")
                        current_field, current_file = bytearray(), None
                    else:
                        if "operations" not in fields or "map" not in fields:
                            raise UploadError("the `operations` and `map` fields must come before the files")
                        if current_name in result.files:
                            raise UploadError(f"the file field {current_name!r} is sent twice")
                        if len(result.files) >= limits.max_files:
                            raise UploadError(
                                f"at most {limits.max_files} files may be uploaded at once", "VALIDATION", 413
                            )
                        content_type = headers.get(b"content-type", b"").decode("latin-1") or None
                        current_file = SpooledUpload(current_name, filename, content_type)
                        result.files[current_name] = current_file
                        current_field = None
                elif kind == "part_data":
                    if current_file is not None:
                        total += len(data)
                        if current_file.size + len(data) > limits.max_file_bytes:
                            raise UploadError(
                                f"the file {current_file.filename!r} is over the limit of "
                                f"{limits.max_file_bytes // (1024 * 1024)} MB",
                                "VALIDATION",
                                413,
                            )
                        if total > limits.max_request_bytes:
                            raise UploadError(
                                f"the files of one request may add up to {limits.max_request_bytes // (1024 * 1024)} "
                                "MB at most",
                                "VALIDATION",
                                413,
                            )
                        await current_file.write(data)
                    elif current_field is not None:
                        current_field += data
                        if len(current_field) > MAX_FIELD_BYTES:
                            raise UploadError(f"the multipart field {current_name!r} is too long", status=413)
                elif kind == "part_end" and current_field is not None and current_name is not None:
                    fields[current_name] = bytes(current_field)
                    current_field = None
            parser_events.clear()
        parser.finalize()
        result.operations = _operations_with_files(fields, result.files)
        return result
    except BaseException:
        result.close()
        raise


def _json_field(fields: dict[str, bytes], name: str) -> Any:
    if name not in fields:
        raise UploadError(f"the multipart request has no `{name}` field (GraphQL multipart request spec)")
    try:
        return json.loads(fields[name])
    except (ValueError, RecursionError):
        raise UploadError(f"the multipart field `{name}` is not valid JSON") from None


def _operations_with_files(fields: dict[str, bytes], files: dict[str, SpooledUpload]) -> Any:
    operations = _json_field(fields, "operations")
    files_map = _json_field(fields, "map")
    if not isinstance(operations, dict):
        raise UploadError("`operations` must be a JSON object (batched operations are not supported)")
    if not isinstance(files_map, dict) or not all(
        isinstance(paths, list) and paths and all(isinstance(p, str) for p in paths) for paths in files_map.values()
    ):
        raise UploadError("`map` must be a JSON object of file field names to lists of paths")
    for name in files:
        if name not in files_map:
            raise UploadError(f"the file field {name!r} is not in `map`")
    for name, paths in files_map.items():
        if name not in files:
            raise UploadError(f"`map` names the file field {name!r}, which the request does not have")
        for path in paths:
            _place(operations, path, files[name])
    return operations


def _place(operations: dict, path: str, upload: SpooledUpload) -> None:
    """Put `upload` where `path` (e.g. `variables.input.files.0`) points: at a null of `operations`."""
    keys = path.split(".")
    target: Any = operations
    for key in keys[:-1]:
        target = _step(target, key, path)
    last = keys[-1]
    if isinstance(target, list) and last.isdigit() and int(last) < len(target) and target[int(last)] is None:
        target[int(last)] = upload
    elif isinstance(target, dict) and last in target and target[last] is None:
        target[last] = upload
    else:
        raise UploadError(f"`map` path {path!r} does not name a null variable of `operations`")


def _step(target: Any, key: str, path: str) -> Any:
    if isinstance(target, dict) and key in target:
        return target[key]
    if isinstance(target, list) and key.isdigit() and int(key) < len(target):
        return target[int(key)]
    raise UploadError(f"`map` path {path!r} does not name a variable of `operations`")
