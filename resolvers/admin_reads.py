"""Administration's reads: the audit log and an MDF fund's ledger."""

from __future__ import annotations

from datetime import datetime

from graphql import GraphQLError
from sqlalchemy import select
from strawberry.types import Info

from domain import access
from domain.admin.permissions import Permission, permissions_of
from domain.ids import parse_global_id
from domain.validation import in_time_window
from models import AuditEntry, MdfLedgerEntry, User
from resolvers.pagination import BadPageRequest, Page, PageRequest, SortKey, paginate

AUDIT_SORT = SortKey("audit", None, AuditEntry.id)
MAX_LEDGER = 100  # entries of MdfFund.ledger, users of Organization.users


async def resolve_audit_log(
    info: Info,
    first: int | None,
    after: str | None,
    subject_id: str | None,
    actor_id: str | None,
    since: datetime | None,
) -> Page:
    """The portal's administrative changes, newest first (suppliers only)."""
    ctx = info.context
    viewer = ctx.require_viewer()
    if Permission.VIEW_AUDIT_LOG not in permissions_of(viewer):
        raise GraphQLError("only the supplier's users read the audit log", extensions={"code": "FORBIDDEN"})
    clauses = [AuditEntry.portal_id == viewer.portal_id]
    if subject_id is not None:
        parsed = parse_global_id(subject_id)
        if parsed is None:
            raise BadPageRequest("`filter.subjectId` is not an id", "filter.subjectId")
        clauses += [AuditEntry.subject_type == parsed[0], AuditEntry.subject_id == parsed[1]]
    if actor_id is not None:
        parsed = parse_global_id(actor_id)
        if parsed is None or parsed[0] != "User":
            raise BadPageRequest("`filter.actorId` is not a user id", "filter.actorId")
        clauses.append(AuditEntry.actor_id == parsed[1])
    if since is not None:
        moment = in_time_window(since)
        if moment is None:
            raise BadPageRequest("`filter.since` is out of range", "filter.since")
        clauses.append(AuditEntry.at >= moment)
    return await paginate(
        ctx.db.read_session,
        select(AuditEntry).where(*clauses),
        sort=AUDIT_SORT,
        descending=True,
        page=PageRequest(first=first, after=after),
        codec=ctx.cursors,
    )


async def resolve_ledger(info: Info, fund_id: int, first: int) -> list[MdfLedgerEntry]:
    """The fund's newest `first` entries (the fund was already found visible to the viewer)."""
    if not 0 <= first <= MAX_LEDGER:
        raise BadPageRequest(f"`first` must be between 0 and {MAX_LEDGER}", "first")
    if first == 0:
        return []
    return list(await info.context.loaders.ledger_pages.load((fund_id, None, None, first, True)))


async def resolve_users(info: Info, organization_id: int, first: int) -> list[User]:
    """An organisation's users, for those who may see them (`access.can_see_users_of`)."""
    if not 0 <= first <= MAX_LEDGER:
        raise BadPageRequest(f"`first` must be between 0 and {MAX_LEDGER}", "first")
    if first == 0 or not access.can_see_users_of(info.context.require_viewer(), organization_id):
        return []
    return list(await info.context.loaders.user_pages.load((organization_id, None, None, first, False)))
