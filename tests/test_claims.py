"""Deliverables before completion, and MDF claims with proof: flow, ledger, deadline, concurrency."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.settings import Settings
from domain import claims
from domain.unit_of_work import unit_of_work
from models import LedgerEntryKind, MdfLedgerEntry, Order
from models.base import utcnow
from tests.conftest import PARTNER, PROVIDER, SUPPLIER
from tests.files import PDF, PNG, attach, order_in_progress, run, set_portal
from tests.ordering import demo_ids, make_fund_valid_today, pk_of

pytestmark = pytest.mark.usefixtures("no_list")

REVIEW = {"ACCEPT_DELIVERABLES", "REQUEST_CHANGES"}
FUND = "{ mdfFunds { name allocated reserved claimed spent available } }"
CLAIM = "claim { id status amount { amount currency } note rejectionReason proofs { filename } submittedBy { email } }"
SUBMIT = (
    "mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { " + CLAIM + " errors { code message field } } }"
)
APPROVE = (
    f"mutation($input: ApproveClaimInput!) {{ approveClaim(input: $input) {{ {CLAIM} errors {{ code message }} }} }}"
)
REJECT = f"mutation($input: RejectClaimInput!) {{ rejectClaim(input: $input) {{ {CLAIM} errors {{ code message }} }} }}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, PROVIDER_ORDERS_ENV="test", file_storage_path=tmp_path / "files")


@pytest.fixture
async def ids(gql, db):
    await make_fund_valid_today(db)
    return await demo_ids(gql)


async def fund(gql, as_=PARTNER) -> dict[str, Decimal]:
    data = (await gql.data(FUND, as_=as_))["mdfFunds"]
    row = next(f for f in data if f["name"] == "2026 Q4 MDF")
    return {k: Decimal(v) for k, v in row.items() if k != "name"}


async def complete(gql, order_id) -> dict:
    return await run(gql, "completeOrder", "CompleteOrderInput", {"orderId": order_id}, as_=PROVIDER)


async def actions(gql, order_id, as_=PARTNER) -> list[str]:
    query = "query($id: ID!) { node(id: $id) { ... on Order { status availableActions } } }"
    return (await gql.data(query, {"id": order_id}, as_=as_))["node"]["availableActions"]


async def test_settings_off_today_behaviour(gql, ids) -> None:
    order_id = await order_in_progress(gql, ids)
    before = await fund(gql)
    assert (await complete(gql, order_id))["errors"] == []
    after = await fund(gql)
    assert after["spent"] == before["spent"] + Decimal("1500.00") and after["reserved"] == before["reserved"] - 1500
    assert not REVIEW & set(await actions(gql, order_id))  # no deliverables: nothing to review


async def test_deliverables_required_then_review(gql, ids, db) -> None:
    await set_portal(db, deliverables_required=True)
    order_id = await order_in_progress(gql, ids)
    refused = await complete(gql, order_id)
    assert refused["errors"][0]["code"] == "VALIDATION" and "DELIVERABLE" in refused["errors"][0]["message"]
    # Only the assigned provider attaches deliverables.
    partner_try = await attach(gql, order_id, [("d.pdf", PDF, "")], "DELIVERABLE")
    assert partner_try["errors"][0]["code"] == "FORBIDDEN"
    await attach(gql, order_id, [("report.pdf", PDF, "application/pdf")], "DELIVERABLE", as_=PROVIDER)
    assert (await complete(gql, order_id))["errors"] == []
    assert set(await actions(gql, order_id)) >= REVIEW
    sent_back = await run(
        gql, "requestChanges", "RequestChangesInput", {"orderId": order_id, "reason": "Logo too small"}, as_=PARTNER
    )
    assert sent_back["errors"] == [] and sent_back["order"]["status"] == "IN_PROGRESS"
    assert sent_back["order"]["statusHistory"][-1]["reason"] == "Logo too small"
    assert (await complete(gql, order_id))["errors"] == []
    accepted = await run(gql, "acceptDeliverables", "AcceptDeliverablesInput", {"orderId": order_id}, as_=PARTNER)
    assert accepted["errors"] == [] and accepted["order"]["status"] == "COMPLETED"
    assert accepted["order"]["statusHistory"][-1]["action"] == "ACCEPT_DELIVERABLES"
    assert not REVIEW & set(await actions(gql, order_id))
    again = await run(gql, "acceptDeliverables", "AcceptDeliverablesInput", {"orderId": order_id}, as_=PARTNER)
    assert again["errors"][0]["code"] == "INVALID_TRANSITION"
    forbidden = await run(
        gql, "requestChanges", "RequestChangesInput", {"orderId": order_id, "reason": "x"}, as_=PROVIDER
    )
    assert forbidden["errors"][0]["code"] == "FORBIDDEN"


async def claimable_order(gql, ids, db) -> tuple[str, str]:
    """An MDF order completed on a portal that requires claims, with a PROOF file: (order id, proof id)."""
    await set_portal(db, mdf_claims_required=True)
    order_id = await order_in_progress(gql, ids)
    assert (await complete(gql, order_id))["errors"] == []
    proof = (await attach(gql, order_id, [("screenshot.png", PNG, "image/png")], "PROOF"))["attachments"][0]
    return order_id, proof["id"]


async def test_claim_flow_and_ledger(gql, ids, db) -> None:
    start = await fund(gql)
    order_id, proof_id = await claimable_order(gql, ids, db)
    held = await fund(gql)
    assert held["reserved"] == start["reserved"] + 1500 and held["spent"] == start["spent"], "completion kept it"

    def submit(amount, proofs, as_=PARTNER):
        variables = {"input": {"orderId": order_id, "amount": amount, "note": "Campaign ran", "proofIds": proofs}}
        return gql.data(SUBMIT, variables, as_=as_)

    too_much = (await submit("1500.01", [proof_id]))["submitClaim"]
    assert too_much["errors"][0]["code"] == "VALIDATION" and too_much["errors"][0]["field"] == ["input", "amount"]
    no_proof = (await submit("100.00", []))["submitClaim"]
    assert no_proof["errors"][0]["code"] == "VALIDATION" and no_proof["errors"][0]["field"] == ["input", "proofIds"]
    assert (await submit("100.00", [proof_id], as_=PROVIDER))["submitClaim"]["errors"][0]["code"] == "FORBIDDEN"
    assert await fund(gql) == held

    first = (await submit("1200.00", [proof_id]))["submitClaim"]
    assert first["errors"] == [] and first["claim"]["status"] == "SUBMITTED"
    assert first["claim"]["proofs"] == [{"filename": "screenshot.png"}]
    assert (await fund(gql))["claimed"] == Decimal("1200.00")
    # A second claim waits for the first one's decision; a proof of a claim stays.
    assert (await submit("10.00", [proof_id]))["submitClaim"]["errors"][0]["code"] == "INVALID_TRANSITION"
    remove = "mutation($input: RemoveAttachmentInput!) { removeAttachment(input: $input) { errors { code } } }"
    kept = (await gql.data(remove, {"input": {"attachmentId": proof_id}}))["removeAttachment"]
    assert kept["errors"][0]["code"] == "INVALID_TRANSITION"

    # Providers never see claims; the partner does not decide them.
    claim_id = first["claim"]["id"]
    assert (await gql.data(APPROVE, {"input": {"claimId": claim_id}}, as_=PROVIDER))["approveClaim"]["errors"][0][
        "code"
    ] == "NOT_FOUND"
    assert (await gql.data(APPROVE, {"input": {"claimId": claim_id}}, as_=PARTNER))["approveClaim"]["errors"][0][
        "code"
    ] == "FORBIDDEN"
    rejected = (await gql.data(REJECT, {"input": {"claimId": claim_id, "reason": "Blurry proof"}}, as_=SUPPLIER))[
        "rejectClaim"
    ]
    assert rejected["errors"] == [] and rejected["claim"]["rejectionReason"] == "Blurry proof"
    assert (await fund(gql))["claimed"] == 0 and (await fund(gql))["reserved"] == held["reserved"]

    second = (await submit("1000.00", [proof_id]))["submitClaim"]
    assert second["errors"] == []
    approved = (await gql.data(APPROVE, {"input": {"claimId": second["claim"]["id"]}}, as_=SUPPLIER))["approveClaim"]
    assert approved["errors"] == [] and approved["claim"]["status"] == "APPROVED"
    twice = (await gql.data(APPROVE, {"input": {"claimId": second["claim"]["id"]}}, as_=SUPPLIER))["approveClaim"]
    assert twice["errors"][0]["code"] == "INVALID_TRANSITION"
    end = await fund(gql)
    assert end["spent"] == start["spent"] + 1000, "the approved amount is spent"
    assert end["reserved"] == start["reserved"] and end["claimed"] == 0, "the rest released"
    assert end["available"] == end["allocated"] - end["reserved"] - end["spent"]
    async with db.read_session() as session:
        kinds = list(
            await session.scalars(
                select(MdfLedgerEntry.kind)
                .where(MdfLedgerEntry.order_id == pk_of(order_id))
                .order_by(MdfLedgerEntry.id)
            )
        )
    K = LedgerEntryKind
    assert kinds == [K.RESERVE, K.CLAIM, K.CLAIM_CLOSED, K.CLAIM, K.CLAIM_CLOSED, K.SPEND, K.RELEASE]
    # Every step is in the timeline and in the partner's notifications, none in the provider's.
    timeline = "query($id: ID!) { node(id: $id) { ... on Order { timeline { __typename } claims { status } } } }"
    partner_view = (await gql.data(timeline, {"id": order_id}))["node"]
    assert [c["status"] for c in partner_view["claims"]] == ["REJECTED", "APPROVED"]
    assert sum(item["__typename"] == "MdfClaim" for item in partner_view["timeline"]) == 2
    provider_view = (await gql.data(timeline, {"id": order_id}, as_=PROVIDER))["node"]
    assert provider_view["claims"] == [] and all(i["__typename"] != "MdfClaim" for i in provider_view["timeline"])
    notes = "{ viewer { notifications(first: 50) { edges { node { kind title } } } } }"
    partner_notes = (await gql.data(notes))["viewer"]["notifications"]["edges"]
    titles = [n["node"]["title"] for n in partner_notes if n["node"]["kind"] == "CLAIM_UPDATED"]
    assert any("approved" in t for t in titles) and any("rejected" in t for t in titles)
    supplier_notes = (await gql.data(notes, as_=SUPPLIER))["viewer"]["notifications"]["edges"]
    assert sum(n["node"]["kind"] == "CLAIM_UPDATED" for n in supplier_notes) == 2, "told of both claims filed"
    provider_notes = (await gql.data(notes, as_=PROVIDER))["viewer"]["notifications"]["edges"]
    assert all(n["node"]["kind"] != "CLAIM_UPDATED" for n in provider_notes)


async def test_deadline_releases_the_reservation(gql, ids, db) -> None:
    start = await fund(gql)
    order_id, proof_id = await claimable_order(gql, ids, db)
    async with db.write_session() as session:
        await session.execute(
            update(Order).where(Order.id == pk_of(order_id)).values(completed_at=utcnow() - timedelta(days=61))
        )
    late = await gql.data(SUBMIT, {"input": {"orderId": order_id, "amount": "10.00", "proofIds": [proof_id]}})
    assert late["submitClaim"]["errors"][0]["code"] == "INVALID_TRANSITION"
    async with db.read_session() as session:
        due = await claims.expired_claim_orders(session, utcnow())
    assert due == [pk_of(order_id)]
    async with unit_of_work(db.write_session(), db.settings) as uow:
        assert await claims.release_expired(uow, due[0], utcnow())
    end = await fund(gql)
    assert end["reserved"] == start["reserved"] and end["spent"] == start["spent"]
    async with db.read_session() as session:
        assert await claims.expired_claim_orders(session, utcnow()) == []


async def test_concurrent_approvals_spend_once(gql, ids, db) -> None:
    start = await fund(gql)
    order_id, proof_id = await claimable_order(gql, ids, db)
    submitted = await gql.data(SUBMIT, {"input": {"orderId": order_id, "amount": "700.00", "proofIds": [proof_id]}})
    claim_id = submitted["submitClaim"]["claim"]["id"]
    results = await asyncio.gather(
        *(gql.data(APPROVE, {"input": {"claimId": claim_id}}, as_=SUPPLIER) for _ in range(4)),
        gql.data(REJECT, {"input": {"claimId": claim_id, "reason": "late"}}, as_=SUPPLIER),
    )
    outcomes = [r.get("approveClaim") or r.get("rejectClaim") for r in results]
    assert sum(not o["errors"] for o in outcomes) == 1
    assert all(o["errors"][0]["code"] in ("INVALID_TRANSITION", "CONFLICT") for o in outcomes if o["errors"])
    end = await fund(gql)
    assert end["claimed"] == 0
    assert end["reserved"] + end["spent"] + end["available"] == end["allocated"]
    won = next(o for o in outcomes if not o["errors"])["claim"]["status"]
    if won == "APPROVED":
        assert end["spent"] == start["spent"] + 700 and end["reserved"] == start["reserved"]
    else:
        assert end["reserved"] == start["reserved"] + 1500
