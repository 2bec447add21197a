"""Writing the admin audit log: who, when, what, the values before and after.

`record` adds one `AuditEntry` to the caller's transaction, so the entry commits with the
change it describes and disappears with it when the change is refused or rolled back.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.viewer import Viewer
from models import AuditEntry
from models.base import utcnow


def json_value(value: Any) -> Any:
    """A value as JSON keeps it: decimals and dates as strings, enums by name."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value


def values_of(row: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of `row`, JSON-ready."""
    return {name: json_value(getattr(row, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value differs, on both sides."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


async def record(
    session: AsyncSession,
    *,
    portal_id: int,
    actor: Viewer | None,
    action: str,
    subject_type: str,
    subject_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """One audit entry in the caller's transaction. `subject_type` is the GraphQL type name of
    the object changed, so that its global id is (`subject_type`, `subject_id`)."""
    entry = AuditEntry(
        portal_id=portal_id,
        actor_id=actor.user_id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=json_value(before) if before is not None else None,
        after=json_value(after) if after is not None else None,
        at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    return entry
