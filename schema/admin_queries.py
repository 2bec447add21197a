"""Administration's root query: the audit log."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers.admin_reads import resolve_audit_log
from schema.admin_types import AuditEntry, AuditLogFilter
from schema.common import Connection


@strawberry.type
class AdminQueries:
    @strawberry.field(description="The portal's administrative changes, newest first (the supplier's users).")
    async def audit_log(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="Page size (at most 100).")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor of the entry to continue after.")] = None,
        filter: Annotated[AuditLogFilter | None, strawberry.argument(description="Narrow the log.")] = None,
    ) -> Connection[AuditEntry]:
        f = filter or AuditLogFilter()
        return await resolve_audit_log(info, first, after, f.subject_id, f.actor_id, f.since)
