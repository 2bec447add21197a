"""Settings from the environment (pydantic-settings)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from limits import parse as parse_rate
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError
from strawberry.http.websocket_origin import normalize_origin

DEVELOPMENT_SECRET = "dev-secret-change-me-in-production-0123456789"
# An HS256 key must be at least as long as the hash output, 256 bits (RFC 7518, section 3.2).
MIN_SECRET_BYTES = 32
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Numbers a setting may take: anything else stops start-up with one line (get_settings).
Positive = Annotated[int, Field(ge=1)]
NonNegative = Annotated[int, Field(ge=0)]
Port = Annotated[int, Field(ge=1, le=65535)]
Seconds = Annotated[float, Field(gt=0)]
NonNegativeSeconds = Annotated[float, Field(ge=0)]

log = logging.getLogger(__name__)
_warned_about_secret = False


class SettingsError(RuntimeError):
    """A setting the server must not run with; the message is one line for the operator."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    env: Environment = Field(default=Environment.DEVELOPMENT, alias="PROVIDER_ORDERS_ENV")
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'provider_orders.db'}"
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: Port = 8000

    jwt_secret: str = DEVELOPMENT_SECRET
    jwt_issuer: str = "provider-orders"
    jwt_ttl_seconds: Positive = 24 * 3600

    # OpenID Connect (app.oidc): the portal's identity provider's tokens (RS256/ES256), besides
    # the development tokens; the three URLs/names together, or none.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_user_claim: str = "email"  # the claim whose value is the user's e-mail here
    oidc_jwks_timeout_seconds: Seconds = 5.0
    oidc_jwks_cache_seconds: Seconds = 3600.0  # keys re-fetched this often (kept while the provider is down)
    oidc_jwks_min_refresh_seconds: NonNegativeSeconds = 10.0  # an unknown `kid` re-fetches at most this often

    # Pages on these origins may call the API from a browser, over HTTP (CORS) and WebSocket;
    # comma-separated or a JSON list; "*" for any (app.origins).
    cors_origins: Annotated[list[str], NoDecode] = []
    graphiql: bool | None = None  # default: on outside production
    introspection: bool | None = None  # default: on outside production
    max_request_bytes: Positive = 256 * 1024
    max_query_depth: Positive = 12
    max_aliases: NonNegative = 30
    max_tokens: Positive = 5000  # lexical tokens of a document, comments included

    # Cost before work (schema.cost, schema.extensions): refused before any resolver runs.
    max_query_length: Positive = 50_000  # characters of a query document
    max_fragment_spreads: NonNegative = 200  # per operation, counted as executed (a fragment spread twice: twice)
    max_query_cost: Positive = 50_000  # objects an operation may return, as schema.cost counts them
    max_leads_per_order: Positive = 10_000
    document_cache_bytes: NonNegative = 32 * 1024 * 1024  # parsed and validated documents kept (estimated size)
    document_cache_max_length: NonNegative = 10_000  # longer documents are parsed and validated every time

    # PostgreSQL: answer the orders list and an order's page with JSON built in one statement
    # (schema.compiled); off: the resolvers answer every field.
    compiled_reads: bool = True
    # Persisted operations (app.persisted): Apollo's automatic persisted queries, kept in memory
    # (and in Redis with REDIS_URL, shared by every process); or, with TRUSTED_DOCUMENTS (a JSON
    # file of hash -> document), only those documents run.
    persisted_query_cache_bytes: NonNegative = 8 * 1024 * 1024  # query texts kept in memory, per process
    persisted_query_ttl_seconds: Positive = 7 * 24 * 3600  # how long Redis keeps a registered query
    trusted_documents: str | None = None

    legacy_graphql_ws: bool = False  # the old `graphql-ws` sub-protocol; off (poor auth history)
    subscription_queue_size: Positive = 1000  # events queued per subscriber before it is closed as too slow
    redis_channel: str = "provider-orders:events"  # the Redis pub/sub channel of the event bus
    event_poll_seconds: Seconds = 10.0  # re-read stored events this often even without a bus message
    ws_per_message_deflate: bool = False  # accept WebSocket compression: ~40 KB more per open socket
    ws_ping_seconds: NonNegativeSeconds = 20.0  # keepalive ping interval (and pong timeout) on WebSockets; 0 = none

    # Overflow connections are opened for a burst and closed when handed back: under sustained
    # load they churn (a new PostgreSQL backend each time), so the pool itself should cover it.
    db_pool_size: Positive = 15
    db_max_overflow: NonNegative = 5
    db_pool_timeout: Seconds = 10.0
    db_statement_timeout_ms: NonNegative = 15000
    db_connect_timeout: Seconds = 5.0
    db_ping_after_idle_seconds: NonNegativeSeconds = 1.0  # check a pooled connection left idle longer before reuse
    db_idle_in_transaction_timeout_ms: NonNegative = 60000
    mutation_attempts: Positive = 5  # tries of a transaction that lost a race (serialization, deadlock, busy)
    readiness_timeout: Seconds = 2.0
    max_concurrent_requests: Positive = 16  # GraphQL operations (HTTP and WebSocket) executing at once, per process

    # Admission (app.admission): the caps are per server process; the mutation rate limit is
    # shared by every process when REDIS_URL is set.
    admission_timeout_seconds: Seconds = 5.0  # longest wait for a slot; then SERVICE_UNAVAILABLE (retryAfter)
    max_concurrent_per_user: Positive = 4  # slots (of MAX_CONCURRENT_REQUESTS) one user holds at once; the rest wait
    max_sockets_per_user: Positive = 10  # open WebSockets of one user; a further one is closed with 4429
    max_operations_per_socket: Positive = 50  # subscriptions and operations in flight on one WebSocket
    max_operations_per_user: Positive = 200  # the same, over all the user's sockets and HTTP requests
    max_subscription_cost_per_user: NonNegative = 5000  # the query costs of a user's open subscriptions, together
    mutation_rate_limit: str = "60/minute"  # mutations per user (`limits` syntax, moving window); "" = none
    rate_limit_key_prefix: str = "provider-orders:limits"  # prefix of the rate limits' Redis keys

    # Revocation: each process re-checks the users of its open WebSockets this often (one query),
    # besides the bus message sent when access ends; a refused user's sockets close with 4403.
    access_recheck_seconds: Seconds = 5.0

    # Notifications (e-mail is off without SMTP_HOST; in-app notifications always work).
    smtp_host: str | None = None
    smtp_port: Port = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Provider Orders <no-reply@provider-orders.invalid>"
    public_url: str = "http://127.0.0.1:8000"
    comment_digest_seconds: NonNegative = 300
    smtp_timeout_seconds: Seconds = 30.0
    mail_max_attempts: Positive = 6  # then the e-mail is FAILED (5xx refusals fail at once)
    mail_retry_seconds: Seconds = 60.0  # first retry delay; doubles each attempt (capped at 6 hours)
    mail_poll_seconds: Seconds = 5.0  # how often an idle delivery worker looks for due e-mails

    # Attachments (domain.attachments, app.uploads, app.storage, app.downloads).
    file_storage_path: Path = PROJECT_ROOT / "data" / "files"  # the local folder (without FILE_STORAGE_URL)
    file_storage_url: str | None = None  # s3://bucket/prefix: S3-compatible object storage instead
    s3_endpoint_url: str | None = None  # e.g. a MinIO or other S3-compatible server; unset: AWS
    s3_region: str | None = None
    s3_access_key_id: str | None = None  # unset: the usual AWS_* variables and files apply
    s3_secret_access_key: str | None = None
    max_upload_mb: Positive = 25  # per file, and for the files of one request together
    max_upload_files: Annotated[int, Field(ge=1, le=100)] = 10  # files per request
    file_url_seconds: Positive = 300  # how long an `Attachment.url` stays valid

    # Production posture. Suggestions ("Did you mean 'orders'?") in the errors for unknown fields,
    # arguments, input fields and enum values spell out the schema even with introspection off.
    graphql_suggestions: bool | None = None  # default: on outside production

    @field_validator("mutation_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        if value.strip():
            try:
                parse_rate(value)
            except ValueError:
                raise ValueError("expected a rate such as '60/minute' or '1000/hour', or empty for none") from None
        return value

    @field_validator("file_storage_url")
    @classmethod
    def _storage_url(cls, value: str | None) -> str | None:
        if value and not (value.startswith("s3://") and value[len("s3://") :].split("/")[0]):
            raise ValueError("expected s3://bucket/prefix (unset: the local folder FILE_STORAGE_PATH)")
        return value or None

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> list[str]:
        return parse_origins(value)

    @field_validator("trusted_documents")
    @classmethod
    def _trusted(cls, value: str | None) -> str | None:
        if value:
            load_trusted_documents(value)  # refuses start-up on a file that will not do
        return value or None

    @model_validator(mode="after")
    def _oidc(self) -> Settings:
        given = [self.oidc_issuer, self.oidc_audience, self.oidc_jwks_url]
        if any(given) and not all(given):
            raise ValueError("OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL go together: set all three, or none")
        if self.oidc_jwks_url and urlsplit(self.oidc_jwks_url).scheme not in ("https", "http"):
            raise ValueError("OIDC_JWKS_URL must be an https:// URL")
        if self.oidc_jwks_url and self.is_production and urlsplit(self.oidc_jwks_url).scheme != "https":
            raise ValueError("OIDC_JWKS_URL must be an https:// URL in production")
        if not self.oidc_user_claim.strip():
            raise ValueError("OIDC_USER_CLAIM must name a claim, such as 'email'")
        return self

    @property
    def trusted_document_hashes(self) -> frozenset[str] | None:
        """With TRUSTED_DOCUMENTS, the SHA-256 of each document's text (the file read now)."""
        if not self.trusted_documents:
            return None
        documents = load_trusted_documents(self.trusted_documents).values()
        return frozenset(hashlib.sha256(text.encode("utf-8")).hexdigest() for text in documents)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_jwks_url)

    @property
    def is_production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_production) if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return (not self.is_production) if self.introspection is None else self.introspection

    @property
    def suggestions_enabled(self) -> bool:
        return (not self.is_production) if self.graphql_suggestions is None else self.graphql_suggestions

    def check_secret(self) -> None:
        """Outside development, refuse the development secret (it is public) and short secrets;
        in development, warn once about the development secret."""
        global _warned_about_secret
        if self.env is Environment.DEVELOPMENT:
            if self.jwt_secret == DEVELOPMENT_SECRET and not _warned_about_secret:
                _warned_about_secret = True
                log.warning("using the development JWT secret; set JWT_SECRET before deploying")
            return
        advice = "e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
        if self.jwt_secret == DEVELOPMENT_SECRET:
            raise SettingsError(
                f"JWT_SECRET is unset or the public development secret: set a secret of at least "
                f"{MIN_SECRET_BYTES} bytes to run in {self.env.value} mode ({advice})"
            )
        if len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise SettingsError(
                f"JWT_SECRET is {len(self.jwt_secret.encode())} bytes long: at least {MIN_SECRET_BYTES} "
                f"are needed in {self.env.value} mode ({advice})"
            )


def parse_origins(value: object) -> list[str]:
    """CORS_ORIGINS: a JSON list or comma-separated origins (scheme, host, optional port), or
    "*"; each as browsers send it in `Origin` (lowercase, default port left out)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                raise ValueError("not a valid JSON list; write origins comma-separated or as a JSON list") from None
        else:
            value = [part for part in (part.strip() for part in text.split(",")) if part]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected origins, comma-separated or as a JSON list of strings")
    origins: list[str] = []
    for item in value:
        origin = "*" if item.strip() == "*" else normalize_origin(item)
        if origin != "*" and (origin is None or not _bare_web_origin(item)):
            raise ValueError(
                f"{item!r} is not an origin such as 'https://portal.example.com' or 'http://localhost:5173'"
            )
        if origin not in origins:
            origins.append(origin)
    return origins


SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def document_hash(key: str) -> str | None:
    """A persisted document's SHA-256 as 64 lowercase hex digits (a `sha256:` prefix allowed), else None."""
    digest = key.strip().lower().removeprefix("sha256:")
    return digest if SHA256_HEX.match(digest) else None


def load_trusted_documents(path: str) -> dict[str, str]:
    """TRUSTED_DOCUMENTS: a JSON object of SHA-256 -> document, as GraphQL Codegen's client preset
    (persisted-documents.json) or Relay (persistConfig with SHA256) writes it."""
    try:
        documents = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {path!r}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"{path!r} is not a JSON file") from None
    if not isinstance(documents, dict):
        raise ValueError(f"{path!r} must hold a JSON object of SHA-256 hash -> document")
    trusted: dict[str, str] = {}
    for key, document in documents.items():
        digest = document_hash(key)
        if digest is None or not isinstance(document, str) or not document.strip():
            raise ValueError(f"{path!r}: {key[:80]!r} is not a SHA-256 hash (64 hex digits) of a document")
        trusted[digest] = document
    return trusted


def _bare_web_origin(text: str) -> bool:
    """http(s), a host, maybe a port; no path, query, fragment or user."""
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment or parts.username)
    )


@lru_cache
def get_settings() -> Settings:
    """The settings from the environment; a value that does not parse raises SettingsError
    naming the setting (not its value, which may be a secret)."""
    try:
        return Settings()
    except SourceError as exc:  # a value pydantic-settings could not decode (JSON of a complex setting)
        raise SettingsError(f"invalid setting: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])).upper()}: {error['msg']}"
            if error["loc"]
            else error["msg"].removeprefix("Value error, ")
            for error in exc.errors()
        )
        raise SettingsError(f"invalid setting {problems}") from None
