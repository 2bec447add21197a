"""Notifications for order events (the notifications issue fills this in).

`on_event` runs inside the transaction of the change, so what it writes (in-app
notifications, the e-mail outbox) commits or rolls back with it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models import Order, OrderEvent


async def on_event(session: AsyncSession, order: Order, event: OrderEvent) -> None:
    return None
