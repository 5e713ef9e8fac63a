"""Per-test isolation: rolled-back sessions and namespaces."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tncam_testkit.database import MigratedDatabase, rolled_back_session

pytestmark = pytest.mark.integration

OpenSession = Callable[[str], contextlib.AbstractAsyncContextManager[AsyncSession]]


async def test_committed_writes_are_rolled_back(
    service_session: OpenSession, migrated_database: MigratedDatabase
) -> None:
    async with service_session("registry") as s:
        await s.execute(text("INSERT INTO service_info (key, value) VALUES ('isolation', '1')"))
        await s.commit()  # code under test commits; the savepoint keeps it reversible
        assert await s.scalar(text("SELECT value FROM service_info WHERE key = 'isolation'"))
    async with rolled_back_session(migrated_database, "registry") as fresh:
        found = await fresh.scalar(text("SELECT 1 FROM service_info WHERE key = 'isolation'"))
    assert found is None


def test_namespaces_are_unique(namespace: str) -> None:
    assert namespace.startswith("t")
    assert len(namespace) == 13
