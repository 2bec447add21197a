"""Bearer tokens of two kinds: the development tokens (`provider-orders token`, HS256 with
JWT_SECRET) and, when OIDC_ISSUER/OIDC_AUDIENCE/OIDC_JWKS_URL are set, the access or ID tokens
of the portal's OpenID Connect provider.

A provider's token is signed with RS256 or ES256 by a key of its JWKS (never `none`, never
HS256: a public key is no secret). Its `OIDC_USER_CLAIM` (`email` by default) names the user,
who must exist here (invited, active, in an active organisation): the provider says who the
person is, this API decides what they may see.

The keys are fetched from OIDC_JWKS_URL in a worker thread (PyJWKClient: urllib with a
timeout), cached, re-fetched after OIDC_JWKS_CACHE_SECONDS and when a token names a key id not
cached (a rotation), at most once per OIDC_JWKS_MIN_REFRESH_SECONDS. When the provider cannot
be reached, the cached keys keep working; a token signed by a key not cached is refused.

Revocation (app.revocation): a provider's token carries no token version; it is bound to the
user's current one when it is checked, so deactivating the user or the organisation refuses it
at once, and `revoke-tokens` closes the WebSockets it opened (a new request with a token the
provider still honours is let in again: ending those is the provider's part).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import jwt
from cachetools import LRUCache
from jwt import PyJWK, PyJWKClient

from app.auth import AuthenticationError, Claims, bearer_token, decode_token
from app.settings import Settings

log = logging.getLogger("provider_orders.oidc")

ALGORITHMS = ("RS256", "ES256")
LEEWAY_SECONDS = 30  # clock skew tolerated between the provider and this server
KNOWN_USERS = 10_000  # claim values -> user ids remembered for the admission gate
VERIFIED_TOKENS = 10_000  # tokens whose signature and claims were checked, remembered
VERIFIED_FOR_SECONDS = 60.0  # how long (at most) a token's check is remembered


class SigningKeys:
    """The provider's public keys by key id (`kid`)."""

    def __init__(self, url: str, *, timeout: float, max_age: float, min_refresh: float):
        # Fetching only (in a thread): the caching, and what happens on failure, is decided here.
        self._client = PyJWKClient(url, cache_jwk_set=False, timeout=timeout)
        self.max_age, self.min_refresh = max_age, min_refresh
        self._keys: dict[str | None, PyJWK] = {}
        self._fetched_at: float | None = None  # monotonic time of the last successful fetch
        self._tried_at: float | None = None  # of the last attempt
        self._lock = asyncio.Lock()
        self._background: asyncio.Task | None = None

    def cached(self, kid: str | None) -> PyJWK | None:
        return self._keys.get(kid)

    async def get(self, kid: str | None) -> PyJWK:
        """The key; an unknown one is fetched (the request waits), an old cache is refreshed in
        the background (the request goes on with the cached key, even while the provider hangs)."""
        key = self._keys.get(kid)
        if key is not None:
            if self._fetched_at is None or time.monotonic() - self._fetched_at > self.max_age:
                self._refresh_soon()
            return key
        await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            raise AuthenticationError("invalid token: signed with a key the identity provider does not publish")
        return key

    def _refresh_soon(self) -> None:
        if self._background is None or self._background.done():
            self._background = asyncio.get_running_loop().create_task(self._refresh(), name="oidc-jwks-refresh")

    async def _refresh(self) -> None:
        async with self._lock:
            now = time.monotonic()
            if self._tried_at is not None and now - self._tried_at < self.min_refresh:
                return  # just tried (maybe for a concurrent request): not again so soon
            self._tried_at = now
            try:
                key_set = await asyncio.to_thread(self._client.get_jwk_set, True)
            except (jwt.PyJWTError, ValueError, OSError) as exc:
                log.warning(
                    "could not fetch the identity provider's keys from OIDC_JWKS_URL (%s); "
                    "the %d key(s) fetched before are still accepted",
                    exc,
                    len(self._keys),
                )
                return
            self._keys = {
                key.key_id: key
                for key in key_set.keys
                if key.algorithm_name in ALGORITHMS and key.public_key_use in (None, "sig")
            }
            self._fetched_at = now


class IdentityProvider:
    """Verifies the provider's tokens (issuer, audience, expiry, signature)."""

    def __init__(self, settings: Settings):
        assert settings.oidc_jwks_url and settings.oidc_issuer and settings.oidc_audience
        self.issuer, self.audience = settings.oidc_issuer, settings.oidc_audience
        self.claim = settings.oidc_user_claim.strip()
        self.keys = SigningKeys(
            settings.oidc_jwks_url,
            timeout=settings.oidc_jwks_timeout_seconds,
            max_age=settings.oidc_jwks_cache_seconds,
            min_refresh=settings.oidc_jwks_min_refresh_seconds,
        )

    async def claims(self, token: str, header: dict[str, Any]) -> Claims:
        if header.get("alg") not in ALGORITHMS:
            raise AuthenticationError("invalid token: identity provider tokens must be signed with RS256 or ES256")
        return self._claims(token, await self.keys.get(header.get("kid")))

    def cached_claims(self, token: str, header: dict[str, Any]) -> Claims | None:
        """The claims when the token's key is cached (no network), else None."""
        key = self.keys.cached(header.get("kid")) if header.get("alg") in ALGORITHMS else None
        try:
            return None if key is None else self._claims(token, key)
        except AuthenticationError:
            return None

    def _claims(self, token: str, key: PyJWK) -> Claims:
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise AuthenticationError("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise AuthenticationError("invalid token: issued for another audience than OIDC_AUDIENCE") from exc
        except jwt.InvalidIssuerError as exc:
            raise AuthenticationError("invalid token: issued by another issuer than OIDC_ISSUER") from exc
        except jwt.PyJWTError as exc:
            raise AuthenticationError("invalid token") from exc
        value = claims.get(self.claim)
        if not isinstance(value, str) or not value.strip():
            raise AuthenticationError(f"invalid token: no {self.claim!r} claim naming the user")
        if self.claim == "email" and claims.get("email_verified") is False:
            raise AuthenticationError("invalid token: the identity provider has not verified this e-mail address")
        return Claims(
            user_id=None,
            email=value.strip().lower(),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            token_version=None,
        )


class Tokens:
    """Verifies a bearer token of either kind; the kind is told by its `alg` (HS256: development)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.provider = IdentityProvider(settings) if settings.oidc_enabled else None
        # Users the provider's tokens named, for the admission gate (which must not wait on I/O).
        self._user_ids: LRUCache[str, int] = LRUCache(KNOWN_USERS)
        # A client sends the same token with every request: its signature is checked once a
        # minute, not each time (and once, not twice, per request: the admission gate asks too).
        # The user behind it is still looked up on every request.
        self._verified: LRUCache[str, tuple[float, Claims]] = LRUCache(VERIFIED_TOKENS)

    def _provider_header(self, token: str) -> dict[str, Any] | None:
        """The token's header when it is for the identity provider to verify."""
        if self.provider is None:
            return None
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        return None if header.get("alg") == "HS256" else header

    def _recalled(self, token: str) -> Claims | None:
        """A token's claims checked within the last minute, while it has not expired."""
        hit = self._verified.get(token)
        if hit is None:
            return None
        checked_at, claims = hit
        if time.monotonic() - checked_at > VERIFIED_FOR_SECONDS or claims.expires_at <= datetime.now(UTC):
            self._verified.pop(token, None)
            return None
        return claims

    async def verify(self, token: str) -> Claims:
        claims = self._recalled(token)
        if claims is not None:
            return claims
        header = self._provider_header(token)
        if header is not None and self.provider is not None:
            claims = await self.provider.claims(token, header)
        else:
            claims = decode_token(self.settings, token)
        self._verified[token] = (time.monotonic(), claims)
        return claims

    def remember(self, claims: Claims, user_id: int) -> None:
        if claims.email is not None and claims.user_id is None:
            self._user_ids[claims.email] = user_id

    def user_of(self, authorization: str | None) -> int | None:
        """Whom an HTTP request counts for at the admission gate: the user a valid token names
        (a provider's token: if its key is cached and its user was seen before), else None.
        Authentication checks the token again, with the user."""
        try:
            token = bearer_token(authorization)
            if token is None:
                return None
            recalled = self._recalled(token)
            if recalled is not None:
                if recalled.user_id is not None:
                    return recalled.user_id
                return None if recalled.email is None else self._user_ids.get(recalled.email)
            header = self._provider_header(token)
            if header is None or self.provider is None:
                return decode_token(self.settings, token).user_id
        except AuthenticationError:
            return None
        claims = self.provider.cached_claims(token, header)
        return None if claims is None or claims.email is None else self._user_ids.get(claims.email)
