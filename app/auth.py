"""Bearer tokens (PyJWT) and loading the viewer they name.

A development token names a user and the user's token version when it was minted (claim `tv`;
0 when absent). It is refused when the user or the user's organisation is deactivated, or when
the user's tokens were revoked since (the version moved on: `domain.accounts.revoke_tokens`).
An identity provider's token (app.oidc) names the user by e-mail and carries no version.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import jwt
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

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


def _lookup(which: Any) -> Any:
    # Columns, not entities: every request runs it, and rows cost far less than ORM objects.
    return (
        select(
            User.id,
            User.email,
            User.name,
            User.role,
            User.token_version,
            Organization.id.label("organization_id"),
            Organization.kind,
            Organization.portal_id,
        )
        .join(Organization, Organization.id == User.organization_id)
        .where(which, *_allowed())
    )


# Built once: SQLAlchemy then finds each in its compiled cache without rebuilding the statement.
_BY_ID = _lookup(User.id == bindparam("key"))
_BY_EMAIL = _lookup(User.email == bindparam("key"))


class _Row(NamedTuple):
    viewer: Viewer
    token_version: int


async def _user_and_organization(
    bind: AsyncSession | AsyncConnection, user_id: int | None = None, email: str | None = None
) -> _Row | None:
    """The active user (by id, or by e-mail) of an active organisation, as a viewer."""
    statement, key = (_BY_ID, user_id) if email is None else (_BY_EMAIL, email)
    row = (await bind.execute(statement, {"key": key})).first()
    if row is None:
        return None
    viewer = Viewer(
        user_id=row.id,
        email=row.email,
        name=row.name,
        organization_id=row.organization_id,
        organization_kind=row.kind,
        portal_id=row.portal_id,
        role=row.role,
    )
    return _Row(viewer, row.token_version or 0)


async def load_viewer(
    bind: AsyncSession | AsyncConnection, user_id: int, token_version: int | None = None
) -> Viewer | None:
    """The viewer, if the user and its organisation are active (and, given a token's version,
    the user's tokens were not revoked since it was minted)."""
    row = await _user_and_organization(bind, user_id)
    if row is None or (token_version is not None and row.token_version != token_version):
        return None
    return row.viewer


def token_version_of(claims: dict) -> int:
    version = claims.get("tv", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise AuthenticationError("invalid token")
    return version


async def authenticate(bind: AsyncSession | AsyncConnection, claims: Claims) -> Authenticated:
    """The viewer a verified token names, when the token expires, and the token's version (an
    identity provider's token: the user's current one)."""
    if claims.email is not None:
        row = await _user_and_organization(bind, email=claims.email)
        if row is None:
            raise AuthenticationError(
                f"unknown user: no active account for {claims.email!r} here; "
                "ask your portal's administrator for an invitation"
            )
        return Authenticated(row.viewer, claims.expires_at, row.token_version)
    row = await _user_and_organization(bind, claims.user_id)
    if row is None:
        raise AuthenticationError("unknown user")
    if row.token_version != claims.token_version:
        raise AuthenticationError("token revoked")
    return Authenticated(row.viewer, claims.expires_at, claims.token_version or 0)


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
