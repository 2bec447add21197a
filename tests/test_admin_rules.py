"""Administration on the demo portal: bad input, who may, switches, retiring, funds, deactivation."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from domain.ids import to_global_id
from models import ActivityType, MdfFund, Order, OrderInvitation, OrderStatus, Organization, Service
from tests import factories
from tests.admin_helpers import audit_count, ok, refused
from tests.conftest import PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER


async def gid(db, model, name: str, type_name: str) -> str:
    async with db.read_session() as session:
        row = (
            await session.scalars(select(model).where(model.name == name).order_by(model.id))
        ).first()  # Demo Portal's
    return to_global_id(type_name, row.id)


async def test_bad_input_is_refused_with_its_field_and_stores_and_logs_nothing(gql, db) -> None:
    acme = await gid(db, Organization, "Acme Resellers", "Partner")
    before = await audit_count(db)
    async with db.read_session() as session:
        funds = len((await session.scalars(select(MdfFund))).all())
    cases = [
        ("createOrganization", {"kind": "PARTNER", "name": "acme resellers"}, "CONFLICT", ["input", "name"]),
        (
            "inviteUser",
            {"organizationId": acme, "email": "Provider@Demo.example", "name": "X", "role": "MEMBER"},
            "CONFLICT",
            ["input", "email"],
        ),
        (
            "inviteUser",
            {"organizationId": acme, "email": "not-an-address", "name": "X", "role": "MEMBER"},
            "VALIDATION",
            ["input", "email"],
        ),
        ("createActivityType", {"name": "seo"}, "CONFLICT", ["input", "name"]),
        (
            "createMdfFund",
            {"partnerId": acme, "name": "New", "currency": "USD", "allocated": "-1.00"},
            "VALIDATION",
            ["input", "allocated"],
        ),
        (
            "createMdfFund",
            {"partnerId": acme, "name": "New", "currency": "USD", "allocated": "1.005"},
            "VALIDATION",
            ["input", "allocated"],
        ),
        (
            "createMdfFund",
            {"partnerId": acme, "name": "New", "currency": "USD", "allocated": "NaN"},
            "VALIDATION",
            ["input", "allocated"],
        ),
        (
            "createMdfFund",
            {"partnerId": acme, "name": "New", "currency": "US", "allocated": "1.00"},
            "VALIDATION",
            ["input", "currency"],
        ),
        (
            "createMdfFund",
            {"partnerId": acme, "name": "2026 Q4 MDF", "currency": "USD", "allocated": "1.00"},
            "CONFLICT",
            ["input", "name"],
        ),
        ("updatePortalSettings", {"defaultCurrency": "EURO"}, "VALIDATION", ["input", "defaultCurrency"]),
        ("createCampaign", {"name": "Optimise your reach"}, "CONFLICT", ["input", "name"]),
    ]
    for mutation, input, code, field in cases:
        error = await refused(gql, mutation, input, as_=SUPPLIER)
        assert (error["code"], error["field"]) == (code, field), (mutation, input, error)
    assert await audit_count(db) == before
    async with db.read_session() as session:
        assert len((await session.scalars(select(MdfFund))).all()) == funds
    settings = await gql.data("{ viewer { portal { settings { defaultCurrency } } } }", as_=SUPPLIER)
    assert settings["viewer"]["portal"]["settings"]["defaultCurrency"] == "USD"


async def test_only_the_roles_named_may_administer(gql, db) -> None:
    acme = await gid(db, Organization, "Acme Resellers", "Partner")
    beta = await gid(db, Organization, "Beta Solutions", "Partner")
    taylor = await gid(db, Organization, "Taylor Marketing", "Provider")
    seo = await gid(db, ActivityType, "SEO", "ActivityType")
    perms = await gql.data("{ viewer { permissions } }", as_=PARTNER)
    assert perms["viewer"]["permissions"] == ["MANAGE_USERS"]
    assert (await gql.data("{ viewer { permissions } }", as_=PROVIDER))["viewer"]["permissions"] == [
        "MANAGE_USERS",
        "MANAGE_SERVICES",
    ]
    assert (await refused(gql, "createOrganization", {"kind": "PARTNER", "name": "Mine"}, as_=PARTNER))[
        "code"
    ] == "FORBIDDEN"
    assert (await refused(gql, "updatePortalSettings", {"mdfEnabled": False}, as_=PROVIDER))["code"] == "FORBIDDEN"
    # A partner ADMIN invites to its own organisation only; another partner reads as not found.
    member = await ok(
        gql,
        "inviteUser",
        {"organizationId": acme, "email": "m@acme.example", "name": "M", "role": "MEMBER"},
        "user { id role organization { name } }",
        as_=PARTNER,
    )
    assert member["user"]["organization"]["name"] == "Acme Resellers"
    other = {"organizationId": beta, "email": "x@beta.example", "name": "X", "role": "MEMBER"}
    assert (await refused(gql, "inviteUser", other, as_=PARTNER))["code"] == "NOT_FOUND"
    # A MEMBER administers nothing.
    assert (await refused(gql, "inviteUser", {**other, "organizationId": acme}, as_="m@acme.example"))[
        "code"
    ] == "FORBIDDEN"
    # A provider manages its own services only.
    service = {"providerId": taylor, "name": "Rival", "pricingModel": "QUOTE", "activityTypeId": seo}
    assert (await refused(gql, "createService", service, as_=PROVIDER2))["code"] == "FORBIDDEN"
    assert (
        await refused(
            gql,
            "adjustMdfFund",
            {"fundId": await gid(db, MdfFund, "2026 Q4 MDF", "MdfFund"), "allocatedDelta": "1.00", "reason": "x"},
            as_=PARTNER,
        )
    )["code"] == "FORBIDDEN"
    # Nobody deactivates or demotes themselves.
    me = (await gql.data("{ viewer { user { id } } }", as_=SUPPLIER))["viewer"]["user"]["id"]
    assert (await refused(gql, "deactivateUser", {"userId": me}, as_=SUPPLIER))["code"] == "VALIDATION"
    # The audit log is the supplier's.
    body = await gql("{ auditLog { totalCount } }", as_=PARTNER)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    log = await gql.data("{ auditLog { edges { node { action actor { email } } } } }", as_=SUPPLIER)
    assert [(e["node"]["action"], e["node"]["actor"]["email"]) for e in log["auditLog"]["edges"]] == [
        ("INVITE_USER", PARTNER)
    ]


async def test_switched_off_features_hide_their_catalogue_from_partners(gql, db) -> None:
    async with db.write_session() as session:
        order = await factories.make_order(
            session, status=OrderStatus.PENDING_APPROVAL, service_name="Social Media Starter Pack"
        )
    order_id = to_global_id("Order", order.id)
    await ok(
        gql,
        "updatePortalSettings",
        {"marketplaceEnabled": False, "providerLocatorEnabled": False},
        "portal { id }",
        as_=SUPPLIER,
    )
    query = (
        "{ viewer { portal { settings { marketplaceEnabled providerLocatorEnabled } } } "
        "services { totalCount } providers { totalCount } }"
    )
    partner = await gql.data(query, as_=PARTNER)
    assert partner["viewer"]["portal"]["settings"] == {"marketplaceEnabled": False, "providerLocatorEnabled": False}
    assert partner["services"]["totalCount"] == 0 and partner["providers"]["totalCount"] == 0
    supplier = await gql.data(query, as_=SUPPLIER)
    assert supplier["services"]["totalCount"] == 3 and supplier["providers"]["totalCount"] == 2
    # Orders already placed stay readable.
    node = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Order { name service { name } } } }", {"id": order_id}
    )
    assert node["node"] == {"name": "Test order", "service": {"name": "Social Media Starter Pack"}}


async def test_retired_services_vanish_from_the_marketplace_and_stay_on_their_orders(gql, db) -> None:
    async with db.write_session() as session:
        order = await factories.make_order(
            session, status=OrderStatus.PENDING_APPROVAL, service_name="Social Media Starter Pack"
        )
    social = await gid(db, Service, "Social Media Starter Pack", "Service")
    retired = await ok(gql, "retireService", {"serviceId": social}, "service { status }", as_=PROVIDER)
    assert retired["service"]["status"] == "RETIRED"
    names = await gql.data("{ services { edges { node { name } } } }")
    assert "Social Media Starter Pack" not in [e["node"]["name"] for e in names["services"]["edges"]]
    node = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Order { service { name status } } } }",
        {"id": to_global_id("Order", order.id)},
    )
    assert node["node"]["service"] == {"name": "Social Media Starter Pack", "status": "RETIRED"}
    error = await refused(
        gql,
        "submitOrder",
        {"serviceId": social, "name": "Again", "origin": "MARKETPLACE", "paymentMethod": "PARTNER_FUNDED"},
        as_=PARTNER,
    )
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "serviceId"])


async def test_new_services_wait_for_approval_where_the_portal_requires_it(gql, db) -> None:
    seo = await gid(db, ActivityType, "SEO", "ActivityType")
    await ok(gql, "updatePortalSettings", {"serviceApprovalRequired": True}, "portal { id }", as_=SUPPLIER)
    made = await ok(
        gql,
        "createService",
        {"name": "Link Building", "pricingModel": "FIXED_PRICE", "price": "800.00", "activityTypeId": seo},
        "service { id status }",
        as_=PROVIDER,
    )
    service_id = made["service"]["id"]
    assert made["service"]["status"] == "AWAITING_APPROVAL"

    async def listed(email: str) -> list[str]:
        data = await gql.data("{ services(first: 50) { edges { node { name } } } }", as_=email)
        return [e["node"]["name"] for e in data["services"]["edges"]]

    assert "Link Building" not in await listed(PARTNER)
    assert "Link Building" not in await listed(PROVIDER2)
    assert "Link Building" in await listed(PROVIDER)
    assert (await refused(gql, "approveService", {"serviceId": service_id}, as_=PROVIDER))["code"] == "FORBIDDEN"
    approved = await ok(gql, "approveService", {"serviceId": service_id}, "service { status }", as_=SUPPLIER)
    assert approved["service"]["status"] == "LISTED"
    assert "Link Building" in await listed(PARTNER)


async def test_an_allocation_never_drops_below_what_orders_hold_and_spent(gql, db) -> None:
    fund = await gid(db, MdfFund, "2026 Q4 MDF", "MdfFund")
    before = await audit_count(db)
    error = await refused(
        gql, "adjustMdfFund", {"fundId": fund, "allocatedDelta": "-10000.01", "reason": "cut"}, as_=SUPPLIER
    )
    assert (error["code"], error["field"]) == ("INSUFFICIENT_FUNDS", ["input", "allocatedDelta"])
    assert (await refused(gql, "adjustMdfFund", {"fundId": fund, "allocatedDelta": "0", "reason": "x"}, as_=SUPPLIER))[
        "code"
    ] == "VALIDATION"
    assert await audit_count(db) == before
    cut = await ok(
        gql,
        "adjustMdfFund",
        {"fundId": fund, "allocatedDelta": "-2500.00", "reason": "cut"},
        "fund { allocated available ledger(first: 1) { kind amount memo actor { email } } }",
        as_=SUPPLIER,
    )
    assert cut["fund"]["allocated"] == "7500.00"
    assert cut["fund"]["ledger"] == [
        {"kind": "ALLOCATE", "amount": "-2500.00", "memo": "cut", "actor": {"email": SUPPLIER}}
    ]
    # The partner reads its fund's ledger too.
    mine = await gql.data("{ mdfFunds { name ledger { amount } } }", as_=PARTNER)
    assert mine["mdfFunds"][0]["ledger"][0]["amount"] == "-2500.00"


async def test_a_fund_outside_its_dates_cannot_pay_for_a_new_order(gql, db) -> None:
    acme = await gid(db, Organization, "Acme Resellers", "Partner")
    later = await ok(
        gql,
        "createMdfFund",
        {
            "partnerId": acme,
            "name": "Next year",
            "currency": "USD",
            "allocated": "1000.00",
            "startsOn": "2099-01-01",
            "endsOn": "2099-12-31",
        },
        "fund { id }",
        as_=SUPPLIER,
    )
    social = await gid(db, Service, "Social Media Starter Pack", "Service")
    error = await refused(
        gql,
        "submitOrder",
        {
            "serviceId": social,
            "name": "Early",
            "origin": "MARKETPLACE",
            "paymentMethod": "MDF",
            "mdfFundId": later["fund"]["id"],
        },
        as_=PARTNER,
    )
    assert (error["code"], error["field"]) == ("VALIDATION", ["input", "mdfFundId"])


async def test_concurrent_adjustments_of_one_fund_lose_no_update(gql, db) -> None:
    fund = await gid(db, MdfFund, "2026 Q4 MDF", "MdfFund")
    await gql.token(SUPPLIER)
    mutation = "mutation($input: AdjustMdfFundInput!) { adjustMdfFund(input: $input) { errors { code } } }"
    bodies = await asyncio.gather(
        *(
            gql(mutation, {"input": {"fundId": fund, "allocatedDelta": "10.00", "reason": f"r{i}"}}, as_=SUPPLIER)
            for i in range(8)
        )
    )
    assert all(b["data"]["adjustMdfFund"]["errors"] == [] for b in bodies), bodies
    data = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on MdfFund { allocated } } }", {"id": fund}, as_=SUPPLIER
    )
    assert data["node"]["allocated"] == "10080.00"


async def test_deactivating_a_provider_with_work_in_progress_needs_force(gql, db) -> None:
    async with db.write_session() as session:
        assigned = await factories.make_order(session, status=OrderStatus.IN_PROGRESS, name="Assigned")
        asked = await factories.make_order(session, status=OrderStatus.PENDING_QUOTES, name="Asked")
    taylor = await gid(db, Organization, "Taylor Marketing", "Provider")
    await gql.token(PROVIDER)  # minted before the deactivation
    before = await audit_count(db)
    error = await refused(gql, "deactivateOrganization", {"organizationId": taylor}, as_=SUPPLIER)
    assert error["code"] == "VALIDATION" and "1 order(s) in progress and 1 open quote request(s)" in error["message"]
    assert await audit_count(db) == before
    done = await ok(
        gql,
        "deactivateOrganization",
        {"organizationId": taylor, "force": True},
        "organization { active }",
        as_=SUPPLIER,
    )
    assert done["organization"]["active"] is False
    async with db.read_session() as session:
        flagged = await session.get_one(Order, assigned.id)
        ended = await session.get_one(Order, asked.id)
        invitation = (await session.scalars(select(OrderInvitation).where(OrderInvitation.order_id == asked.id))).one()
    assert flagged.attention_needed and flagged.status is OrderStatus.IN_PROGRESS
    assert invitation.declined_at is not None and ended.status is OrderStatus.CANCELLED  # its only invitee
    node = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Order { attentionNeeded } } }",
        {"id": to_global_id("Order", assigned.id)},
        as_=SUPPLIER,
    )
    assert node["node"]["attentionNeeded"] is True
    # The provider's users are refused at once.
    body = await gql("{ viewer { user { email } } }", as_=PROVIDER)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Deactivating a user works the same way.
    await gql.token(PARTNER2)
    user_id = (await gql.data("{ viewer { user { id } } }", as_=PARTNER2))["viewer"]["user"]["id"]
    assert (await ok(gql, "deactivateUser", {"userId": user_id}, "user { active }", as_=SUPPLIER))["user"][
        "active"
    ] is False
    body = await gql("{ viewer { user { email } } }", as_=PARTNER2)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
