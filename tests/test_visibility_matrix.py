"""Nothing reaches anyone before they may see it (issue #15, item 2), as one table.

Every event kind (the STEPS below, run as real mutations) x every party (PARTIES) x every
channel (in-app notification, e-mail, comment digest, subscription, `orderEvents` replay):
whatever a party receives about an order must be something `node(id:)` shows that party at that
moment (the order, the comment, the quote), and must not name another provider, its quote, its
questions or its decline. The one exception is the end of a provider's own quote request: it is
told that its request ended (never who won, nor why a rival left), though the order is gone
from its view.

Subscriptions and replay are judged by `subscriptions.resolvers.accepts` (what the feed and
`orderEvents(after:)` deliver) over the stored events, checked against `node(id:)` through the
API; e-mails and digests are rendered as the delivery worker renders them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from app.settings import Settings
from domain import claims
from domain.ids import to_global_id
from domain.mail import render
from domain.notifications import PARTNER as PARTNER_ROLE
from domain.notifications import describe
from domain.unit_of_work import unit_of_work
from domain.viewer import Viewer
from models import (
    Attachment,
    Comment,
    MdfClaim,
    Notification,
    NotificationKind,
    Order,
    OrderEvent,
    OrderEventKind,
    OrderInvitation,
    Organization,
    OrganizationKind,
    Quote,
    StatusChange,
    User,
)
from models.base import utcnow
from subscriptions.feed import LiveEvent, load_live_events
from subscriptions.resolvers import accepts
from tests.conftest import OUTSIDER, PARTNER, PARTNER2, PROVIDER, PROVIDER2, SUPPLIER
from tests.files import PDF, PNG, set_portal, upload
from tests.ordering import demo_ids, in_days, make_fund_valid_today, pk_of

PROVIDER3 = "provider3@demo.example"  # "Third Agency", a provider of the portal never asked to quote
EXTERNAL = "boss@outside.example"  # a notification recipient who is no user of the service

# The parties, named by their part in the main quote request ("Q" below).
PARTIES = {
    "supplier": SUPPLIER,
    "partner": PARTNER,
    "other partner": PARTNER2,
    "assigned provider": PROVIDER,  # Taylor Marketing: invited, wins Q
    "invited rival provider": PROVIDER2,  # Northwind Digital: invited, loses Q
    "uninvited provider": PROVIDER3,
    "outsider portal": OUTSIDER,
    "external recipient": EXTERNAL,
}
CHANNELS = ("in-app", "e-mail", "digest", "subscription", "replay")
ALL_KINDS = set(OrderEventKind)

ERR = "errors { code message field }"
SUBMIT_ORDER = f"mutation($input: SubmitOrderInput!) {{ submitOrder(input: $input) {{ order {{ id }} {ERR} }} }}"
COMMENT = f"mutation($input: AddCommentInput!) {{ addComment(input: $input) {{ comment {{ id }} {ERR} }} }}"
QUOTE = f"mutation($input: SubmitQuoteInput!) {{ submitQuote(input: $input) {{ quote {{ id }} {ERR} }} }}"
WITHDRAW = f"mutation($input: WithdrawQuoteInput!) {{ withdrawQuote(input: $input) {{ quote {{ id }} {ERR} }} }}"
DECLINE = f"mutation($input: DeclineToQuoteInput!) {{ declineToQuote(input: $input) {{ {ERR} }} }}"
ACCEPT_QUOTE = f"mutation($input: AcceptQuoteInput!) {{ acceptQuote(input: $input) {{ {ERR} }} }}"
LEADS = f"mutation($input: AddLeadsInput!) {{ addLeads(input: $input) {{ {ERR} }} }}"
UPDATE_ORDER = f"mutation($input: UpdateOrderInput!) {{ updateOrder(input: $input) {{ {ERR} }} }}"
CLAIM = "claim { id } errors { code message field }"
SUBMIT_CLAIM = f"mutation($input: SubmitClaimInput!) {{ submitClaim(input: $input) {{ {CLAIM} }} }}"
APPROVE_CLAIM = f"mutation($input: ApproveClaimInput!) {{ approveClaim(input: $input) {{ {CLAIM} }} }}"
REJECT_CLAIM = f"mutation($input: RejectClaimInput!) {{ rejectClaim(input: $input) {{ {CLAIM} }} }}"
REMOVE_FILE = f"mutation($input: RemoveAttachmentInput!) {{ removeAttachment(input: $input) {{ {ERR} }} }}"
UPDATE_DATE = (
    f"mutation($input: UpdateEstimatedCompletionInput!) {{ updateEstimatedCompletion(input: $input) {{ {ERR} }} }}"
)


def transition(name: str) -> str:
    kind = name[0].upper() + name[1:]
    return f"mutation($input: {kind}Input!) {{ {name}(input: $input) {{ {ERR} }} }}"


# A step that is no plain GraphQL request: (gql, variables, actor) -> the payload.
Action = Callable[[Any, dict, str], Awaitable[dict]]


def files(*names: str) -> Action:
    """`addAttachments` as a GraphQL multipart request, one file per name (PDF or PNG by extension)."""

    async def run(gql: Any, variables: dict, actor: str) -> dict:
        items = [(n, PDF if n.endswith(".pdf") else PNG, "") for n in names]
        response = await upload(gql, variables, items, as_=actor)
        assert response.status_code == 200, response.text
        return response.json()["data"]["addAttachments"]

    return run


async def claim_deadline_passes(gql: Any, variables: dict, actor: str) -> dict:
    """What `provider-orders sweep-claims` does once the order's claim deadline has passed."""
    order_pk = pk_of(variables["orderId"])
    async with gql.db.write_session() as session:
        await session.execute(
            update(Order).where(Order.id == order_pk).values(completed_at=utcnow() - timedelta(days=CLAIM_DAYS + 1))
        )
    now = utcnow()
    async with gql.db.read_session() as session:
        assert await claims.expired_claim_orders(session, now) == [order_pk]
    async with unit_of_work(gql.db.write_session(), gql.db.settings) as uow:
        assert await claims.release_expired(uow, order_pk, now)
    return {"errors": []}


CLAIM_DAYS = 30


@dataclass
class Step:
    label: str
    actor: str
    mutation: str | Action
    build: Callable[[dict], dict]
    # Parties that must be told (in-app or by e-mail): the table cannot pass by telling nobody.
    told: set[str]
    keep: str | None = None  # store the made object's id in the context under this name
    kinds: set[OrderEventKind] = field(default_factory=set)  # the event kinds it records


def order_input(c: dict, service: str, name: str, **extra: Any) -> dict:
    return {
        "serviceId": c[service],
        "name": name,
        "origin": "MARKETPLACE",
        "paymentMethod": "PARTNER_FUNDED",
        "notificationRecipients": [EXTERNAL],
        **extra,
    }


def mdf_order(c: dict, name: str) -> dict:
    return order_input(c, "Social Media Starter Pack", name, paymentMethod="MDF", mdfFundId=c["fund"])


def quote_input(c: dict, order: str, total: str) -> dict:
    return {
        "orderId": c[order],
        "plan": "Plan",
        "estimatedCompletionOn": in_days(30),
        "lineItems": [{"description": "Work", "quantity": 1, "unitPrice": total}],
    }


S, K = Step, OrderEventKind
# fmt: off
BOTH = lambda c: [c["Taylor Marketing"], c["Northwind Digital"]]  # noqa: E731
STEPS = [
    # Q: a quote request to Taylor and Northwind; Taylor wins.
    S("submit Q", PARTNER, SUBMIT_ORDER,
      lambda c: {"input": order_input(c, "SEO Consultation", "Q", providerIds=BOTH(c))},
      {"assigned provider", "invited rival provider", "external recipient"}, "Q", {K.STATUS_CHANGED}),
    S("partner comments on Q for the whole order", PARTNER, COMMENT,
      lambda c: {"input": {"orderId": c["Q"], "body": "public note on Q"}},
      {"external recipient"}, None, {K.COMMENT_ADDED}),
    S("Taylor asks in its thread", PROVIDER, COMMENT,
      lambda c: {"input": {"orderId": c["Q"], "body": "taylor-secret question"}},
      {"partner", "external recipient"}, "taylor question", {K.COMMENT_ADDED}),
    S("Taylor attaches a file to its question", PROVIDER, files("taylor-sketch.png"),
      lambda c: {"input": {"orderId": c["Q"], "kind": "ASSET", "commentId": c["taylor question"]}},
      {"partner", "external recipient"}, None, {K.ATTACHMENTS_ADDED}),
    S("supplier answers Northwind in its thread", SUPPLIER, COMMENT,
      lambda c: {"input": {"orderId": c["Q"], "body": "northwind-secret answer", "providerId": c["Northwind Digital"]}},
      {"partner", "invited rival provider", "external recipient"}, None, {K.COMMENT_ADDED}),
    S("partner answers Taylor in its thread", PARTNER, COMMENT,
      lambda c: {"input": {"orderId": c["Q"], "body": "taylor-secret answer", "providerId": c["Taylor Marketing"]}},
      {"assigned provider", "supplier", "external recipient"}, None, {K.COMMENT_ADDED}),
    S("Northwind quotes", PROVIDER2, QUOTE, lambda c: {"input": quote_input(c, "Q", "987.65")},
      {"partner", "external recipient"}, "northwind quote", {K.QUOTE_SUBMITTED}),
    S("Northwind withdraws its quote", PROVIDER2, WITHDRAW, lambda c: {"input": {"quoteId": c["northwind quote"]}},
      {"partner", "external recipient"}, None, {K.QUOTE_WITHDRAWN}),
    S("Northwind quotes again", PROVIDER2, QUOTE, lambda c: {"input": quote_input(c, "Q", "876.54")},
      {"partner", "external recipient"}, None, {K.QUOTE_SUBMITTED}),
    S("Taylor quotes", PROVIDER, QUOTE, lambda c: {"input": quote_input(c, "Q", "1234.56")},
      {"partner", "external recipient"}, "taylor quote", {K.QUOTE_SUBMITTED}),
    S("Taylor attaches a draft proposal to its quote", PROVIDER, files("taylor-draft-proposal.pdf"),
      lambda c: {"input": {"orderId": c["Q"], "kind": "PROPOSAL", "quoteId": c["taylor quote"]}},
      {"partner", "external recipient"}, "taylor draft", {K.ATTACHMENTS_ADDED}),
    S("Taylor removes its draft proposal", PROVIDER, REMOVE_FILE,
      lambda c: {"input": {"attachmentId": c["taylor draft"]}}, set(), None, {K.ATTACHMENT_REMOVED}),
    S("Taylor attaches its proposal", PROVIDER, files("taylor-proposal.pdf"),
      lambda c: {"input": {"orderId": c["Q"], "kind": "PROPOSAL", "quoteId": c["taylor quote"]}},
      {"partner", "external recipient"}, None, {K.ATTACHMENTS_ADDED}),
    S("partner accepts Taylor's quote", PARTNER, ACCEPT_QUOTE, lambda c: {"input": {"quoteId": c["taylor quote"]}},
      {"assigned provider", "invited rival provider", "supplier", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("partner comments on Q once assigned", PARTNER, COMMENT,
      lambda c: {"input": {"orderId": c["Q"], "body": "welcome aboard"}},
      {"assigned provider", "supplier", "external recipient"}, None, {K.COMMENT_ADDED}),
    S("Taylor accepts Q", PROVIDER, transition("acceptOrder"), lambda c: {"input": {"orderId": c["Q"]}},
      {"partner", "supplier", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("Taylor starts work on Q", PROVIDER, transition("startWork"), lambda c: {"input": {"orderId": c["Q"]}},
      {"partner", "supplier", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("Taylor adds leads to Q", PROVIDER, LEADS,
      lambda c: {"input": {"orderId": c["Q"], "leads": [{"name": "Ada", "email": "ada@example.com"}]}},
      {"partner", "external recipient"}, None, {K.LEADS_ADDED}),
    S("Taylor delivers on Q", PROVIDER, files("q-deliverable.pdf"),
      lambda c: {"input": {"orderId": c["Q"], "kind": "DELIVERABLE"}},
      {"partner", "external recipient"}, None, {K.ATTACHMENTS_ADDED}),
    S("Taylor moves Q's completion date", PROVIDER, UPDATE_DATE,
      lambda c: {"input": {"orderId": c["Q"], "estimatedCompletionOn": in_days(40), "reason": "brand assets late"}},
      {"partner", "external recipient"}, None, {K.ORDER_UPDATED}),
    # D: Northwind declines, Taylor withdraws its only quote: the portal cancels.
    S("submit D", PARTNER, SUBMIT_ORDER, lambda c: {"input": order_input(c, "SEO Audit", "D", providerIds=BOTH(c))},
      {"assigned provider", "invited rival provider", "external recipient"}, "D", {K.STATUS_CHANGED}),
    S("Northwind declines D", PROVIDER2, DECLINE,
      lambda c: {"input": {"orderId": c["D"], "reason": "northwind-secret reason"}},
      {"partner", "external recipient"}, None, {K.QUOTE_DECLINED}),
    S("Taylor quotes on D", PROVIDER, QUOTE, lambda c: {"input": quote_input(c, "D", "555.55")},
      {"partner", "external recipient"}, "taylor quote on D", {K.QUOTE_SUBMITTED}),
    S("Taylor withdraws on D: no quote left, cancelled", PROVIDER, WITHDRAW,
      lambda c: {"input": {"quoteId": c["taylor quote on D"]}},
      {"partner", "supplier", "external recipient", "assigned provider"}, None,
      {K.QUOTE_WITHDRAWN, K.STATUS_CHANGED}),
    # C: the partner cancels a quote request.
    S("submit C", PARTNER, SUBMIT_ORDER, lambda c: {"input": order_input(c, "SEO Audit", "C", providerIds=BOTH(c))},
      {"assigned provider", "invited rival provider", "external recipient"}, "C", {K.STATUS_CHANGED}),
    S("partner cancels C", PARTNER, transition("cancelOrder"),
      lambda c: {"input": {"orderId": c["C"], "reason": "plans changed"}},
      {"assigned provider", "invited rival provider", "supplier", "external recipient"}, None, {K.STATUS_CHANGED}),
    # F: a fixed-price order of Taylor's: nothing reaches Taylor before the supplier approves it.
    S("submit F", PARTNER, SUBMIT_ORDER, lambda c: {"input": order_input(c, "Social Media Starter Pack", "F")},
      {"supplier", "external recipient"}, "F", {K.STATUS_CHANGED}),
    S("partner comments on F while pending approval", PARTNER, COMMENT,
      lambda c: {"input": {"orderId": c["F"], "body": "before approval"}},
      {"external recipient"}, None, {K.COMMENT_ADDED}),
    S("supplier approves F", SUPPLIER, transition("approveOrder"), lambda c: {"input": {"orderId": c["F"]}},
      {"partner", "assigned provider", "external recipient"}, None, {K.STATUS_CHANGED}),
    # M: an MDF order of Taylor's, completed; the partner claims with a proof, is rejected, claims
    # again and is approved. Providers never hear of claims.
    S("submit M", PARTNER, SUBMIT_ORDER, lambda c: {"input": mdf_order(c, "M")},
      {"supplier", "external recipient"}, "M", {K.STATUS_CHANGED}),
    S("supplier approves M", SUPPLIER, transition("approveOrder"), lambda c: {"input": {"orderId": c["M"]}},
      {"partner", "assigned provider", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("Taylor accepts M", PROVIDER, transition("acceptOrder"), lambda c: {"input": {"orderId": c["M"]}},
      {"partner", "supplier", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("Taylor starts work on M", PROVIDER, transition("startWork"), lambda c: {"input": {"orderId": c["M"]}},
      {"partner", "supplier", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("Taylor completes M", PROVIDER, transition("completeOrder"), lambda c: {"input": {"orderId": c["M"]}},
      {"partner", "supplier", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("partner attaches a proof to M", PARTNER, files("m-proof.png"),
      lambda c: {"input": {"orderId": c["M"], "kind": "PROOF"}},
      {"assigned provider", "external recipient"}, "M proof", {K.ATTACHMENTS_ADDED}),
    S("partner claims on M", PARTNER, SUBMIT_CLAIM,
      lambda c: {"input": {"orderId": c["M"], "amount": "1200.00", "note": "Campaign ran", "proofIds": [c["M proof"]]}},
      {"supplier"}, "M claim", {K.CLAIM_SUBMITTED}),
    S("supplier rejects M's claim", SUPPLIER, REJECT_CLAIM,
      lambda c: {"input": {"claimId": c["M claim"], "reason": "Blurry proof"}},
      {"partner", "external recipient"}, None, {K.CLAIM_REJECTED}),
    S("partner claims on M again", PARTNER, SUBMIT_CLAIM,
      lambda c: {"input": {"orderId": c["M"], "amount": "1000.00", "proofIds": [c["M proof"]]}},
      {"supplier"}, "M claim again", {K.CLAIM_SUBMITTED}),
    S("supplier approves M's claim", SUPPLIER, APPROVE_CLAIM,
      lambda c: {"input": {"claimId": c["M claim again"]}},
      {"partner", "external recipient"}, None, {K.CLAIM_APPROVED}),
    # X: an MDF order completed and never claimed: the deadline passes, the reservation is released.
    S("submit X", PARTNER, SUBMIT_ORDER, lambda c: {"input": mdf_order(c, "X")},
      {"supplier", "external recipient"}, "X", {K.STATUS_CHANGED}),
    S("supplier approves X", SUPPLIER, transition("approveOrder"), lambda c: {"input": {"orderId": c["X"]}},
      {"partner", "assigned provider", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("Taylor accepts X", PROVIDER, transition("acceptOrder"), lambda c: {"input": {"orderId": c["X"]}},
      {"partner", "supplier", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("Taylor starts work on X", PROVIDER, transition("startWork"), lambda c: {"input": {"orderId": c["X"]}},
      {"partner", "supplier", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("Taylor completes X", PROVIDER, transition("completeOrder"), lambda c: {"input": {"orderId": c["X"]}},
      {"partner", "supplier", "external recipient"}, None, {K.STATUS_CHANGED}),
    S("X's claim deadline passes (sweep-claims)", SUPPLIER, claim_deadline_passes, lambda c: {"orderId": c["X"]},
      {"partner", "external recipient"}, None, {K.CLAIM_EXPIRED}),
    # E: still open at the end; Northwind asks in its thread (Taylor, invited too, hears nothing of it).
    S("submit E", PARTNER, SUBMIT_ORDER, lambda c: {"input": order_input(c, "SEO Audit", "E", providerIds=BOTH(c))},
      {"assigned provider", "invited rival provider", "external recipient"}, "E", {K.STATUS_CHANGED}),
    S("Northwind asks in its thread on E", PROVIDER2, COMMENT,
      lambda c: {"input": {"orderId": c["E"], "body": "northwind-secret question"}},
      {"partner", "external recipient"}, None, {K.COMMENT_ADDED}),
    S("partner edits E's contacts", PARTNER, UPDATE_ORDER,
      lambda c: {"input": {"orderId": c["E"], "contacts": [{"name": "Casey Contact"}]}},
      {"external recipient"}, None, {K.ORDER_UPDATED}),
    S("partner edits E's description", PARTNER, UPDATE_ORDER,
      lambda c: {"input": {"orderId": c["E"], "description": "Now with local SEO"}},
      {"assigned provider", "invited rival provider", "external recipient"}, None, {K.ORDER_UPDATED}),
]
# fmt: on


async def _setup(gql: Any, db: Any) -> tuple[dict, dict[str, Viewer], dict[int, set[str]]]:
    """The context of ids, each party's viewer, and per provider organisation the strings only it
    and the partner side may know (filled as the steps run)."""
    async with db.write_session() as session:
        portal_id = (
            await session.scalars(select(Organization.portal_id).where(Organization.name == "Acme Resellers"))
        ).one()
        third = Organization(portal_id=portal_id, kind=OrganizationKind.PROVIDER, name="Third Agency")
        session.add(third)
        await session.flush()
        session.add(User(organization_id=third.id, email=PROVIDER3, name="Theo Third"))
    ctx = await demo_ids(gql)
    viewers: dict[str, Viewer] = {}
    secrets: dict[int, set[str]] = defaultdict(set)
    async with db.read_session() as session:
        for party, email in PARTIES.items():
            user = await session.scalar(select(User).where(User.email == email))
            if user is None:
                continue
            org = await session.get_one(Organization, user.organization_id)
            viewers[party] = Viewer(user.id, user.email, user.name, org.id, org.kind, org.portal_id)
            if org.kind is OrganizationKind.PROVIDER:
                secrets[org.id] |= {org.name, user.name, user.email}
    return ctx, viewers, secrets


class Checker:
    def __init__(self, gql: Any, db: Any, viewers: dict[str, Viewer], secrets: dict[int, set[str]]):
        self.gql, self.db, self.viewers, self.secrets = gql, db, viewers, secrets
        self.failures: list[str] = []
        self.covered: set[tuple[str, str]] = set()  # (party, channel) that received something
        self._node_cache: dict[tuple[str, str], bool] = {}
        # (party, attachment pk) -> whether node(id:) showed the file as it was added (it may be gone since).
        self.files_seen: dict[tuple[str, int], bool] = {}

    def fail(self, step: str, party: str, channel: str, what: str) -> None:
        self.failures.append(f"[{step}] {party} / {channel}: {what}")

    async def node_visible(self, party: str, gid: str) -> bool:
        key = (party, gid)
        if key not in self._node_cache:
            data = await self.gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": gid}, as_=PARTIES[party])
            self._node_cache[key] = data["node"] is not None
        return self._node_cache[key]

    def forget_nodes(self) -> None:
        self._node_cache.clear()  # visibility changes from step to step

    def forbidden(self, viewer: Viewer | None) -> set[str]:
        """What this viewer must never read: for a provider, everything of the other providers."""
        if viewer is None or not viewer.is_provider:
            return set()
        return {s for org, strings in self.secrets.items() if org != viewer.organization_id for s in strings}

    def leaks(self, step: str, party: str, channel: str, viewer: Viewer | None, text: str) -> None:
        for secret in self.forbidden(viewer):
            if secret in text:
                self.fail(step, party, channel, f"reads {secret!r}")

    async def see_files(self, attachments: list[Attachment]) -> None:
        for attachment in attachments:
            for party in self.viewers:
                gid = to_global_id("Attachment", attachment.id)
                self.files_seen[(party, attachment.id)] = await self.node_visible(party, gid)

    async def subject_visible(
        self, party: str, kind: OrderEventKind, order_id: int, subject: Any, subject_id: int
    ) -> bool:
        """Whether `node(id:)` shows the party what the event is about, now (a file: as it was added)."""
        order_visible = await self.node_visible(party, to_global_id("Order", order_id))
        if kind in (K.ATTACHMENTS_ADDED, K.ATTACHMENT_REMOVED):
            return order_visible and self.files_seen.get((party, subject_id), False)
        if kind in (K.CLAIM_SUBMITTED, K.CLAIM_APPROVED, K.CLAIM_REJECTED):
            return await self.node_visible(party, to_global_id("MdfClaim", subject_id))
        if kind is K.CLAIM_EXPIRED:  # about the order's MDF reservation: no provider's business
            return order_visible and not self.viewers[party].is_provider
        if kind is K.COMMENT_ADDED:
            return await self.node_visible(party, to_global_id("Comment", subject.id))
        if kind in (K.QUOTE_SUBMITTED, K.QUOTE_WITHDRAWN):
            return await self.node_visible(party, to_global_id("Quote", subject.id))
        if kind is K.QUOTE_DECLINED:  # no node of its own: the partner side and the decliner
            viewer = self.viewers[party]
            return order_visible and (not viewer.is_provider or viewer.organization_id == subject.provider_id)
        return order_visible

    async def notifications(self, step: str, rows: list[Notification], events: dict[int, OrderEvent]) -> None:
        by_address: dict[tuple[str, int], list[Notification]] = defaultdict(list)
        async with self.db.read_session() as session:
            for row in rows:
                party = next((p for p, email in PARTIES.items() if email == row.email), None)
                if party is None:
                    self.fail(step, row.email or "?", "in-app", "told, but no party of the table")
                    continue
                as_party = "partner" if party == "external recipient" else party
                viewer = self.viewers.get(party)
                event = events[row.event_id]
                subject = await _subject(session, event)
                actor = await session.get(User, row.actor_id) if row.actor_id else None
                text = " ".join([row.title, row.body, json.dumps(row.data), actor.name if actor else ""])
                channels = ["e-mail"] + (["in-app"] if row.user_id is not None else [])
                for channel in channels:
                    self.covered.add((party, channel))
                    self.leaks(step, party, channel, viewer, text)
                # The external recipient is told what the partner is told, never more: the partner's wording.
                partner_wording = describe(row.kind, PARTNER_ROLE, row.data)
                if party == "external recipient" and (
                    row.data.get("role") != "recipient" or (row.title, row.body) != partner_wording
                ):
                    self.fail(step, party, "e-mail", f"told more than the partner: {row.title!r}")
                if row.user_id is not None and row.user_id != self.viewers[as_party].user_id:
                    self.fail(step, party, "in-app", "a notification of another user")
                # The exception: a provider invited to quote hears that its own request ended.
                ends_own_request = (
                    row.kind is NotificationKind.STATUS_CHANGED
                    and row.data.get("role") == "invited"
                    and (row.data.get("status") or {}).get("from") == "PENDING_QUOTES"
                    and viewer is not None
                    and await session.scalar(
                        select(OrderInvitation.id).where(
                            OrderInvitation.order_id == row.order_id,
                            OrderInvitation.provider_id == viewer.organization_id,
                        )
                    )
                    is not None
                )
                if not ends_own_request and not await self.subject_visible(
                    as_party, event.kind, row.order_id, subject, event.subject_id
                ):
                    self.fail(step, party, ",".join(channels), f"told of what node(id:) hides: {row.title!r}")
                email = render([row], "https://portal.example")
                self.leaks(step, party, "e-mail", viewer, email.subject + email.text + email.html)
                if row.kind is NotificationKind.COMMENT_ADDED:
                    by_address[(row.email or "", row.order_id)].append(row)
        for (address, _order), grouped in by_address.items():
            party = next(p for p, email in PARTIES.items() if email == address)
            digest = render(grouped, "https://portal.example")
            self.covered.add((party, "digest"))
            self.leaks(step, party, "digest", self.viewers.get(party), digest.text + digest.html)

    async def events(self, step: str, channel: str, events: list[LiveEvent]) -> None:
        """Subscriptions (every kind, every order) and replay: what `accepts` lets through."""
        for live in events:
            for party, viewer in self.viewers.items():
                if not accepts(viewer, live, ALL_KINDS):
                    continue
                self.covered.add((party, channel))
                if not await self.subject_visible(
                    party, live.event.kind, live.order.id, live.subject, live.event.subject_id
                ):
                    self.fail(step, party, channel, f"receives {live.event.kind.value} that node(id:) hides")
                self.leaks(step, party, channel, viewer, _event_text(live))


async def _subject(session: Any, event: OrderEvent) -> Any:
    models = {
        K.COMMENT_ADDED: Comment,
        K.QUOTE_SUBMITTED: Quote,
        K.QUOTE_WITHDRAWN: Quote,
        K.QUOTE_DECLINED: OrderInvitation,
        K.STATUS_CHANGED: StatusChange,
        K.ATTACHMENTS_ADDED: Attachment,
        K.CLAIM_SUBMITTED: MdfClaim,
        K.CLAIM_APPROVED: MdfClaim,
        K.CLAIM_REJECTED: MdfClaim,
    }
    return await session.get(models[event.kind], event.subject_id) if event.kind in models else None


def _event_text(live: LiveEvent) -> str:
    subject = live.subject
    parts = [live.actor.name if live.actor else ""]
    for attribute in ("body", "reason", "decline_reason", "plan", "total", "filename", "note"):
        parts.append(str(getattr(subject, attribute, "") or ""))
    return " ".join(parts)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, PROVIDER_ORDERS_ENV="test", file_storage_path=tmp_path / "files")


@pytest.mark.usefixtures("no_list")
async def test_nothing_reaches_anyone_before_they_may_see_it(gql, db) -> None:
    ctx, viewers, secrets = await _setup(gql, db)
    await make_fund_valid_today(db)
    await set_portal(db, mdf_claims_required=True, claim_deadline_days=CLAIM_DAYS)
    check = Checker(gql, db, viewers, secrets)
    last_notification = last_event = last_file = 0
    kinds_seen: set[OrderEventKind] = set()
    for step in STEPS:
        if isinstance(step.mutation, str):
            body = await gql(step.mutation, step.build(ctx), as_=step.actor)
            payload = next(iter(body["data"].values()))
        else:
            payload = await step.mutation(gql, step.build(ctx), step.actor)
        assert payload["errors"] == [], (step.label, payload["errors"])
        if step.keep is not None:
            made = (payload.get("attachments") or [None])[0] or payload.get("claim") or payload.get("order")
            made = made or payload.get("quote") or payload.get("comment")
            ctx[step.keep] = made["id"]
        check.forget_nodes()
        async with db.read_session() as session:
            rows = list(
                await session.scalars(
                    select(Notification).where(Notification.id > last_notification).order_by(Notification.id)
                )
            )
            events = {e.id: e for e in await session.scalars(select(OrderEvent).where(OrderEvent.id > last_event))}
            _remember_secrets(secrets, await session.scalars(select(Comment)))
            _remember_quotes(secrets, await session.scalars(select(Quote)))
            _remember_declines(secrets, await session.scalars(select(OrderInvitation)))
            new_files = list(await session.scalars(select(Attachment).where(Attachment.id > last_file)))
            await _remember_files(session, secrets, new_files)
        await check.see_files(new_files)
        last_file = max([last_file, *(a.id for a in new_files)])
        live = await load_live_events(db, select(OrderEvent).where(OrderEvent.id > last_event).order_by(OrderEvent.id))
        assert {e.event.kind for e in live} == step.kinds, step.label
        kinds_seen |= step.kinds
        told = {p for p, email in PARTIES.items() if any(r.email == email for r in rows)}
        assert step.told <= told, f"[{step.label}] not told: {sorted(step.told - told)}"
        await check.notifications(step.label, rows, events)
        await check.events(step.label, "subscription", live)
        last_notification = max([last_notification, *(r.id for r in rows)])
        last_event = max([last_event, *(e.id for e in live)])

    # Replaying every event from the start, as `orderEvents(after:)` does, once it is all over.
    check.forget_nodes()
    everything = await load_live_events(db, select(OrderEvent).order_by(OrderEvent.id))
    await check.events("replay of everything", "replay", everything)

    assert check.failures == []
    # The files reached node(id:) of whom they should, as they were added: a proposal and a file of a
    # private thread never the rival's; the supplier's, the partner's and their provider's.
    async with db.read_session() as session:
        pk = {a.filename: a.id for a in await session.scalars(select(Attachment))}
    pk["taylor-draft-proposal.pdf"] = pk_of(ctx["taylor draft"])
    for name in ("taylor-draft-proposal.pdf", "taylor-proposal.pdf", "taylor-sketch.png", "q-deliverable.pdf"):
        seen = {p for p in viewers if check.files_seen[(p, pk[name])]}
        assert seen == {"supplier", "partner", "assigned provider"}, (name, seen)
    assert kinds_seen == ALL_KINDS, "a kind of event is missing from the table"
    # The table reaches every channel, and the parties that may hear of something do.
    for party in ("supplier", "partner", "assigned provider", "invited rival provider"):
        for channel in ("in-app", "e-mail", "subscription", "replay"):
            assert (party, channel) in check.covered, (party, channel)
    assert ("external recipient", "e-mail") in check.covered and ("external recipient", "digest") in check.covered
    assert ("invited rival provider", "digest") in check.covered
    for party in ("other partner", "uninvited provider", "outsider portal"):
        assert not any(p == party for p, _ in check.covered), party


def _remember_secrets(secrets: dict[int, set[str]], comments: Any) -> None:
    """A provider's private thread is its own (and the partner side's)."""
    for comment in comments:
        if comment.private_to_provider_id is not None:
            secrets[comment.private_to_provider_id].add(comment.body)


def _remember_quotes(secrets: dict[int, set[str]], quotes: Any) -> None:
    for quote in quotes:
        secrets[quote.provider_id].add(str(quote.total))


async def _remember_files(session: Any, secrets: dict[int, set[str]], attachments: list[Attachment]) -> None:
    """A file on a provider's quote or in its private thread is that provider's (and the partner side's)."""
    for attachment in attachments:
        owner = None
        if attachment.quote_id is not None:
            owner = (await session.get_one(Quote, attachment.quote_id)).provider_id
        elif attachment.comment_id is not None:
            owner = (await session.get_one(Comment, attachment.comment_id)).private_to_provider_id
        if owner is not None:
            secrets[owner].add(attachment.filename)


def _remember_declines(secrets: dict[int, set[str]], invitations: Any) -> None:
    for invitation in invitations:
        if invitation.decline_reason:
            secrets[invitation.provider_id].add(invitation.decline_reason)
