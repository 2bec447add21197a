"""Root queries about the viewer and their portal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from strawberry.types import Info

from domain import access
from models import ActivityType, MdfFund, Portal


@dataclass(slots=True)
class SignedIn:
    """Who is signed in (schema.viewer.Viewer shows it)."""

    user: Any
    organization: Any
    portal: Portal | None


async def resolve_viewer(info: Info) -> SignedIn:
    ctx = info.context
    viewer = ctx.require_viewer()
    user, org = await ctx.loaders.user.load(viewer.user_id), await ctx.loaders.organization.load(viewer.organization_id)
    async with ctx.db.read_session() as session:
        portal = await session.get(Portal, viewer.portal_id)
    return SignedIn(user=user, organization=org, portal=portal)


async def resolve_activity_types(info: Info) -> list[ActivityType]:
    viewer = info.context.require_viewer()
    async with info.context.db.read_session() as session:
        return list(
            await session.scalars(
                select(ActivityType)
                .where(ActivityType.portal_id == viewer.portal_id, ActivityType.retired_at.is_(None))
                .order_by(ActivityType.name)
            )
        )


async def resolve_mdf_funds(info: Info) -> list[MdfFund]:
    viewer = info.context.require_viewer()
    async with info.context.db.read_session() as session:
        return list(
            await session.scalars(select(MdfFund).where(access.fund_scope(viewer)).order_by(MdfFund.name, MdfFund.id))
        )
