"""Schema provisioning, migrations and the session helpers against a real PostgreSQL."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tncam_mesh.db import (
    check_database,
    create_engine,
    provision_service_schema,
    schema_revision,
    service_url,
    session_factory,
    unit_of_work,
)
from tncam_mesh.errors import ConfigurationError, InvalidInputError, UnavailableError
from tncam_mesh.migrations import alembic_config, upgrade
from tncam_testkit.postgres import PostgresServer
from tncam_testkit.procs import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[4]
SERVICES = ("registry", "recorder", "audit")
OTHERS = [(svc, other) for svc in SERVICES for other in SERVICES if other != svc]


def migrations_of(service: str) -> Path:
    return ROOT / "services" / service / "migrations"


def role_of(service: str) -> str:
    return f"tncam_{service}"


def head_of(service: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(migrations_of(service))).get_current_head()
    assert head is not None
    return head


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    with PostgresServer(tmp_path_factory.mktemp("pg")) as server:
        yield server


@pytest.fixture(scope="module")
def passwords() -> dict[str, str]:
    return {svc: secrets.token_urlsafe(24) for svc in SERVICES}


@pytest.fixture(scope="module")
async def migrated(pg: PostgresServer, passwords: dict[str, str]) -> dict[str, str]:
    """Every service upgraded to head; returns the service roles' passwords."""
    for svc in SERVICES:
        await upgrade(
            pg.dsn(),
            script_location=migrations_of(svc),
            schema=svc,
            role=role_of(svc),
            role_password=passwords[svc],
        )
    return passwords


async def connect_as(pg: PostgresServer, service: str, password: str) -> asyncpg.Connection:
    return await asyncpg.connect(pg.dsn(user=role_of(service), password=password))


@pytest.fixture
async def registry_engine(
    pg: PostgresServer, migrated: dict[str, str]
) -> AsyncIterator[AsyncEngine]:
    url = service_url(pg.dsn(), user=role_of("registry"), password=migrated["registry"])
    engine = create_engine(url, schema="registry", application_name="tncam-registry-test")
    yield engine
    await engine.dispose()


async def test_upgrade_is_idempotent(pg: PostgresServer, migrated: dict[str, str]) -> None:
    for svc in SERVICES:
        await upgrade(
            pg.dsn(),
            script_location=migrations_of(svc),
            schema=svc,
            role=role_of(svc),
            role_password=migrated[svc],
        )
    conn = await asyncpg.connect(pg.dsn())
    try:
        for svc in SERVICES:
            rows = await conn.fetch(f"SELECT key, value FROM {svc}.service_info")  # noqa: S608
            assert [tuple(r) for r in rows] == [("schema_baseline", "1")]
    finally:
        await conn.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_schema_revision_is_head(
    pg: PostgresServer, migrated: dict[str, str], service: str
) -> None:
    url = service_url(pg.dsn(), user=role_of(service), password=migrated[service])
    engine = create_engine(url, schema=service, application_name="test")
    try:
        head = head_of(service)
        assert head is not None
        assert await schema_revision(engine, service) == head
        assert await schema_revision(engine, "never_migrated") is None
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_tables_and_schema_are_owned_by_the_no_login_owner(
    pg: PostgresServer, migrated: dict[str, str], service: str
) -> None:
    owner = f"{role_of(service)}_owner"
    conn = await asyncpg.connect(pg.dsn())
    try:
        tables = await conn.fetch(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = $1 ORDER BY 1", service
        )
        names = {t["tablename"] for t in tables}
        assert {"alembic_version", "service_info"} <= names
        assert {t["tableowner"] for t in tables} == {owner}  # every table, however many
        schema_owner = await conn.fetchval(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1", service
        )
        assert schema_owner == owner
        can_login = await conn.fetchval(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", owner
        )
        assert can_login is False
    finally:
        await conn.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_service_role_reads_and_writes_its_own_schema(
    pg: PostgresServer, migrated: dict[str, str], service: str
) -> None:
    conn = await connect_as(pg, service, migrated[service])
    try:
        assert await conn.fetchval("SHOW search_path") == service
        baseline = "SELECT value FROM service_info WHERE key = 'schema_baseline'"
        assert await conn.fetchval(baseline) == "1"
        await conn.execute("INSERT INTO service_info (key, value) VALUES ('probe', 'a')")
        await conn.execute("UPDATE service_info SET value = 'b' WHERE key = 'probe'")
        assert await conn.fetchval("SELECT value FROM service_info WHERE key = 'probe'") == "b"
        await conn.execute("DELETE FROM service_info WHERE key = 'probe'")
    finally:
        await conn.close()


@pytest.mark.parametrize(("service", "other"), OTHERS)
async def test_service_role_cannot_touch_another_schema(
    pg: PostgresServer, migrated: dict[str, str], service: str, other: str
) -> None:
    conn = await connect_as(pg, service, migrated[service])
    try:
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await conn.fetch(f"SELECT * FROM {other}.service_info")  # noqa: S608
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await conn.execute(f"CREATE TABLE {other}.intruder (n int)")
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await conn.execute(f"INSERT INTO {other}.service_info VALUES ('x', 'y')")  # noqa: S608
    finally:
        await conn.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_service_role_cannot_use_public_or_change_its_schema(
    pg: PostgresServer, migrated: dict[str, str], service: str
) -> None:
    admin = await asyncpg.connect(pg.dsn())
    try:
        await admin.execute("CREATE TABLE IF NOT EXISTS public.admin_only (n int)")
    finally:
        await admin.close()
    conn = await connect_as(pg, service, migrated[service])
    try:
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await conn.fetch("SELECT * FROM public.admin_only")
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE public.intruder (n int)")
        # DDL is the migrations' job (run as the owner), never the running service's.
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await conn.execute(f"CREATE TABLE {service}.intruder (n int)")
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await conn.execute("DROP TABLE service_info")
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await conn.execute("UPDATE alembic_version SET version_num = 'forged'")
    finally:
        await conn.close()


async def test_reprovisioning_rotates_the_service_password(
    pg: PostgresServer, migrated: dict[str, str]
) -> None:
    new_password = secrets.token_urlsafe(24)
    await provision_service_schema(
        pg.dsn(), schema="recorder", role=role_of("recorder"), role_password=new_password
    )
    try:
        with pytest.raises(asyncpg.exceptions.InvalidPasswordError):
            await connect_as(pg, "recorder", migrated["recorder"])
        conn = await connect_as(pg, "recorder", new_password)
        await conn.close()
    finally:
        await provision_service_schema(
            pg.dsn(),
            schema="recorder",
            role=role_of("recorder"),
            role_password=migrated["recorder"],
        )


@pytest.mark.parametrize(
    ("schema", "role"),
    [
        ("Registry", "tncam_registry"),
        ("registry", 'x"; DROP ROLE postgres; --'),
        ("public", "r"),
        ("registry", "postgres"),  # the admin itself: provisioning would demote it
    ],
)
async def test_provisioning_rejects_unsafe_names(
    pg: PostgresServer, schema: str, role: str
) -> None:
    with pytest.raises(InvalidInputError):
        await provision_service_schema(pg.dsn(), schema=schema, role=role, role_password="pw")


async def test_upgrade_refuses_another_services_scripts(
    pg: PostgresServer, migrated: dict[str, str]
) -> None:
    with pytest.raises(ConfigurationError) as info:
        await upgrade(
            pg.dsn(),
            script_location=migrations_of("registry"),
            schema="recorder",
            role=role_of("recorder"),
            role_password=migrated["recorder"],
        )
    assert info.value.code == "db.migrate.schema"


async def test_engine_sets_search_path_and_application_name(registry_engine: AsyncEngine) -> None:
    async with registry_engine.connect() as conn:
        assert await conn.scalar(text("SHOW search_path")) == "registry"
        assert await conn.scalar(text("SHOW application_name")) == "tncam-registry-test"


async def test_unit_of_work_commits_on_success(registry_engine: AsyncEngine) -> None:
    factory = session_factory(registry_engine)
    async with unit_of_work(factory) as session:
        await session.execute(text("INSERT INTO service_info (key, value) VALUES ('uow_ok', '1')"))
    async with registry_engine.connect() as conn:
        found = await conn.scalar(text("SELECT value FROM service_info WHERE key = 'uow_ok'"))
        await conn.execute(text("DELETE FROM service_info WHERE key = 'uow_ok'"))
        await conn.commit()
    assert found == "1"


async def test_unit_of_work_rolls_back_on_error(registry_engine: AsyncEngine) -> None:
    factory = session_factory(registry_engine)

    async def insert_then_fail() -> None:
        async with unit_of_work(factory) as session:
            await session.execute(
                text("INSERT INTO service_info (key, value) VALUES ('uow_rollback', '1')")
            )
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await insert_then_fail()
    async with registry_engine.connect() as conn:
        found = await conn.scalar(text("SELECT 1 FROM service_info WHERE key = 'uow_rollback'"))
    assert found is None


async def test_check_database_passes_when_up(registry_engine: AsyncEngine) -> None:
    await check_database(registry_engine)


async def test_check_database_raises_unavailable_for_wrong_port(pg: PostgresServer) -> None:
    url = service_url(
        f"postgresql://127.0.0.1:{free_port()}/tncam", user="nobody", password="nothing"
    )
    engine = create_engine(url, schema="registry", application_name="test")
    try:
        with pytest.raises(UnavailableError) as info:
            await check_database(engine)
    finally:
        await engine.dispose()
    assert info.value.code == "db.check.unavailable"
    assert info.value.retryable is True


def test_service_url_forces_asyncpg_and_replaces_credentials() -> None:
    url = service_url("postgresql://admin:secret@db.local:5433/tncam", user="svc", password="p@ss")
    assert url.drivername == "postgresql+asyncpg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "svc",
        "p@ss",
        "db.local",
        5433,
        "tncam",
    )


def test_alembic_config_holds_no_credentials_in_options(tmp_path: Path) -> None:
    config: Config = alembic_config(
        migrations_of("registry"), admin_url="postgresql://a:hunter2@h/db", role="tncam_registry"
    )
    assert config.get_main_option("sqlalchemy.url") is None
    assert "hunter2" not in repr(config.file_config.items("alembic"))


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    return subprocess.run(
        [sys.executable, "-m", "tncam_mesh.migrate_cli", *args],
        env=base | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_migrates_every_service_with_one_line_each(
    pg: PostgresServer, migrated: dict[str, str]
) -> None:
    env = {
        "TNCAM_DATABASE_URL": f"postgresql://127.0.0.1:{pg.port}/tncam",
        "TNCAM_DB_ADMIN_USER": pg.admin_user,
        "TNCAM_DB_ADMIN_PASSWORD": pg.admin_password,
    } | {f"TNCAM_{svc.upper()}_DB_PASSWORD": migrated[svc] for svc in SERVICES}
    args = [a for svc in SERVICES for a in ("--service", svc)]
    result = run_cli(
        env,
        *args,
        "--script-location",
        str(migrations_of("registry")),
        "--script-location",
        "services/recorder/migrations",
        "--script-location",
        "services/audit/migrations",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(SERVICES)
    for svc, line in zip(SERVICES, lines, strict=True):
        assert line.startswith(f"migrate: {svc}: ")
        assert f"at {head_of(svc)}" in line
    for secret in (pg.admin_password, *migrated.values()):
        assert secret not in result.stdout + result.stderr


def test_cli_names_the_missing_variable(pg: PostgresServer) -> None:
    result = run_cli({"TNCAM_DATABASE_URL": pg.dsn()}, "--service", "registry")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "TNCAM_REGISTRY_DB_PASSWORD" in result.stderr

    result = run_cli({}, "--service", "registry")
    assert result.returncode == 2
    assert "TNCAM_DATABASE_URL" in result.stderr
