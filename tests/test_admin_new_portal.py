"""Done when: after `create-portal`, a supplier sets up a new portal from an empty database with
the API alone (partners, providers, services, a campaign, funds), then a partner orders from it."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import pytest

from app import cli
from app.db import Database
from app.server import create_app
from app.settings import Settings, get_settings
from tests.admin_helpers import ok
from tests.conftest import GraphQLClient

BOSS = "boss@northstar.example"


def create_portal_command(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """Run `provider-orders create-portal` against `url` (development mode); the token it prints."""
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "PROVIDER_ORDERS_ENV")}
    os.environ.update(DATABASE_URL=url, PROVIDER_ORDERS_ENV="development")
    get_settings.cache_clear()
    try:
        cli.main(["create-portal", "--name", "Northstar", "--supplier-email", BOSS, "--supplier-name", "Northstar Inc"])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
    out = capsys.readouterr()
    assert "created portal 'Northstar'" in out.err
    return out.out.strip().splitlines()[-1]


class TokenClient(GraphQLClient):
    """A GraphQL client whose supplier token came from the command line."""

    def __init__(self, http: httpx.AsyncClient, db: Database, settings: Settings, boss_token: str):
        super().__init__(http, db, settings)
        self._tokens[BOSS] = boss_token


@pytest.fixture
async def new_portal(empty_database_url: str, capsys: pytest.CaptureFixture[str]) -> Any:
    token = await asyncio.to_thread(create_portal_command, empty_database_url, capsys)
    settings = Settings(database_url=empty_database_url, PROVIDER_ORDERS_ENV="test")
    db = Database(settings)
    app = create_app(settings, db)
    await app.state.bus.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield TokenClient(http, db, settings, token)
    finally:
        await app.state.bus.close()
        await db.dispose()


async def test_a_supplier_sets_up_a_new_portal_with_the_api_alone_and_a_partner_orders(new_portal) -> None:
    gql = new_portal
    viewer = await gql.data(
        "{ viewer { user { role } portal { name settings { marketplaceEnabled } } permissions } }", as_=BOSS
    )
    assert viewer["viewer"]["user"]["role"] == "ADMIN"
    assert viewer["viewer"]["portal"] == {"name": "Northstar", "settings": {"marketplaceEnabled": False}}
    assert "MANAGE_PORTAL" in viewer["viewer"]["permissions"]

    settings = await ok(
        gql,
        "updatePortalSettings",
        {"marketplaceEnabled": True, "providerLocatorEnabled": True, "ordersPageLabel": "Agency Orders"},
        "portal { settings { marketplaceEnabled providerLocatorEnabled mdfEnabled ordersPageLabel defaultCurrency } }",
        as_=BOSS,
    )
    assert settings["portal"]["settings"] == {
        "marketplaceEnabled": True,
        "providerLocatorEnabled": True,
        "mdfEnabled": True,
        "ordersPageLabel": "Agency Orders",
        "defaultCurrency": "USD",
    }
    seo = (await ok(gql, "createActivityType", {"name": "SEO"}, "activityType { id name }", as_=BOSS))["activityType"]
    partner = (
        await ok(
            gql, "createOrganization", {"kind": "PARTNER", "name": "Reseller One"}, "organization { id kind }", as_=BOSS
        )
    )["organization"]
    agency = (
        await ok(gql, "createOrganization", {"kind": "PROVIDER", "name": "Agency One"}, "organization { id }", as_=BOSS)
    )["organization"]
    assert partner["kind"] == "PARTNER"
    await ok(
        gql,
        "inviteUser",
        {"organizationId": partner["id"], "email": "pia@reseller.example", "name": "Pia", "role": "ADMIN"},
        "user { id role }",
        as_=BOSS,
    )
    await ok(
        gql,
        "inviteUser",
        {"organizationId": agency["id"], "email": "al@agency.example", "name": "Al", "role": "ADMIN"},
        "user { id }",
        as_=BOSS,
    )
    # The provider's ADMIN sets up its own profile and services.
    await ok(
        gql,
        "updateProviderProfile",
        {
            "providerId": agency["id"],
            "description": "Search specialists",
            "website": "https://agency.example",
            "offices": [{"name": "HQ", "city": "Berlin", "country": "de", "latitude": 52.52, "longitude": 13.405}],
        },
        "provider { offices { city country } }",
        as_="al@agency.example",
    )
    fixed = (
        await ok(
            gql,
            "createService",
            {"name": "SEO Sprint", "pricingModel": "FIXED_PRICE", "price": "1500.00", "activityTypeId": seo["id"]},
            "service { id status price { amount currency } provider { name } }",
            as_="al@agency.example",
        )
    )["service"]
    assert fixed["status"] == "LISTED" and fixed["price"] == {"amount": "1500.00", "currency": "USD"}
    campaign = (await ok(gql, "createCampaign", {"name": "Spring Push"}, "campaign { id }", as_=BOSS))["campaign"]
    activity = (
        await ok(
            gql,
            "createCampaignActivity",
            {"campaignId": campaign["id"], "name": "SEO Sprint", "serviceId": fixed["id"]},
            "activity { id service { name } }",
            as_=BOSS,
        )
    )["activity"]
    fund = (
        await ok(
            gql,
            "createMdfFund",
            {
                "partnerId": partner["id"],
                "name": "2026 MDF",
                "currency": "usd",
                "allocated": "5000.00",
                "startsOn": "2026-01-01",
                "endsOn": "2099-12-31",
            },
            "fund { id currency allocated available }",
            as_=BOSS,
        )
    )["fund"]
    assert fund["currency"] == "USD" and fund["allocated"] == "5000.00"
    adjusted = await ok(
        gql,
        "adjustMdfFund",
        {"fundId": fund["id"], "allocatedDelta": "500.00", "reason": "Q2 top-up"},
        "fund { allocated ledger { kind amount memo } }",
        as_=BOSS,
    )
    assert adjusted["fund"]["allocated"] == "5500.00"
    assert [e["amount"] for e in adjusted["fund"]["ledger"]] == ["500.00", "5000.00"]  # newest first

    # The partner sees the catalogue and orders from the campaign, paying with MDF.
    market = await gql.data(
        "{ services { edges { node { name } } } providers { edges { node { name } } } }", as_="pia@reseller.example"
    )
    assert [e["node"]["name"] for e in market["services"]["edges"]] == ["SEO Sprint"]
    assert [e["node"]["name"] for e in market["providers"]["edges"]] == ["Agency One"]
    order = (
        await ok(
            gql,
            "submitOrder",
            {
                "serviceId": fixed["id"],
                "name": "Spring SEO",
                "origin": "CAMPAIGN_ACTIVITY",
                "campaignActivityId": activity["id"],
                "paymentMethod": "MDF",
                "mdfFundId": fund["id"],
            },
            "order { id status rate { amount currency } }",
            as_="pia@reseller.example",
        )
    )["order"]
    assert order["status"] == "PENDING_APPROVAL" and order["rate"] == {"amount": "1500.00", "currency": "USD"}
    approved = await ok(gql, "approveOrder", {"orderId": order["id"]}, "order { status }", as_=BOSS)
    assert approved["order"]["status"] == "APPROVED"
    funds = await gql.data("{ mdfFunds { available reserved } }", as_="pia@reseller.example")
    assert funds["mdfFunds"] == [{"available": "4000.00", "reserved": "1500.00"}]

    log = await gql.data("{ auditLog(first: 100) { totalCount edges { node { action actor { email } } } } }", as_=BOSS)
    actions = [e["node"]["action"] for e in log["auditLog"]["edges"]]
    assert actions[0] == "ADJUST_MDF_FUND" and actions[-1] == "CREATE_PORTAL"
    assert {
        "UPDATE_PORTAL_SETTINGS",
        "CREATE_ORGANIZATION",
        "INVITE_USER",
        "UPDATE_PROVIDER_PROFILE",
        "CREATE_SERVICE",
        "CREATE_CAMPAIGN",
        "CREATE_CAMPAIGN_ACTIVITY",
        "CREATE_MDF_FUND",
    } <= set(actions)
    of_fund = await gql.data(
        "query($id: ID!) { auditLog(filter: { subjectId: $id }) { edges { node { action before after } } } }",
        {"id": fund["id"]},
        as_=BOSS,
    )
    entries = [e["node"] for e in of_fund["auditLog"]["edges"]]
    assert [e["action"] for e in entries] == ["ADJUST_MDF_FUND", "CREATE_MDF_FUND"]
    assert entries[0]["before"] == {"allocated": "5000.00"} and entries[0]["after"]["allocated"] == "5500.00"
