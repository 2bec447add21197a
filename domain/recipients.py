"""Who may be a notification recipient of an order (DOMAIN.md, "Notifications").

A recipient is a user of the ordering partner's organisation, or an address that belongs to no
user of the service (in any portal); the address of another organisation's user is refused, so
nobody hears of an order through the recipient list that `node(id:)` would hide from them.
`submitOrder` and `updateOrder` check their lists with `check_recipients`; notifications
check the stored list again as they are written (`recipient_users`), since an address may
become a user's after it was named.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import invalid
from domain.validation import Problems, capped_list, email_address
from models import User

MAX_RECIPIENTS = 100
FIELD = ["input", "notificationRecipients"]


@dataclass(frozen=True)
class CheckedRecipient:
    email: str  # lower-case
    user_id: int | None  # a user of the partner's organisation; None: an address outside the service


async def check_recipients(
    session: AsyncSession, partner_id: int, addresses: list[str], *, field: list[str] = FIELD
) -> list[CheckedRecipient]:
    """Valid, de-duplicated (case-insensitively) recipients of an order of `partner_id`;
    VALIDATION at the offending address's position (`field` + index) otherwise."""
    capped_list(addresses, field, maximum=MAX_RECIPIENTS, what="notification recipients")
    problems = Problems()
    first_at: dict[str, int] = {}
    for i, address in enumerate(addresses):
        email = problems.check(email_address, address, [*field, str(i)])
        if email:
            first_at.setdefault(email.lower(), i)
    problems.raise_any()
    users = await recipient_users(session, list(first_at))
    for email, i in first_at.items():
        user = users.get(email)
        if user is not None and user.organization_id != partner_id:
            problems.errors.append(
                invalid(
                    "this address cannot be a recipient: only users of your organisation "
                    "or addresses outside the portal can",
                    [*field, str(i)],
                )
            )
    problems.raise_any()
    return [CheckedRecipient(email, users[email].id if email in users else None) for email in first_at]


async def recipient_users(session: AsyncSession, emails: list[str]) -> dict[str, User]:
    """Lower-cased address -> the user (of any portal) it belongs to."""
    if not emails:
        return {}
    rows = await session.scalars(select(User).where(func.lower(User.email).in_(emails)))
    return {user.email.lower(): user for user in rows}


def may_receive(user: User | None, partner_id: int) -> bool:
    """Whether a recipient address (with the user it belongs to now, if any) is told of the
    order: an outside address, or a user of the ordering partner."""
    return user is None or user.organization_id == partner_id
