"""pytest plugin: real NATS, PostgreSQL, S3 stores and RTSP cameras for the whole session.

Loaded by ``-p tncam_testkit.plugin`` (see pyproject). Servers are started once per session
on free ports in temporary folders and stopped at the end; tests isolate themselves with a
unique ``namespace`` (NATS subjects and streams) and their own rows or buckets.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_testkit.cameras import CameraSimulator
from tncam_testkit.database import MigratedDatabase, migrate_all, rolled_back_session
from tncam_testkit.keys import service_keys
from tncam_testkit.nats import NatsServer
from tncam_testkit.postgres import PostgresServer
from tncam_testkit.s3 import S3Endpoint, make_server

S3_BACKENDS = ("minio", "seaweedfs")


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A nats-server with JetStream (file store, ``sync_interval: always``)."""
    with NatsServer(tmp_path_factory.mktemp("nats")) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A PostgreSQL cluster with database ``tncam``, admin credentials generated per session."""
    with PostgresServer(tmp_path_factory.mktemp("pg")) as server:
        yield server


@pytest.fixture(scope="session")
def migrated_database(postgres_server: PostgresServer) -> MigratedDatabase:
    """Every service schema provisioned and migrated to head by the real migrations."""
    base = f"postgresql://127.0.0.1:{postgres_server.port}/{postgres_server.database}"
    return asyncio.run(migrate_all(postgres_server.dsn(), base))


@pytest.fixture(scope="session", params=S3_BACKENDS)
def s3_endpoint(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[S3Endpoint]:
    """Each real S3 backend in turn (MinIO built from source, SeaweedFS)."""
    backend = str(request.param)
    with make_server(backend, tmp_path_factory.mktemp(backend)) as server:
        yield server.endpoint


@pytest.fixture(scope="session")
def camera_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CameraSimulator]:
    """Four simulated cameras over RTSP: cam1-cam3 H.265, cam4 H.264 (non-compliant)."""
    with CameraSimulator(tmp_path_factory.mktemp("cameras"), cameras=4, h264_cameras=(4,)) as sim:
        yield sim


@pytest.fixture(scope="session")
def minio_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    """One MinIO server for tests that run the whole mesh (object lock works there)."""
    with make_server("minio", tmp_path_factory.mktemp("mesh-minio")) as server:
        yield server.endpoint


@pytest.fixture(scope="session")
def mesh_env(
    nats_server: NatsServer, migrated_database: MigratedDatabase, minio_endpoint: S3Endpoint
) -> dict[str, str]:
    """Environment that starts any service for real: NATS, its DB role, S3 and fresh keys.

    ``TNCAM_ENVIRONMENT=test`` (development defaults refused); add a ``TNCAM_NATS_NAMESPACE``.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    env.update(migrated_database.env())
    env.update(service_keys())
    env.update(
        {
            "TNCAM_ENVIRONMENT": "test",
            "TNCAM_NATS_URL": nats_server.url,
            "TNCAM_S3_ENDPOINT": minio_endpoint.url,
            "TNCAM_S3_ACCESS_KEY": minio_endpoint.access_key,
            "TNCAM_S3_SECRET_KEY": minio_endpoint.secret_key,
        }
    )
    return env


@pytest.fixture
def namespace() -> str:
    """A NATS namespace unique to this test: its subjects and streams touch no other test."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def service_session(
    migrated_database: MigratedDatabase,
) -> Callable[[str], contextlib.AbstractAsyncContextManager[AsyncSession]]:
    """``async with service_session("registry") as s``: a session as that service's role whose
    writes (commits included) are rolled back when the block ends."""

    def open_session(service: str) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        return rolled_back_session(migrated_database, service)

    return open_session
