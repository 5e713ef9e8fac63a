"""The audit sequencer as real processes: of two replicas only one writes, the other taking over
when the first is killed; SIGTERM stops a writing replica cleanly. (SIGKILL of the only replica
mid-batch is a case of the fault suite: tests/faults, `SIGKILL audit`.)"""

from __future__ import annotations

import asyncio
import os
import re

import asyncpg
import pytest

from tncam.audit.v1 import audit_event_pb2 as pb
from tncam.common.v1 import actor_pb2
from tncam_contracts.catalog import AUDIT_STREAM
from tncam_mesh.audit import AuditClient, new_event
from tncam_mesh.bus import Bus
from tncam_mesh.jetstream import ensure_stream
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.postgres import PostgresServer
from tncam_testkit.services import ServiceProcess, http_get

pytestmark = pytest.mark.e2e

# Generated for this test run only; never a real key.
SIGNING_KEY_ORIGIN = "tncam.e2e/audit"


@pytest.fixture
def audit_env(
    nats_server: NatsServer,
    postgres_server: PostgresServer,
    migrated_database: MigratedDatabase,
    audit_database: str,
    namespace: str,
) -> dict[str, str]:
    from tncam_audit.domain.note import Signer

    env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    env.update(
        {
            "TNCAM_ENVIRONMENT": "test",
            "TNCAM_NATS_URL": nats_server.url,
            "TNCAM_NATS_NAMESPACE": namespace,
            "TNCAM_DATABASE_URL": f"postgresql://127.0.0.1:{postgres_server.port}/{audit_database}",
            "TNCAM_AUDIT_DB_PASSWORD": migrated_database.passwords["audit"],
            "TNCAM_AUDIT_LOG_ORIGIN": SIGNING_KEY_ORIGIN,
            "TNCAM_AUDIT_SIGNING_KEY": Signer.generate(SIGNING_KEY_ORIGIN).encode(),
            "TNCAM_AUDIT_BATCH_MAX": "100",
            "TNCAM_AUDIT_CONSUMER_ACK_WAIT_S": "2",
            "TNCAM_AUDIT_LEADER_RETRY_S": "0.2",
            "TNCAM_AUDIT_FETCH_TIMEOUT_S": "0.2",
            "TNCAM_AUDIT_CHECKPOINT_EVERY_EVENTS": "500",
        }
    )
    return env


def event(i: int) -> pb.AuditEvent:
    return new_event(
        action="footage.live.viewed",
        actor=actor_pb2.Actor(id=f"u{i % 9}", unit_id="xa-a", role=actor_pb2.ROLE_UNIT_VIEWER),
        source_service="gateway",
        cameras=[f"CAM-{i % 5}"],
        data_categories=[pb.DATA_CATEGORY_IMAGE],
        purpose_code=pb.PURPOSE_CODE_PUBLIC_ORDER,
    )


async def publish_many(bus: Bus, namespace: str, n: int) -> set[str]:
    await ensure_stream(bus.js, AUDIT_STREAM.scoped(namespace))
    client = AuditClient(bus.js, service="gateway", namespace=namespace)
    ids: set[str] = set()
    for start in range(0, n, 250):
        batch = [event(i) for i in range(start, min(n, start + 250))]
        await asyncio.gather(*(client.record(e) for e in batch))
        ids |= {e.event_id for e in batch}
    return ids


async def log_state(env: dict[str, str], pg: PostgresServer, db: str) -> tuple[int, int, int]:
    conn = await asyncpg.connect(pg.dsn(db))
    try:
        row = await conn.fetchrow(
            "SELECT count(*), coalesce(max(seq), 0), count(DISTINCT event_id) "
            "FROM audit.log_entries"
        )
        return int(row[0]), int(row[1]), int(row[2])
    finally:
        await conn.close()


async def wait_for(check, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)


async def _active(proc: ServiceProcess) -> float:
    _, body = await asyncio.to_thread(http_get, f"{proc.url}/metrics")
    m = re.search(r"^tncam_audit_sequencer_active (\S+)$", body.decode(), re.M)
    return float(m.group(1)) if m else -1.0


async def test_two_replicas_one_writer_and_takeover_after_sigkill(
    audit_env: dict[str, str],
    bus: Bus,
    namespace: str,
    postgres_server: PostgresServer,
    audit_database: str,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    a = ServiceProcess("audit", env=audit_env, log_dir=tmp_path / "a")
    b = ServiceProcess("audit", env=audit_env, log_dir=tmp_path / "b")
    await asyncio.to_thread(a.start)
    await asyncio.to_thread(b.start)
    try:

        async def one_active() -> bool:
            return sorted([await _active(a), await _active(b)]) == [0.0, 1.0]

        await wait_for(one_active, timeout=30)
        ids = await publish_many(bus, namespace, 1000)
        for _ in range(10):  # never both
            assert sorted([await _active(a), await _active(b)]) == [0.0, 1.0]
            await asyncio.sleep(0.05)
        leader, standby = (a, b) if await _active(a) == 1.0 else (b, a)

        async def half() -> bool:
            return (await log_state(audit_env, postgres_server, audit_database))[0] >= 300

        await wait_for(half)
        assert leader.proc is not None
        leader.proc.kill()
        leader.proc.wait(timeout=10)

        async def took_over() -> bool:
            return await _active(standby) == 1.0

        await wait_for(took_over, timeout=30)
        ids |= await publish_many(bus, namespace, 500)

        async def all_in() -> bool:
            return (await log_state(audit_env, postgres_server, audit_database))[0] >= 1500

        await wait_for(all_in, timeout=60)
        await asyncio.sleep(3)
        assert await log_state(audit_env, postgres_server, audit_database) == (1500, 1500, 1500)
    finally:
        a.stop()
        b.stop()


async def test_sigterm_stops_a_writing_replica_within_10_s_with_exit_0(
    audit_env: dict[str, str],
    bus: Bus,
    namespace: str,
    postgres_server: PostgresServer,
    audit_database: str,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    import signal
    import time

    proc = ServiceProcess("audit", env=audit_env, log_dir=tmp_path)
    await asyncio.to_thread(proc.start)
    try:
        await publish_many(bus, namespace, 1000)

        async def some() -> bool:
            return (await log_state(audit_env, postgres_server, audit_database))[0] >= 100

        await wait_for(some)
        assert proc.proc is not None
        started = time.monotonic()
        proc.proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(proc.proc.wait, 15)
        assert code == 0, proc.log_tail()
        assert time.monotonic() - started < 10.0
        log = proc.log_path.read_text()
        assert '"msg": "stopped"' in log
        assert audit_env["TNCAM_AUDIT_SIGNING_KEY"] not in log
        assert audit_env["TNCAM_AUDIT_DB_PASSWORD"] not in log
        rows, max_seq, distinct = await log_state(audit_env, postgres_server, audit_database)
        assert rows == max_seq == distinct
    finally:
        proc.stop()
