"""GraphQL enums: the models' enums, exposed as they are (UPPER_SNAKE_CASE), described here."""

from __future__ import annotations

import enum

from domain.transitions import OrderAction as _OrderAction
from models import (
    LeadStatus as _LeadStatus,
)
from models import (
    OrderField as _OrderField,
)
from models import (
    OrderOrigin as _OrderOrigin,
)
from models import (
    OrderStatus as _OrderStatus,
)
from models import (
    OrganizationKind as _OrganizationKind,
)
from models import (
    PaymentMethod as _PaymentMethod,
)
from models import (
    PricingModel as _PricingModel,
)
from models import (
    QuoteStatus as _QuoteStatus,
)
from models import (
    UserRole as _UserRole,
)
from schema.common import described_enum

OrganizationKind = described_enum(
    _OrganizationKind,
    "What part an organisation plays in its portal.",
    {
        "SUPPLIER": "The brand that owns the portal; its users are channel managers who see every order.",
        "PARTNER": "A reseller; its users place orders and see their own organisation's orders.",
        "PROVIDER": "A marketing agency; it offers services, quotes and does the work of orders.",
    },
)
PricingModel = described_enum(
    _PricingModel,
    "How a service is priced.",
    {
        "FIXED_PRICE": "A set price (`Service.price`); the order goes to the supplier for approval.",
        "QUOTE": "Priced per order: the providers asked send quotes and the partner accepts one.",
    },
)
OrderStatus = described_enum(
    _OrderStatus,
    "Where an order is in its life (DOMAIN.md's transitions; `Order.availableActions` lists what you may do now).",
    {
        "PENDING_QUOTES": "A QUOTE service's order, waiting for the invited providers' quotes.",
        "PENDING_APPROVAL": "A FIXED_PRICE service's order, waiting for the supplier's approval.",
        "APPROVED": "Approved (or a quote accepted), any MDF reserved; waiting for the provider to accept it.",
        "DENIED": "Rejected by the supplier or turned down by the provider; any MDF released.",
        "NOT_STARTED": "Accepted by the provider, work not started yet.",
        "IN_PROGRESS": "The provider is working on it.",
        "WAITING_FOR_PARTNER": "The provider asked the partner for input and waits for the answer.",
        "SCHEDULED": "The activity is scheduled (`Order.scheduledFor`).",
        "EXECUTING": "The scheduled activity is running.",
        "COMPLETED": "Done; any MDF reservation became spend.",
        "CANCELLED": "Cancelled before work started, or every invited provider declined; any MDF released.",
        "ARCHIVED": "Finished and archived by the provider: out of its default Manage Orders list.",
    },
)
OrderOrigin = described_enum(
    _OrderOrigin,
    "Where in the portal the partner placed the order.",
    {
        "CAMPAIGN_ACTIVITY": "Activating a campaign's Full Service Activity (`Order.campaignActivity`).",
        "MARKETPLACE": "From the Marketplace of services (only where the portal enables it).",
        "PROVIDER_LOCATOR": "From the Provider Locator (only where the portal enables it).",
    },
)
PaymentMethod = described_enum(
    _PaymentMethod,
    "Who pays for an order.",
    {
        "MDF": "Paid from a market development fund (`Order.mdfFund`): reserved on approval, spent on completion.",
        "PARTNER_FUNDED": "Paid by the partner itself; no fund involved.",
    },
)
QuoteStatus = described_enum(
    _QuoteStatus,
    "Where a quote stands.",
    {
        "SUBMITTED": "Open: the partner may accept it (unless past its `expiresAt`).",
        "SUPERSEDED": "Replaced by a later quote of the same provider.",
        "ACCEPTED": "The partner accepted it: its provider does the work at its total.",
        "REJECTED": "Not taken: another quote was accepted, the provider declined, or the order ended.",
        "EXPIRED": "Past its `expiresAt` while still open: it can no longer be accepted.",
        "WITHDRAWN": "Taken back by its provider (`withdrawQuote`): it can no longer be accepted.",
    },
)
LeadStatus = described_enum(
    _LeadStatus,
    "How working a lead went (the partner updates it).",
    {
        "NEW": "Recorded by the provider, not worked yet.",
        "CONTACTED": "The partner got in touch.",
        "QUALIFIED": "A real prospect.",
        "DISQUALIFIED": "Not a prospect.",
        "CONVERTED": "Became a customer.",
    },
)
OrderAction = described_enum(
    _OrderAction,
    "Something a viewer may do to an order now (`Order.availableActions`): each names the mutation that does it.",
    {
        "SUBMIT_QUOTE": "`submitQuote`: an invited provider quotes (or revises its quote).",
        "DECLINE_TO_QUOTE": "`declineToQuote`: an invited provider declines to quote.",
        "ACCEPT_QUOTE": "`acceptQuote`: the partner accepts an open quote (offered only when one is open).",
        "APPROVE_ORDER": "`approveOrder`: the supplier approves an order waiting for approval.",
        "REJECT_ORDER": "`rejectOrder`: the supplier rejects an order waiting for approval.",
        "ACCEPT_ORDER": "`acceptOrder`: the assigned provider takes on an approved order.",
        "DENY_ORDER": "`denyOrder`: the assigned provider turns down an approved order.",
        "START_WORK": "`startWork`: the assigned provider starts work.",
        "REQUEST_PARTNER_INPUT": "`requestPartnerInput`: the provider asks the partner for input.",
        "PROVIDE_INPUT": "`provideInput`: the partner answers the provider.",
        "RESUME_WORK": "`resumeWork`: the provider resumes work without the partner's answer.",
        "SCHEDULE_EXECUTION": "`scheduleExecution`: the provider schedules the activity.",
        "START_EXECUTION": "`startExecution`: the scheduled activity starts.",
        "COMPLETE_ORDER": "`completeOrder`: the provider completes the order.",
        "CANCEL_ORDER": "`cancelOrder`: cancel the order before work starts.",
        "ARCHIVE_ORDER": "`archiveOrder`: the provider archives a finished order.",
        "ADD_COMMENT": "`addComment`: comment on the order.",
        "ADD_LEADS": "`addLeads`: the assigned provider records leads.",
        "UPDATE_LEAD": (
            "`updateLead`: the partner (or supplier) records how working a lead went (offered once there are leads)."
        ),
        "UPDATE_ORDER": "`updateOrder`: the partner edits the description, contacts or notification recipients.",
        "UPDATE_ESTIMATED_COMPLETION": "`updateEstimatedCompletion`: the assigned provider moves the completion date.",
        "WITHDRAW_QUOTE": "`withdrawQuote`: an invited provider withdraws its open quote.",
        "ACCEPT_DELIVERABLES": "`acceptDeliverables`: the partner accepts the deliverables of a completed order.",
        "REQUEST_CHANGES": "`requestChanges`: the partner sends a completed order back to work.",
    },
)
OrderField = described_enum(
    _OrderField,
    "A part of an order edited after submission (`OrderUpdate.changed`).",
    {
        "DESCRIPTION": "The description (`updateOrder`).",
        "CONTACTS": "The contact list (`updateOrder`).",
        "NOTIFICATION_RECIPIENTS": "The notification recipients (`updateOrder`).",
        "ESTIMATED_COMPLETION_ON": "The estimated completion date (`acceptOrder`, `updateEstimatedCompletion`).",
    },
)


class _OrderView(enum.Enum):
    FULL = "FULL"
    QUOTE_REQUEST = "QUOTE_REQUEST"


OrderView = described_enum(
    _OrderView,
    "How much of an order the viewer sees.",
    {
        "FULL": "The whole order (its partner, the supplier, the assigned provider).",
        "QUOTE_REQUEST": (
            "A provider asked to quote, while quotes are collected: the request and its own quotes, "
            "not the contacts, fund or other providers' quotes."
        ),
    },
    name="OrderView",
)


UserRole = described_enum(
    _UserRole,
    "A user's role in its organisation.",
    {
        "ADMIN": "Administers its organisation (a supplier's ADMIN: the whole portal).",
        "MEMBER": "Works with orders; administers nothing.",
    },
)
