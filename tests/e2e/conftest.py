"""Fixtures shared by the e2e tests."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from tncam_mesh.db import create_engine
from tncam_testkit.database import MigratedDatabase

# Registry tables holding cameras and their history, children first.
REGISTRY_CAMERA_TABLES = (
    "outbox",
    "fault_tickets",
    "state_transitions",
    "connection_edges",
    "camera_connection",
    "cameras",
    "sites",
    "connection_needs",
)


async def _empty_registry(db: MigratedDatabase) -> None:
    engine = create_engine(
        db.url("registry"), schema="registry", pool_size=1, application_name="e2e"
    )
    try:
        async with engine.begin() as conn:
            for table in REGISTRY_CAMERA_TABLES:
                await conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - constants
    finally:
        await engine.dispose()


@pytest.fixture
def empty_registry(migrated_database: MigratedDatabase) -> None:
    """No camera in the session's registry schema: reports and fleets see only this test's.

    (Cameras left by another test would also be published into this test's namespace when
    the registry starts, and pulled by its ingest.)
    """
    asyncio.run(_empty_registry(migrated_database))
