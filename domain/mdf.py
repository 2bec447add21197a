"""The MDF ledger: balances are sums of append-only entries."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import case, func
from sqlalchemy.sql.elements import ColumnElement

from models import LedgerEntryKind, MdfLedgerEntry

ZERO = Decimal("0.00")


def _sum_of(*kinds: LedgerEntryKind) -> ColumnElement:
    # No arithmetic with literals here: a literal would be bound as a scaled decimal too.
    return case((MdfLedgerEntry.kind.in_(kinds), MdfLedgerEntry.amount), else_=0)


def held_total() -> ColumnElement:
    """What is still reserved: reservations minus what was released or spent."""
    K = LedgerEntryKind
    held = case(
        (MdfLedgerEntry.kind == K.RESERVE, MdfLedgerEntry.amount),
        (MdfLedgerEntry.kind.in_([K.RELEASE, K.SPEND]), -MdfLedgerEntry.amount),
        else_=0,
    )
    return func.coalesce(func.sum(held), 0)


def claimed_total() -> ColumnElement:
    """What open MDF claims ask for (part of what is reserved): filed minus closed claims."""
    K = LedgerEntryKind
    claimed = case(
        (MdfLedgerEntry.kind == K.CLAIM, MdfLedgerEntry.amount),
        (MdfLedgerEntry.kind == K.CLAIM_CLOSED, -MdfLedgerEntry.amount),
        else_=0,
    )
    return func.coalesce(func.sum(claimed), 0)


def balance_columns() -> list[ColumnElement]:
    """allocated, reserved, spent, claimed: SQL aggregates over `mdf_ledger_entry` rows."""
    K = LedgerEntryKind
    return [
        func.coalesce(func.sum(_sum_of(K.ALLOCATE)), 0).label("allocated"),
        held_total().label("reserved"),
        func.coalesce(func.sum(_sum_of(K.SPEND)), 0).label("spent"),
        claimed_total().label("claimed"),
    ]
