"""Database engine and sessions.

Queries resolve fields concurrently, and one AsyncSession cannot be shared by concurrent
operations, so every DataLoader batch and every root query opens its own short session
(`read_session`). A mutation runs in exactly one transaction (`write_session`); on SQLite
that transaction starts with BEGIN IMMEDIATE so writers queue on the database lock instead
of failing when they upgrade a read lock.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from app.settings import Settings


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    if is_sqlite(url):
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30},
            poolclass=NullPool if ":memory:" in url else None,
            pool_reset_on_return=None,  # see _reset_if_in_transaction
        )
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        connect_args={
            "timeout": settings.db_connect_timeout,
            "server_settings": {
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "idle_in_transaction_session_timeout": str(settings.db_idle_in_transaction_timeout_ms),
                "timezone": "UTC",
            },
        },
    )
    _ping_idle_connections(engine, settings.db_ping_after_idle_seconds)
    return engine


def _ping_idle_connections(engine: AsyncEngine, idle_seconds: float) -> None:
    """A pooled connection the server dropped (restart, failover, pg_terminate_backend) is
    noticed at checkout and replaced, so requests succeed again once the database is back.

    Like SQLAlchemy's `pool_pre_ping`, but only for a connection idle longer than
    `idle_seconds` (HikariCP's "alive bypass window"): asyncpg's ping is three round trips
    (BEGIN, a statement, ROLLBACK), and a request opens several short sessions, so pinging at
    every checkout cost about a sixth of the server's CPU under load. A connection that breaks
    while in use fails its request with SERVICE_UNAVAILABLE, and SQLAlchemy then replaces
    every connection of the pool that is older than the failure.
    """
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def remember_last_use(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def ping_if_idle(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # brand new, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # the pool discards it and checks out another
            raise exc.DisconnectionError("pooled connection is gone") from error


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, issue BEGIN (so we can choose IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(sync_engine.pool, "reset")
    def _reset_if_in_transaction(dbapi_connection, _record, _state) -> None:
        # A session ends its transaction before handing its connection back, and the pool's
        # own rollback then cost one more trip to aiosqlite's thread per session: roll back
        # only a transaction still open (a session cancelled midway).
        if dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()

    @event.listens_for(sync_engine, "begin")
    def on_begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engine plus the two kinds of session the app uses."""

    def __init__(self, settings: Settings, engine: AsyncEngine | None = None):
        self.settings = settings
        self.engine = engine or create_engine(settings)
        self.is_sqlite = is_sqlite(settings.database_url)
        write_bind = self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        # PostgreSQL reads run without BEGIN/ROLLBACK: under READ COMMITTED each statement sees
        # its own snapshot either way, and it saves two round trips per read session.
        read_bind = self.engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._read_bind = read_bind
        self._read = async_sessionmaker(read_bind, expire_on_commit=False, autoflush=False)
        self._write = async_sessionmaker(write_bind, expire_on_commit=False, autoflush=False)

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        """A connection for Core reads (rows, not entities), as read sessions are made."""
        async with self._read_bind.connect() as connection:
            yield connection

    @asynccontextmanager
    async def write_session(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        async with self._write() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
