"""The registry running in-process against the session's real NATS and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TypeVar

import httpx
import pytest
import sqlalchemy as sa
from google.protobuf.message import Message
from pydantic import SecretStr

from tncam.camera.v1 import status_pb2
from tncam.common.v1 import actor_pb2
from tncam_contracts import catalog
from tncam_mesh.bus import Bus, connect
from tncam_mesh.db import create_engine
from tncam_mesh.jetstream import publish
from tncam_mesh.rpc import call
from tncam_mesh.runtime import serve
from tncam_registry.app import lifespan
from tncam_registry.settings import RegistrySettings
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.procs import free_port

R = TypeVar("R", bound=Message)
CREDENTIALS_KEY = "integration-test-key"
ADMIN = actor_pb2.Actor(
    id="u-admin", display_name="Trần Thị Quản Trị", role=actor_pb2.ROLE_PROVINCE_ADMIN
)
_TABLES = (
    "notices",
    "notification_targets",
    "camera_change_requests",
    "registry_updates",
    "outbox",
    "fault_ticket_notes",
    "fault_tickets",
    "maintenance_records",
    "state_transitions",
    "connection_edges",
    "camera_connection",
    "cameras",
    "sites",
    "connection_needs",
    "report_notes",
)


@dataclass
class Harness:
    """A running registry and a client connection."""

    settings: RegistrySettings
    bus: Bus
    namespace: str
    url: str

    async def call(self, spec: catalog.RequestSpec, req: Message, reply: type[R]) -> R:
        return await call(self.bus, spec, req, reply, namespace=self.namespace, timeout=30.0)

    async def status(
        self,
        camera_id: str,
        up: bool,
        at: dt.datetime,
        reason: int = status_pb2.DISCONNECT_REASON_TIMEOUT,
    ) -> None:
        msg = status_pb2.CameraStatusChanged(
            camera_id=camera_id,
            state=status_pb2.CONNECTION_STATE_CONNECTED
            if up
            else status_pb2.CONNECTION_STATE_DISCONNECTED,
            reason=status_pb2.DISCONNECT_REASON_NONE if up else reason,
            worker_id="test-worker",
            detail="" if up else "connection timed out",
        )
        msg.observed_at.FromDatetime(at)
        await publish(
            self.bus.js,
            catalog.CAMERA_STATUS_CHANGED.subject(camera_id, self.namespace),
            msg,
            msg_id=f"{camera_id}:{at.isoformat()}:{up}",
        )

    async def stream_messages(self, stream: catalog.StreamSpec) -> list[tuple[str, bytes]]:
        name = stream.scoped(self.namespace).name
        info = await self.bus.js.stream_info(name)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await self.bus.js.get_msg(name, seq)
            out.append((msg.subject, msg.data or b""))
        return out


async def clean_registry(db: MigratedDatabase) -> None:
    """Remove every camera-related row (reference data stays): tests start from no cameras."""
    engine = create_engine(
        db.url("registry"), schema="registry", pool_size=1, application_name="tncam-test"
    )
    try:
        async with engine.begin() as conn:
            for table in _TABLES:
                await conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608
    finally:
        await engine.dispose()


def registry_settings(
    nats_server: NatsServer, db: MigratedDatabase, namespace: str, **overrides: object
) -> RegistrySettings:
    values: dict[str, object] = {
        "environment": "test",
        "nats_url": nats_server.url,
        "nats_namespace": namespace,
        "database_url": db.base_url,
        "db_password": SecretStr(db.passwords["registry"]),
        "credentials_key": SecretStr(CREDENTIALS_KEY),
        "http_host": "127.0.0.1",
        "http_port": free_port(),
        "sweep_interval_s": 0.2,
        "gauge_interval_s": 0.5,
        "fault_after_s": 1.0,
        "handover_grace_s": 1.0,
        "shutdown_grace_s": 5.0,
        "log_format": "text",
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return RegistrySettings(**values)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def running(settings: RegistrySettings) -> AsyncIterator[str]:
    """Serve the registry until the block ends; yields its ops URL once ready."""
    stop = asyncio.Event()
    task = asyncio.create_task(serve(settings, lifespan, stop=stop))
    url = f"http://127.0.0.1:{settings.http_port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                if task.done():
                    task.result()
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{url}/readyz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise TimeoutError("registry did not become ready")
        yield url
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


@pytest.fixture
async def registry(
    nats_server: NatsServer,
    migrated_database: MigratedDatabase,
    namespace: str,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[Harness]:
    caplog.set_level(logging.DEBUG)
    await clean_registry(migrated_database)
    settings = registry_settings(nats_server, migrated_database, namespace)
    bus = await connect(nats_server.url, name="registry-test", timeout=5.0)
    try:
        async with running(settings) as url:
            yield Harness(settings, bus, namespace, url)
    finally:
        await bus.close(timeout=5.0)


async def eventually(check: object, timeout: float = 10.0, interval: float = 0.1) -> None:
    """Retry an async assertion until it passes or ``timeout`` runs out."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await check()  # type: ignore[operator]
            return
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(interval)
