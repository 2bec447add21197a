"""What the layers below the app know of the database: the sessions they are given (a
`Database`, which app.db implements) and how to tell a lost race or an outage from a bug.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


class Database(Protocol):
    """Sessions as app.db.Database opens them: a short read session (or a Core connection) per
    read, one transaction per write."""

    is_sqlite: bool

    def read_session(self) -> AbstractAsyncContextManager[AsyncSession]: ...

    def read_connection(self) -> AbstractAsyncContextManager[AsyncConnection]: ...

    def write_session(self) -> AbstractAsyncContextManager[AsyncSession]: ...


# SQLSTATEs: a transaction that lost a race and may simply run again...
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
# ...and a database that is unreachable, restarting, overloaded or too slow right now.
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "53", "57P", "57014")


def sqlstate(error: BaseException) -> str | None:
    orig = getattr(error, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_retryable(error: BaseException) -> bool:
    """A transaction that failed only because of concurrent ones: running it again is safe."""
    if not isinstance(error, exc.DBAPIError):
        return False
    if sqlstate(error) in RETRYABLE_SQLSTATES:
        return True
    # SQLite: another writer held the lock past busy_timeout.
    message = str(error.orig).lower()
    return isinstance(error, exc.OperationalError) and ("database is locked" in message or "busy" in message)


def is_unavailable(error: BaseException | None) -> bool:
    """The database cannot be reached or cannot answer now: the client should try again later."""
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return True
        code = sqlstate(error)
        if code is not None:
            return code.startswith(UNAVAILABLE_SQLSTATE_PREFIXES)
        if isinstance(error, exc.InterfaceError):
            return True
        # SQLite has no SQLSTATE; "no such table" and the like are bugs, not outages.
        message = str(error.orig).lower()
        return isinstance(error, exc.OperationalError) and any(
            sign in message for sign in ("locked", "busy", "unable to open", "disk i/o")
        )
    return isinstance(error, exc.TimeoutError | ConnectionError | OSError | TimeoutError)
