"""Bearer tokens (PyJWT) and loading the viewer they name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.settings import Settings
from domain.viewer import Viewer
from models import Organization, User

ALGORITHM = "HS256"


class AuthenticationError(Exception):
    """No token, a bad or expired one, or one for a user who no longer exists."""


def mint_token(settings: Settings, user: User, ttl_seconds: int | None = None) -> str:
    now = datetime.now(UTC)
    ttl = settings.jwt_ttl_seconds if ttl_seconds is None else ttl_seconds
    claims = {
        "sub": str(user.id),
        "email": user.email,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def decode_token(settings: Settings, token: str) -> dict:
    try:
        return jwt.decode(
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


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("expected 'Authorization: Bearer <token>'")
    return token.strip()


async def load_viewer(session: AsyncSession, user_id: int) -> Viewer | None:
    row = (
        await session.execute(
            select(User, Organization)
            .join(Organization, Organization.id == User.organization_id)
            .where(User.id == user_id, User.is_active.is_(True))
        )
    ).first()
    if row is None:
        return None
    user, org = row
    return Viewer(
        user_id=user.id,
        email=user.email,
        name=user.name,
        organization_id=org.id,
        organization_kind=org.kind,
        portal_id=org.portal_id,
    )


async def authenticate(session: AsyncSession, settings: Settings, token: str) -> tuple[Viewer, datetime]:
    """The viewer a token names, and when the token expires."""
    claims = decode_token(settings, token)
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise AuthenticationError("invalid token") from exc
    viewer = await load_viewer(session, user_id)
    if viewer is None:
        raise AuthenticationError("unknown user")
    return viewer, datetime.fromtimestamp(claims["exp"], UTC)
