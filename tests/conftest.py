"""Test fixtures: a migrated, seeded database per test (SQLite file copy or PostgreSQL template).

`TEST_DATABASE=postgresql` runs the suite against the PostgreSQL at 127.0.0.1:5432 (each run
in its own freshly created databases, dropped afterwards); the default is SQLite. The
PostgreSQL databases of a run are named `po_test_<pid>_<run>_...`: a run drops them when it
ends (also on Ctrl-C or SIGTERM), and drops those of earlier runs whose process is gone
(killed with SIGKILL, say) when it starts. An unreachable server fails the run, never skips it.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

os.environ.setdefault("PROVIDER_ORDERS_ENV", "test")
# Outside development the server refuses the (public) development secret: each run makes its own,
# before any settings are read; the servers tests start inherit it.
os.environ["JWT_SECRET"] = secrets.token_urlsafe(32)

from app.auth import mint_token
from app.db import Database
from app.migrate import upgrade
from app.seed import seed_demo
from app.settings import Settings
from models import User
from tests.mail import RecordingHandler, SmtpServer

# Fixtures of their own modules, for every test module: `serve` and `live` (a server over a real WebSocket).
pytest_plugins = ["tests.live"]

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
RUN_ID = f"{os.getpid()}_{uuid.uuid4().hex[:8]}"
TEST_DB_NAME = re.compile(r"^po_test_(\d+)_[0-9a-f]{8}_")


def pytest_configure(config: pytest.Config) -> None:
    if BACKEND != "sqlite":
        # SIGTERM (CI timeouts, `kill`) unwinds like Ctrl-C, so session teardown drops the databases.
        signal.signal(signal.SIGTERM, signal.default_int_handler)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database backend: {BACKEND}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    terminalreporter.write_line(f"database backend: {BACKEND}")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DatabaseFactory:
    """Builds the migrated, seeded template once, then gives each test the seeded state:
    a copy of the file on SQLite; on PostgreSQL the template itself, restored after each test
    from a snapshot (see `fresh`)."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.created: list[str] = []
        self.template: str | None = None
        self._admin_engine: Any = None

    def url(self, name: str) -> str:
        if BACKEND == "sqlite":
            return f"sqlite+aiosqlite:///{self.tmp / name}.db"
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    async def _admin(self, sql: str) -> list[Any]:
        from sqlalchemy import text

        if self._admin_engine is None:
            self._admin_engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=2)
        async with self._admin_engine.connect() as conn:
            result = await conn.execute(text(sql))
            return list(result) if result.returns_rows else []

    async def drop_leftovers(self) -> None:
        """Drop the databases of earlier runs on this machine whose pytest process is gone."""
        rows = await self._admin("SELECT datname FROM pg_database WHERE datname LIKE 'po\\_test\\_%'")
        for (name,) in rows:
            match = TEST_DB_NAME.match(name)
            if match and not _process_alive(int(match.group(1))):
                await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def build_template(self) -> None:
        name = f"po_test_{RUN_ID}_template"
        if BACKEND != "sqlite":
            await self._admin(f'CREATE DATABASE "{name}"')
            self.created.append(name)
        db = Database(Settings(database_url=self.url(name)))
        try:
            await upgrade(db.engine)
            async with db.write_session() as session:
                await seed_demo(session)
        finally:
            await db.dispose()
        self.template = name
        if BACKEND != "sqlite":
            await self.take_snapshot()

    def _new_name(self) -> str:
        return f"po_test_{RUN_ID}_{uuid.uuid4().hex[:10]}"

    async def fresh(self) -> str:
        """A database in the seeded state, for one test.

        SQLite: a copy of the template file (milliseconds). PostgreSQL: the template database
        itself, put back into its seeded state after each test by `drop` (CREATE DATABASE per
        test costs about a second; a truncate-and-restore costs a few tens of milliseconds).
        """
        assert self.template is not None
        if BACKEND != "sqlite":
            return self.url(self.template)
        name = self._new_name()
        shutil.copyfile(self.tmp / f"{self.template}.db", self.tmp / f"{name}.db")
        return self.url(name)

    async def empty(self) -> str:
        """A database with nothing in it (not migrated), dropped like the others."""
        name = self._new_name()
        if BACKEND != "sqlite":
            self.created.append(name)
            await self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    async def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        if BACKEND == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.tmp / name) + suffix).unlink(missing_ok=True)
            return
        if name == self.template:
            await self.restore_snapshot()
        else:
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.created.remove(name)

    async def take_snapshot(self) -> None:
        """Copy every table of the seeded template (PostgreSQL) into a `po_snapshot` schema and
        prepare the one script that puts them back after each test."""
        from sqlalchemy import MetaData, text

        engine = create_async_engine(self.url(self.template), poolclass=NullPool)
        try:
            async with engine.begin() as conn:

                def tables(sync_conn):
                    metadata = MetaData()
                    metadata.reflect(sync_conn)
                    return [t for t in metadata.sorted_tables if t.name != "alembic_version"]

                ordered = await conn.run_sync(tables)
                await conn.execute(text("CREATE SCHEMA po_snapshot"))
                script = ["BEGIN", "SET LOCAL session_replication_role = replica"]
                script += [f'DELETE FROM public."{t.name}"' for t in reversed(ordered)]
                for table in ordered:
                    await conn.execute(text(f'CREATE TABLE po_snapshot."{table.name}" AS TABLE public."{table.name}"'))
                    columns = ", ".join(f'"{c.name}"' for c in table.columns if c.computed is None)
                    script.append(
                        f'INSERT INTO public."{table.name}" ({columns}) '
                        f'SELECT {columns} FROM po_snapshot."{table.name}"'
                    )
                    if "id" in table.c:
                        script.append(
                            f'SELECT setval(s, COALESCE((SELECT MAX(id) FROM public."{table.name}"), 1), '
                            f'(SELECT COUNT(*) > 0 FROM public."{table.name}")) '
                            f"FROM pg_get_serial_sequence('public.\"{table.name}\"', 'id') AS s WHERE s IS NOT NULL"
                        )
                script.append("COMMIT")
                self.restore_script = ";\n".join(script) + ";"
        finally:
            await engine.dispose()

    async def restore_snapshot(self) -> None:
        """Put the template back into its seeded state: one round trip, all in the server."""
        engine = create_async_engine(self.url(self.template), poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                raw = await conn.get_raw_connection()
                await raw.driver_connection.execute(self.restore_script)
        finally:
            await engine.dispose()

    async def drop_all(self) -> None:
        for name in list(self.created):
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()
        if self._admin_engine is not None:
            await self._admin_engine.dispose()


@pytest.fixture(scope="session")
async def database_factory(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    try:
        if BACKEND != "sqlite":
            await factory.drop_leftovers()
        await factory.build_template()
        yield factory
    finally:
        if BACKEND != "sqlite":
            await factory.drop_all()


@pytest.fixture
async def database_url(database_factory: DatabaseFactory) -> AsyncIterator[str]:
    url = await database_factory.fresh()
    yield url
    await database_factory.drop(url)


@pytest.fixture
async def empty_database_url(database_factory: DatabaseFactory) -> AsyncIterator[str]:
    url = await database_factory.empty()
    yield url
    await database_factory.drop(url)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """The test SMTP server, started by the first test that asks for it (see tests.mail.smtp_settings)."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server: SmtpServer) -> RecordingHandler:
    """The messages the test SMTP server receives during this test."""
    smtp_server.handler.reset()
    return smtp_server.handler


@pytest.fixture
def no_list() -> None:
    """This test lists no orders: no fast path expected (see tests.fast_path_taken)."""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, PROVIDER_ORDERS_ENV="test")


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    yield database
    await database.dispose()


class StatementCounter:
    """Counts the SQL statements sent to the database while `active`."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.active = False

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.active and not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        self.statements.clear()
        self.active = True
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.active = False

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def sql_counter(db: Database) -> StatementCounter:
    counter = StatementCounter()
    event.listen(db.engine.sync_engine, "before_cursor_execute", counter)
    return counter


@pytest.fixture
async def app(settings: Settings, db: Database) -> AsyncIterator[Any]:
    from app.server import create_app

    application = create_app(settings, db)
    await application.state.bus.start()
    yield application
    await application.state.bus.close()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


class GraphQLClient:
    """Sends GraphQL over HTTP as one of the demo users."""

    def __init__(self, http: httpx.AsyncClient, db: Database, settings: Settings):
        self.http, self.db, self.settings = http, db, settings
        self._tokens: dict[str, str] = {}

    async def token(self, email: str) -> str:
        if email not in self._tokens:
            async with self.db.read_session() as session:
                user = await session.scalar(select(User).where(User.email == email))
            assert user is not None, f"no user {email}"
            self._tokens[email] = mint_token(self.settings, user)
        return self._tokens[email]

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = "partner@demo.example"
    ) -> dict[str, Any]:
        response = await self.raw(query, variables, as_=as_)
        assert response.status_code == 200, response.text
        return response.json()

    async def raw(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if as_ is not None:
            headers["Authorization"] = f"Bearer {await self.token(as_)}"
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers, **kwargs
        )

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: str = "partner@demo.example"
    ) -> dict[str, Any]:
        """The `data` of a query that must succeed without errors."""
        body = await self(query, variables, as_=as_)
        assert not body.get("errors"), body["errors"]
        return body["data"]


@pytest.fixture
def gql(client: httpx.AsyncClient, db: Database, settings: Settings) -> GraphQLClient:
    return GraphQLClient(client, db, settings)


requires_postgresql = pytest.mark.skipif(
    BACKEND == "sqlite", reason="a database server that goes away: PostgreSQL only (runs in `make test`)"
)

PARTNER = "partner@demo.example"
PARTNER2 = "partner2@demo.example"
SUPPLIER = "supplier@demo.example"
PROVIDER = "provider@demo.example"
PROVIDER2 = "provider2@demo.example"
OUTSIDER = "outsider@other.example"
