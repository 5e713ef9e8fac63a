"""Raw asyncpg connections as the service role, inside its schema."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from tncam_audit.settings import AuditSettings
from tncam_mesh.db import service_url

Connection = Any  # asyncpg.Connection (asyncpg ships no type information)


def dsn(settings: AuditSettings) -> str:
    """The service role's ``postgresql://`` URL (credentials included: never log it)."""
    url = service_url(
        settings.database_url,
        user=settings.db_user,
        password=settings.db_password.get_secret_value(),
    ).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def connect(settings: AuditSettings, *, purpose: str) -> Connection:
    """A dedicated connection (not pooled), e.g. the sequencer's, which holds the writer lock."""
    return await asyncpg.connect(
        dsn(settings),
        server_settings={
            "search_path": settings.db_schema,
            "application_name": f"tncam-audit-{purpose}",
        },
        timeout=10,
    )


@contextlib.asynccontextmanager
async def pooled(engine: AsyncEngine) -> AsyncIterator[Connection]:
    """The asyncpg connection under a pooled SQLAlchemy connection (search_path already set)."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        yield raw.driver_connection
