"""Audit integration fixtures: a fresh migrated database per test (the log is global to a
database, so tests must not share one), a bus, settings pointing at both."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import asyncpg
import pytest

from tncam_audit.domain.note import Signer
from tncam_audit.settings import AuditSettings
from tncam_mesh.bus import Bus, connect
from tncam_mesh.migrations import upgrade
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.postgres import PostgresServer
from tncam_testkit.services import migrations_dir

TEMPLATE = "audit_template"
ORIGIN = "tncam.test/audit"


@dataclass(frozen=True)
class AuditDb:
    """One throwaway database with the audit schema at head."""

    name: str
    server: PostgresServer
    password: str

    @property
    def base_url(self) -> str:
        return f"postgresql://127.0.0.1:{self.server.port}/{self.name}"

    def admin_dsn(self) -> str:
        """A superuser DSN on this database."""
        return self.server.dsn(self.name)

    async def admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.admin_dsn(), server_settings={"search_path": "audit"})

    async def service(self) -> asyncpg.Connection:
        """A connection as the service role tncam_audit."""
        return await asyncpg.connect(
            self.server.dsn(self.name, user="tncam_audit", password=self.password),
            server_settings={"search_path": "audit"},
        )


async def _admin_exec(server: PostgresServer, sql: str) -> None:
    conn = await asyncpg.connect(server.dsn())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def audit_template(postgres_server: PostgresServer, migrated_database: MigratedDatabase) -> str:
    """A database migrated once, copied for each test (CREATE DATABASE ... TEMPLATE)."""

    async def make() -> None:
        await _admin_exec(postgres_server, f"DROP DATABASE IF EXISTS {TEMPLATE}")
        await _admin_exec(postgres_server, f"CREATE DATABASE {TEMPLATE}")
        # The same role password as the session's migrated database: roles are cluster-wide.
        await upgrade(
            postgres_server.dsn(TEMPLATE),
            script_location=migrations_dir("audit"),
            schema="audit",
            role="tncam_audit",
            role_password=migrated_database.passwords["audit"],
        )

    asyncio.run(make())
    return TEMPLATE


@pytest.fixture
def audit_db(
    postgres_server: PostgresServer, migrated_database: MigratedDatabase, audit_template: str
) -> Iterator[AuditDb]:
    name = f"audit_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin_exec(postgres_server, f"CREATE DATABASE {name} TEMPLATE {audit_template}"))
    asyncio.run(_admin_exec(postgres_server, f"GRANT CONNECT ON DATABASE {name} TO tncam_audit"))
    try:
        yield AuditDb(name, postgres_server, migrated_database.passwords["audit"])
    finally:
        asyncio.run(_admin_exec(postgres_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def signer() -> Signer:
    return Signer.generate(ORIGIN)


@pytest.fixture
def make_settings(
    audit_db: AuditDb, nats_server: NatsServer, namespace: str, signer: Signer
) -> object:
    def make(**overrides: object) -> AuditSettings:
        values: dict[str, object] = {
            "environment": "test",
            "database_url": audit_db.base_url,
            "db_password": audit_db.password,
            "nats_url": nats_server.url,
            "nats_namespace": namespace,
            "signing_key": signer.encode(),
            "log_origin": ORIGIN,
            "fetch_timeout_s": 0.2,
            "leader_retry_s": 0.2,
            "consumer_ack_wait_s": 2.0,
            "anchor_interval_s": 0.2,
        }
        values.update(overrides)
        return AuditSettings(**values)  # type: ignore[arg-type]

    return make


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    b = await connect(nats_server.url, name="tncam-audit-test", timeout=5.0)
    try:
        yield b
    finally:
        await b.close(timeout=5.0)


@pytest.fixture
def running() -> object:
    """``async with running(settings) as url``: the whole service in this process."""
    import contextlib

    from tncam_audit.app import lifespan
    from tncam_mesh.runtime import serve
    from tncam_testkit.services import http_get

    @contextlib.asynccontextmanager
    async def run(settings: AuditSettings) -> AsyncIterator[str]:
        stop = asyncio.Event()
        task = asyncio.create_task(serve(settings, lifespan, stop=stop))
        url = f"http://127.0.0.1:{settings.http_port}"
        try:
            async with asyncio.timeout(30):
                while True:
                    if task.done():
                        task.result()
                    try:
                        if (await asyncio.to_thread(http_get, f"{url}/readyz"))[0] == 200:
                            break
                    except OSError:  # not listening yet
                        pass
                    await asyncio.sleep(0.1)
        except BaseException:
            stop.set()
            await task
            raise
        try:
            yield url
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)

    return run
