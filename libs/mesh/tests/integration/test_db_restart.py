"""One service pool across a real PostgreSQL restart: the readiness checks every service
registers (``database``, ``schema``) pass again within seconds of the server being back, while
probes and a long query were in flight when it went, and the pool serves all its connections.

(The fault suite's ``PostgreSQL restart`` case checks the same through the whole mesh; this
one runs in seconds against one pool, with the probes of a kubelet and of the suite.)
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tncam_mesh.db import check_database, create_engine, schema_revision, service_url
from tncam_mesh.health import Health
from tncam_mesh.periodic import is_transient
from tncam_testkit.postgres import PostgresServer

pytestmark = pytest.mark.integration

#: Every check passes again within this after the server is back (the suite allows 30 s to
#: the whole mesh; one pool needs a second or two).
READY_WITHIN_S = 5.0


async def test_a_pool_is_ready_again_within_seconds_of_a_postgresql_restart(
    tmp_path: Path,
) -> None:
    pg = PostgresServer(tmp_path / "pg")
    await asyncio.to_thread(pg.start)
    pg._requested_port = pg.port  # back on the same port, as a Service address would be
    try:
        # A service role: the admin's password changes at each start of the test server.
        password = secrets.token_hex(16)  # drawn per run, as every test credential
        admin = await asyncpg.connect(pg.dsn())
        await admin.execute(f"CREATE ROLE svc LOGIN PASSWORD '{password}'")
        await admin.close()
        base = f"postgresql://127.0.0.1:{pg.port}/{pg.database}"
        url = service_url(base, user="svc", password=password)
        engine = create_engine(url, schema="public", application_name="tncam-test")
        health = Health(started=True)
        health.add_check("database", lambda: check_database(engine))

        async def schema_check() -> None:
            await schema_revision(engine, "public")

        health.add_check("schema", schema_check)
        try:
            await _restart_under_probes(pg, engine, health)
        finally:
            await engine.dispose()
    finally:
        await asyncio.to_thread(pg.stop)


async def _restart_under_probes(pg: PostgresServer, engine: AsyncEngine, health: Health) -> None:
    async def query() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await asyncio.gather(*(query() for _ in range(5)))  # five pooled connections to lose
    assert (await health.ready())[0]
    stop = asyncio.Event()

    async def probe() -> None:  # the kubelet's and the suite's probes, all along
        while not stop.is_set():
            await health.ready()
            await asyncio.sleep(0.05)

    async def long_query() -> None:  # a request in flight when the server goes
        with contextlib.suppress(Exception):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_sleep(30)"))

    probes = [asyncio.create_task(probe()) for _ in range(3)]
    in_flight = asyncio.create_task(long_query())
    await asyncio.sleep(0.2)
    await asyncio.to_thread(pg.stop)
    await asyncio.sleep(0.2)  # probes fail meanwhile
    assert not (await health.ready())[0]
    await asyncio.to_thread(pg.start)
    back = time.monotonic()
    while not (ready := await health.ready())[0]:
        failing = {r.name: r.detail for r in ready[1] if not r.ok}
        assert time.monotonic() - back < READY_WITHIN_S, failing
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*probes)
    await asyncio.wait_for(in_flight, 5)
    # Every slot of the pool works again (none left checked out or broken by the restart).
    await asyncio.gather(*(query() for _ in range(10)))
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]  # QueuePool's


async def test_a_session_ended_by_the_server_fails_only_with_transient_errors(
    postgres_server: PostgresServer,
) -> None:
    # PostgreSQL ending a session (a restart terminates every backend) while the client sends
    # its next query: what asyncpg raises depends on how far it got with the server's FATAL
    # message (ConnectionDoesNotExistError, InterfaceError, or InternalClientError "cannot
    # switch to state 15; another operation (2) is in progress" about one time in two). Every
    # one must read as transient, or the loop that met it stops its service: the audit
    # sequencer did so in the fault suite's PostgreSQL restart.
    admin = await asyncpg.connect(postgres_server.dsn())
    seen: dict[str, bool] = {}
    try:
        for yields in range(12):
            conn = await asyncpg.connect(postgres_server.dsn())
            try:
                await admin.execute("SELECT pg_terminate_backend($1)", conn.get_server_pid())
                for _ in range(yields % 6):
                    await asyncio.sleep(0)
                with pytest.raises(Exception) as raised:  # noqa: PT011 - any, classified below
                    async with conn.transaction():  # the sequencer's batch: BEGIN first
                        await conn.execute("SELECT 1")
                seen[type(raised.value).__name__] = is_transient(raised.value)
            finally:
                conn.terminate()
    finally:
        await admin.close()
    assert all(seen.values()), seen
