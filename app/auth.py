"""Bearer tokens (PyJWT) and loading the viewer they name.

A development token names a user and the user's token version when it was minted (claim `tv`;
0 when absent). It is refused when the user or the user's organisation is deactivated, or when
the user's tokens were revoked since (the version moved on: `domain.accounts.revoke_tokens`).
An identity provider's token (app.oidc) names the user by e-mail and carries no version.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import jwt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from domain.viewer import Viewer
from models import Organization, User

ALGORITHM = "HS256"


class AuthenticationError(Exception):
    """No token, a bad, expired or revoked one, or one for a user who no longer exists or was
    deactivated (or whose organisation was)."""


class Claims(NamedTuple):
    """What a verified token says: a user id and token version (development tokens), or an
    e-mail (an identity provider's tokens, bound to the user's current token version)."""

    user_id: int | None
    email: str | None
    expires_at: datetime
    token_version: int | None


class Authenticated(NamedTuple):
    viewer: Viewer
    expires_at: datetime
    token_version: int


def mint_token(settings: Settings, user: User, ttl_seconds: int | None = None) -> str:
    now = datetime.now(UTC)
    ttl = settings.jwt_ttl_seconds if ttl_seconds is None else ttl_seconds
    claims = {
        "sub": str(user.id),
        "email": user.email,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
        "tv": user.token_version or 0,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def decode_token(settings: Settings, token: str) -> Claims:
    """A development token's claims (HS256, JWT_SECRET)."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            issuer=settings.jwt_issuer,
            options={"require": ["sub", "exp", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthenticationError("token expired") from exc
    except jwt.PyJWTError as exc:
        raise AuthenticationError("invalid token") from exc
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise AuthenticationError("invalid token") from exc
    return Claims(user_id, None, datetime.fromtimestamp(claims["exp"], UTC), token_version_of(claims))


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("expected 'Authorization: Bearer <token>'")
    return token.strip()


def _allowed() -> tuple:
    return User.is_active.is_(True), Organization.is_active.is_(True)


async def _user_and_organization(
    session: AsyncSession, user_id: int | None = None, email: str | None = None
) -> tuple[User, Organization] | None:
    which = User.id == user_id if email is None else User.email == email
    row = (
        await session.execute(
            select(User, Organization)
            .join(Organization, Organization.id == User.organization_id)
            .where(which, *_allowed())
        )
    ).first()
    return None if row is None else (row[0], row[1])


def _viewer(user: User, org: Organization) -> Viewer:
    return Viewer(
        user_id=user.id,
        email=user.email,
        name=user.name,
        organization_id=org.id,
        organization_kind=org.kind,
        portal_id=org.portal_id,
        role=user.role,
    )


async def load_viewer(session: AsyncSession, user_id: int, token_version: int | None = None) -> Viewer | None:
    """The viewer, if the user and its organisation are active (and, given a token's version,
    the user's tokens were not revoked since it was minted)."""
    row = await _user_and_organization(session, user_id)
    if row is None or (token_version is not None and (row[0].token_version or 0) != token_version):
        return None
    return _viewer(*row)


def token_version_of(claims: dict) -> int:
    version = claims.get("tv", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise AuthenticationError("invalid token")
    return version


async def authenticate(session: AsyncSession, claims: Claims) -> Authenticated:
    """The viewer a verified token names, when the token expires, and the token's version (an
    identity provider's token: the user's current one)."""
    if claims.email is not None:
        row = await _user_and_organization(session, email=claims.email)
        if row is None:
            raise AuthenticationError(
                f"unknown user: no active account for {claims.email!r} here; "
                "ask your portal's administrator for an invitation"
            )
        return Authenticated(_viewer(*row), claims.expires_at, row[0].token_version or 0)
    row = await _user_and_organization(session, claims.user_id)
    if row is None:
        raise AuthenticationError("unknown user")
    if (row[0].token_version or 0) != claims.token_version:
        raise AuthenticationError("token revoked")
    return Authenticated(_viewer(*row), claims.expires_at, claims.token_version or 0)


async def current_token_versions(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, int]:
    """User id -> current token version, for those of `user_ids` still allowed in (active, in an
    active organisation); the others are missing. One query per few thousand users."""
    ids = sorted(set(user_ids))
    versions: dict[int, int] = {}
    for i in range(0, len(ids), CHUNK):
        rows = await session.execute(
            select(User.id, User.token_version)
            .join(Organization, Organization.id == User.organization_id)
            .where(User.id.in_(ids[i : i + CHUNK]), *_allowed())
        )
        versions.update((user_id, version or 0) for user_id, version in rows)
    return versions


CHUNK = 5000  # ids per IN list (bound parameters: asyncpg allows 32767)
