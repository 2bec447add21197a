"""Administration on the demo portal: renaming and retiring, roles, reactivation, the audit log's filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import cli
from domain.ids import to_global_id
from models import ActivityType, Campaign, CampaignActivity, Organization
from tests.admin_helpers import ok, refused
from tests.conftest import PARTNER, PARTNER2, PROVIDER, SUPPLIER


async def gid(db, model, name: str, type_name: str) -> str:
    async with db.read_session() as session:
        row = (await session.scalars(select(model).where(model.name == name).order_by(model.id))).first()
    return to_global_id(type_name, row.id)


async def test_activity_types_campaigns_and_activities_are_renamed_and_retired(gql, db) -> None:
    seo = await gid(db, ActivityType, "SEO", "ActivityType")
    renamed = {"activityTypeId": seo, "name": "Search"}
    await ok(gql, "renameActivityType", renamed, "activityType { name }", as_=SUPPLIER)
    events = await gid(db, ActivityType, "Events", "ActivityType")
    await ok(gql, "retireActivityType", {"activityTypeId": events}, "activityType { id }", as_=SUPPLIER)
    names = [t["name"] for t in (await gql.data("{ activityTypes { name } }"))["activityTypes"]]
    assert "Search" in names and "SEO" not in names and "Events" not in names
    error = await refused(
        gql,
        "createService",
        {"name": "Gala", "pricingModel": "QUOTE", "activityTypeId": events},
        as_=PROVIDER,
    )
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "activityTypeId"])

    campaign = await gid(db, Campaign, "Optimise Your Reach", "Campaign")
    newsletter = await gid(db, CampaignActivity, "Newsletter refresh", "CampaignActivity")
    consultation = await gid(db, CampaignActivity, "SEO Consultation", "CampaignActivity")
    await ok(gql, "updateCampaign", {"campaignId": campaign, "name": "Reach 2027"}, "campaign { name }", as_=SUPPLIER)
    await ok(gql, "retireCampaignActivity", {"activityId": newsletter}, "activity { id }", as_=SUPPLIER)
    unlinked = await ok(
        gql,
        "updateCampaignActivity",
        {"activityId": consultation, "unlinkService": True},
        "activity { service { name } }",
        as_=SUPPLIER,
    )
    assert unlinked["activity"]["service"] is None
    listed = await gql.data("{ campaigns { edges { node { name activities { name } } } } }")
    reach = next(e["node"] for e in listed["campaigns"]["edges"] if e["node"]["name"] == "Reach 2027")
    assert [a["name"] for a in reach["activities"]] == ["SEO Consultation"]
    await ok(gql, "retireCampaign", {"campaignId": campaign}, "campaign { id }", as_=SUPPLIER)
    listed = await gql.data("{ campaigns { edges { node { name } } } }")
    assert "Reach 2027" not in [e["node"]["name"] for e in listed["campaigns"]["edges"]]
    assert (await refused(gql, "createCampaign", {"name": "Mine"}, as_=PARTNER))["code"] == "FORBIDDEN"


async def test_roles_change_and_an_organisation_comes_back(gql, db) -> None:
    acme = await gid(db, Organization, "Acme Resellers", "Partner")
    beta = await gid(db, Organization, "Beta Solutions", "Partner")
    invited = await ok(
        gql,
        "inviteUser",
        {"organizationId": acme, "email": "new@acme.example", "name": "New", "role": "MEMBER"},
        "user { id }",
        as_=SUPPLIER,
    )
    user_id = invited["user"]["id"]
    assert (await gql.data("{ viewer { permissions } }", as_="new@acme.example"))["viewer"]["permissions"] == []
    await ok(gql, "updateUserRole", {"userId": user_id, "role": "ADMIN"}, "user { role }", as_=PARTNER)
    # The new role applies from the next request, with the same token.
    assert (await gql.data("{ viewer { permissions } }", as_="new@acme.example"))["viewer"]["permissions"] == [
        "MANAGE_USERS"
    ]
    users = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Partner { users { email role active } } } }", {"id": acme}
    )
    assert {"email": "new@acme.example", "role": "ADMIN", "active": True} in users["node"]["users"]
    assert (
        await gql.data(
            "query($id: ID!) { node(id: $id) { ... on Provider { users { email } } } }",
            {"id": await gid(db, Organization, "Taylor Marketing", "Provider")},
        )
    )["node"]["users"] == []
    await gql.token(PARTNER2)
    await ok(gql, "deactivateOrganization", {"organizationId": beta}, "organization { active }", as_=SUPPLIER)
    assert (await gql("{ viewer { user { email } } }", as_=PARTNER2))["errors"][0]["extensions"]["code"] == (
        "UNAUTHENTICATED"
    )
    back = await ok(gql, "reactivateOrganization", {"organizationId": beta}, "organization { active }", as_=SUPPLIER)
    assert back["organization"]["active"] is True
    gql._tokens.pop(PARTNER2)  # tokens minted before the deactivation stay refused; new ones work
    assert (await gql.data("{ viewer { user { email } } }", as_=PARTNER2))["viewer"]["user"]["email"] == PARTNER2


async def test_the_audit_log_filters_by_subject_actor_and_time(gql, db) -> None:
    acme = await gid(db, Organization, "Acme Resellers", "Partner")
    start = datetime.now(UTC) - timedelta(seconds=1)
    await ok(gql, "createActivityType", {"name": "Webinars"}, "activityType { id }", as_=SUPPLIER)
    await ok(
        gql,
        "inviteUser",
        {"organizationId": acme, "email": "a@acme.example", "name": "A", "role": "MEMBER"},
        "user { id }",
        as_=PARTNER,
    )
    partner_id = (await gql.data("{ viewer { user { id } } }", as_=PARTNER))["viewer"]["user"]["id"]
    query = "query($f: AuditLogFilter) { auditLog(filter: $f) { totalCount edges { node { action subjectType } } } }"
    by_actor = await gql.data(query, {"f": {"actorId": partner_id}}, as_=SUPPLIER)
    assert [e["node"]["action"] for e in by_actor["auditLog"]["edges"]] == ["INVITE_USER"]
    since = await gql.data(query, {"f": {"since": start.isoformat()}}, as_=SUPPLIER)
    assert since["auditLog"]["totalCount"] == 2
    later = await gql.data(query, {"f": {"since": (start + timedelta(hours=1)).isoformat()}}, as_=SUPPLIER)
    assert later["auditLog"]["totalCount"] == 0
    body = await gql(query, {"f": {"subjectId": "garbage"}}, as_=SUPPLIER)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_create_portal_refuses_a_name_in_use(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    cli.get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit, match="already exists"):
            cli.main(
                ["create-portal", "--name", "demo portal", "--supplier-email", "x@y.example", "--supplier-name", "X"]
            )
    finally:
        cli.get_settings.cache_clear()
