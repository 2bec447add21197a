"""Signed download links of attachments: the signature binds the user (and its token version,
so revoking the user's tokens ends its links too), the attachment and the expiry."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

AUDIENCE = "attachment-download"


class InvalidLink(Exception):
    """Tampered, expired or malformed."""


@dataclass(frozen=True)
class Link:
    user_id: int
    token_version: int
    attachment_id: int


def _key(secret: str) -> bytes:
    # A key of its own: a download link is never a bearer token, nor the reverse.
    return hmac.new(secret.encode(), b"attachment-download", hashlib.sha256).digest()


def sign(secret: str, link: Link, expires_at: datetime) -> str:
    claims = {
        "sub": str(link.user_id),
        "ver": link.token_version,
        "att": link.attachment_id,
        "aud": AUDIENCE,
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(claims, _key(secret), algorithm="HS256")


def verify(secret: str, token: str) -> Link:
    try:
        claims = jwt.decode(token, _key(secret), algorithms=["HS256"], audience=AUDIENCE, options={"require": ["exp"]})
        return Link(int(claims["sub"]), int(claims["ver"]), int(claims["att"]))
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        raise InvalidLink() from None


def expiry(now: datetime, seconds: int) -> datetime:
    return now + timedelta(seconds=seconds)
