"""PostgresServer against the real PostgreSQL binaries: start, answer, auth, restart, stop."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tncam_testkit.postgres import PostgresServer, find_bindir
from tncam_testkit.procs import port_open

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    with PostgresServer(tmp_path_factory.mktemp("pg")) as server:
        yield server


def test_find_bindir_has_the_server_tools() -> None:
    bindir = find_bindir()
    assert (bindir / "initdb").is_file()
    assert (bindir / "postgres").is_file()


async def test_server_answers_as_admin_on_loopback(pg: PostgresServer) -> None:
    conn = await asyncpg.connect(pg.dsn())
    try:
        row = await conn.fetchrow(
            "SELECT current_database() AS db, current_user AS usr,"
            " current_setting('listen_addresses') AS listen, current_setting('fsync') AS fsync,"
            " current_setting('password_encryption') AS enc"
        )
    finally:
        await conn.close()
    assert row is not None
    assert (row["db"], row["usr"]) == ("tncam", pg.admin_user)
    assert row["listen"] == "127.0.0.1"
    assert row["fsync"] == "off"  # fast=True is the default for tests
    assert row["enc"] == "scram-sha-256"
    assert pg.startup_seconds is not None
    assert pg.startup_seconds < 10


async def test_wrong_password_is_refused(pg: PostgresServer) -> None:
    with pytest.raises(asyncpg.exceptions.InvalidPasswordError):
        await asyncpg.connect(pg.dsn(password=pg.admin_password + "x"))


def test_urls_carry_admin_credentials_and_driver(pg: PostgresServer) -> None:
    assert pg.dsn().startswith(f"postgresql://{pg.admin_user}:")
    assert pg.dsn().endswith(f"@127.0.0.1:{pg.port}/tncam")
    assert pg.sqlalchemy_url("other").startswith("postgresql+asyncpg://")
    assert pg.sqlalchemy_url("other").endswith("/other")
    assert pg.dsn(user="u", password="p w") == f"postgresql://u:p%20w@127.0.0.1:{pg.port}/tncam"


def test_data_dir_belongs_to_the_server_user(pg: PostgresServer) -> None:
    st = pg.data_dir.stat()
    assert st.st_mode & 0o777 == 0o700
    if os.geteuid() == 0:
        import pwd

        assert st.st_uid == pwd.getpwnam("postgres").pw_uid
    else:
        assert st.st_uid == os.geteuid()


async def test_restart_reuses_data_and_rotates_admin_password(tmp_path: Path) -> None:
    server = PostgresServer(tmp_path / "pg", fast=False)
    server.start()
    try:
        first_password = server.admin_password
        conn = await asyncpg.connect(server.dsn())
        try:
            assert await conn.fetchval("SHOW fsync") == "on"  # fast=False keeps durability
            await conn.execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")
        finally:
            await conn.close()
    finally:
        server.stop()
    assert not server.running
    assert not port_open(server.port)

    with server:
        assert server.admin_password != first_password
        with pytest.raises(asyncpg.exceptions.InvalidPasswordError):
            await asyncpg.connect(server.dsn(password=first_password))
        conn = await asyncpg.connect(server.dsn())
        try:
            assert await conn.fetchval("SELECT n FROM kept") == 42
        finally:
            await conn.close()
    assert not server.running


def test_properties_before_start_raise(tmp_path: Path) -> None:
    server = PostgresServer(tmp_path / "pg")
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.admin_password
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.port
