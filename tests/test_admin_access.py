"""Deactivating through the API ends access at once: open subscriptions close with 4403."""

from __future__ import annotations

from contextlib import AsyncExitStack

from sqlalchemy import select

from domain.ids import to_global_id
from models import Organization
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.live import Live, user_id
from tests.test_subscriptions import STATUS_CHANGED

DEACTIVATE_USER = "mutation($input: DeactivateUserInput!) { deactivateUser(input: $input) { errors { code } } }"
DEACTIVATE_ORG = (
    "mutation($input: DeactivateOrganizationInput!) { deactivateOrganization(input: $input) { errors { code } } }"
)


async def test_deactivating_a_user_or_an_organisation_closes_their_open_subscriptions(serve) -> None:
    live: Live = await serve(access_recheck_seconds=600)  # only the message after the commit closes them in time
    async with AsyncExitStack() as stack:
        partner = await live.client(stack, PARTNER)
        provider = await live.client(stack, PROVIDER)
        supplier = await live.client(stack, SUPPLIER)
        for ws in (partner, provider, supplier):
            await ws.subscribe("s", STATUS_CHANGED)
        await live.subscribed(3)
        await live.mutate(
            DEACTIVATE_USER, SUPPLIER, input={"userId": to_global_id("User", await user_id(live.db, PARTNER))}
        )
        assert await partner.closed(timeout=3) == (4403, "Forbidden: access revoked")
        async with live.db.read_session() as session:
            taylor = (await session.scalars(select(Organization).where(Organization.name == "Taylor Marketing"))).one()
        await live.mutate(DEACTIVATE_ORG, SUPPLIER, input={"organizationId": to_global_id("Provider", taylor.id)})
        assert await provider.closed(timeout=3) == (4403, "Forbidden: access revoked")
        await supplier.nothing(0.2)  # the supplier's socket lives on
