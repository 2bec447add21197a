"""Persisted operations: Apollo's automatic persisted queries (APQ), or trusted documents only.

APQ (the default): a client sends `extensions.persistedQuery = {version: 1, sha256Hash}`
without the query text; a hash not known yet gets PERSISTED_QUERY_NOT_FOUND (HTTP 200, with
the message `PersistedQueryNotFound` that Apollo Client and urql look for), and the client
sends the text with the hash once, which registers it. Known texts are kept in a per-process
LRU bounded in bytes (PERSISTED_QUERY_CACHE_BYTES) and, with REDIS_URL, in Redis for
PERSISTED_QUERY_TTL_SECONDS so every process knows them (Redis unreachable: the process's own
cache; a miss only costs the client one retry with the text).

Trusted documents (TRUSTED_DOCUMENTS=<file>): only the documents of that file run, by hash or
by their exact text; anything else is refused with PERSISTED_QUERY_NOT_FOUND (HTTP 403 for a
text not in the file, so that no client loops retrying it).

Either way the resolved text goes through the usual parsing, validation, document cache,
limits and cost checks (schema.extensions).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import redis.asyncio as redis
from cachetools import LRUCache
from redis.exceptions import RedisError

from app.settings import Settings, document_hash, load_trusted_documents
from schema.extensions import UNTRUSTED

log = logging.getLogger("provider_orders.persisted")

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"  # what Apollo Client's PersistedQueryLink and urql match
REDIS_KEY_PREFIX = "provider-orders:apq:"
REDIS_TIMEOUT = 1.0  # seconds; then the process's own cache answers


class PersistedQueryError(Exception):
    """A refused persisted-query request: a GraphQL error with `code`, sent with `status`."""

    def __init__(self, message: str, code: str, status: int):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status

    @property
    def body(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}


def bad_request(message: str) -> PersistedQueryError:
    return PersistedQueryError(message, "BAD_REQUEST", 400)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def requested_hash(extensions: dict[str, Any] | None) -> str | None:
    """The request's `extensions.persistedQuery.sha256Hash`, checked; None without one."""
    if not extensions or extensions.get("persistedQuery") is None:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict):
        raise bad_request("extensions.persistedQuery must be an object {version: 1, sha256Hash}")
    if persisted.get("version", 1) != 1:
        raise bad_request("extensions.persistedQuery.version must be 1")
    value = persisted.get("sha256Hash")
    digest = document_hash(value) if isinstance(value, str) else None
    if digest is None:
        raise bad_request("extensions.persistedQuery.sha256Hash must be a SHA-256 hash: 64 hexadecimal characters")
    return digest


class PersistedQueries:
    def __init__(self, settings: Settings):
        self.max_length = settings.max_query_length
        self.ttl = settings.persisted_query_ttl_seconds
        self.trusted = load_trusted_documents(settings.trusted_documents) if settings.trusted_documents else None
        # A trusted document's text may come without its hash: recognised by the text's own hash.
        self.trusted_texts = {sha256_of(text) for text in (self.trusted or {}).values()}
        self.known: LRUCache[str, str] = LRUCache(maxsize=settings.persisted_query_cache_bytes, getsizeof=len)
        self.redis = (
            redis.from_url(settings.redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
            if settings.redis_url and self.trusted is None
            else None
        )
        self._redis_failing = False

    async def query(self, text: str | None, extensions: dict[str, Any] | None) -> str | None:
        """The query text to run for a request's `query` and `extensions`; raises PersistedQueryError."""
        digest = requested_hash(extensions)
        if self.trusted is not None:
            return self._trusted(text, digest)
        if digest is None:
            return text
        if text is None:
            known = await self._get(digest)
            if known is None:
                raise PersistedQueryError(NOT_FOUND_MESSAGE, NOT_FOUND, 200)
            return known
        if sha256_of(text) != digest:
            raise bad_request("extensions.persistedQuery.sha256Hash is not the SHA-256 of the query")
        if len(text) <= self.max_length:  # a longer one is refused by the document limits anyway
            await self._put(digest, text)
        return text

    def _trusted(self, text: str | None, digest: str | None) -> str | None:
        if digest is not None:
            document = self.trusted.get(digest) if self.trusted else None
            if document is None:
                raise PersistedQueryError(
                    "PersistedQueryNotFound: this server runs only its trusted documents (TRUSTED_DOCUMENTS), "
                    "and this hash is not one of them",
                    NOT_FOUND,
                    200 if text is None else 403,
                )
            if text is not None and text != document:
                raise bad_request("extensions.persistedQuery.sha256Hash names another document than the query sent")
            return document
        if text is not None and sha256_of(text) not in self.trusted_texts:
            raise PersistedQueryError(UNTRUSTED, NOT_FOUND, 403)
        return text

    async def _get(self, digest: str) -> str | None:
        text = self.known.get(digest)
        if text is not None or self.redis is None:
            return text
        try:
            value = await self.redis.get(REDIS_KEY_PREFIX + digest)
        except (RedisError, OSError) as exc:
            self._redis_failed(exc)
            return None
        self._redis_failing = False
        if not isinstance(value, bytes):
            return None
        text = value.decode("utf-8", "replace")
        if sha256_of(text) != digest:  # stored once its hash was checked; checked again, as Redis is shared
            return None
        self.known[digest] = text
        return text

    async def _put(self, digest: str, text: str) -> None:
        if digest in self.known:
            return
        self.known[digest] = text
        if self.redis is not None:
            try:
                await self.redis.set(REDIS_KEY_PREFIX + digest, text.encode("utf-8"), ex=self.ttl)
            except (RedisError, OSError) as exc:
                self._redis_failed(exc)
                return
            self._redis_failing = False

    def _redis_failed(self, exc: BaseException) -> None:
        if not self._redis_failing:  # once per outage
            self._redis_failing = True
            log.warning("persisted queries: Redis unavailable (%r); using this process's cache", exc)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
