"""Ending (and restoring) access: deactivating users and organisations, revoking a user's tokens.

Each change runs in the caller's transaction and notes whose access it ended
(`pending_access_changes`). Once the transaction has committed, `access_message` goes on the
event bus (`subscriptions.bus`, Redis across processes): every server process re-checks those
users and closes their open WebSockets with 4403 (`app.revocation`). New requests are refused
from the commit on (`app.auth`). `apply` does both for a caller without a runner of its own
(the CLI); a mutation runner publishes `access_message(pending_access_changes(session))` after
its commit in the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ErrorCode, not_found
from models import Organization, User

T = TypeVar("T")
log = logging.getLogger("provider_orders.accounts")

ACCESS_MESSAGE = "access"  # bus message type: {"type": "access", "users": [user ids]}


def pending_access_changes(session: AsyncSession) -> set[int]:
    """Users whose access this transaction ended (told to every process after commit)."""
    return session.info.setdefault("access_changes", set())


def access_message(user_ids: set[int] | list[int]) -> dict | None:
    if not user_ids:
        return None
    return {"type": ACCESS_MESSAGE, "users": sorted(user_ids)}


async def find_user(session: AsyncSession, email: str) -> User:
    user = await session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise not_found("user")
    return user


async def find_organization(session: AsyncSession, name_or_id: str) -> Organization:
    """By id (digits) or by exact name; a name several portals use is refused as ambiguous."""
    key = name_or_id.strip()
    if key.isdigit():
        org = await session.get(Organization, int(key))
        if org is None:
            raise not_found("organisation")
        return org
    orgs = list((await session.scalars(select(Organization).where(Organization.name == key).limit(2))).all())
    if not orgs:
        raise not_found("organisation")
    if len(orgs) > 1:
        raise DomainError(ErrorCode.VALIDATION, "several organisations have this name; give its id")
    return orgs[0]


async def set_user_active(session: AsyncSession, user: User, active: bool) -> User:
    """Deactivating also revokes the user's tokens: a reactivated user signs in anew."""
    user.is_active = active
    await session.flush()
    if not active:
        await _revoke(session, [user.id])
        await session.refresh(user, ["token_version"])
    return user


async def set_organization_active(session: AsyncSession, org: Organization, active: bool) -> list[int]:
    """The organisation's user ids (each loses, or regains, access with it; deactivating also
    revokes their tokens)."""
    org.is_active = active
    await session.flush()
    users = list((await session.scalars(select(User.id).where(User.organization_id == org.id))).all())
    if not active:
        await _revoke(session, users)
    return users


async def revoke_tokens(session: AsyncSession, user: User) -> User:
    """Every token minted for the user so far is refused from the commit on (new ones work)."""
    await _revoke(session, [user.id])
    await session.refresh(user, ["token_version"])
    return user


async def _revoke(session: AsyncSession, user_ids: list[int]) -> None:
    if user_ids:
        await session.execute(
            update(User)
            .where(User.id.in_(user_ids))
            .values(token_version=User.token_version + 1)
            .execution_options(synchronize_session=False)
        )
        pending_access_changes(session).update(user_ids)


async def apply(db: Any, bus: Any, change: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `change` in one write transaction of `db` (an `app.db.Database`), then tell every
    process on `bus` whose access ended. A failed publish is logged: each process also
    re-checks its open WebSockets periodically (`ACCESS_RECHECK_SECONDS`)."""
    async with db.write_session() as session:
        result = await change(session)
        users = set(pending_access_changes(session))
    message = access_message(users)
    if message is not None:
        try:
            await bus.publish(message)
        except Exception:
            log.exception("could not publish an access change")
    return result
