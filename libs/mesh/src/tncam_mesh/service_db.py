"""A data-owning service's database inside the runtime: engine, sessions, readiness checks."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from tncam_mesh.db import (
    check_database,
    create_engine,
    schema_revision,
    service_url,
    session_factory,
)
from tncam_mesh.health import Health
from tncam_mesh.settings import DatabaseSettings


@dataclass(frozen=True)
class Database:
    """The engine and session factory of one service's schema."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    schema: str


def head_revision(script_location: Path) -> str | None:
    """The newest migration revision shipped with the service."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return ScriptDirectory.from_config(cfg).get_current_head()


@contextlib.asynccontextmanager
async def open_database(
    settings: DatabaseSettings, health: Health, *, migrations: Path
) -> AsyncIterator[Database]:
    """Open the service's engine and make readiness depend on the database and its schema.

    Migrations are a separate step (``make migrate``, a Helm hook Job), never run by replicas:
    a replica whose schema is behind its code reports unready with the revision it needs.
    """
    url = service_url(
        settings.database_url,
        user=settings.db_user,
        password=settings.db_password.get_secret_value(),
    )
    engine = create_engine(
        url,
        schema=settings.db_schema,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        application_name=f"tncam-{settings.service_name}",
    )
    expected = head_revision(migrations)

    async def database_check() -> None:
        await check_database(engine)

    async def schema_check() -> None:
        current = await schema_revision(engine, settings.db_schema)
        if current != expected:
            raise RuntimeError(
                f"schema {settings.db_schema} is at {current or 'nothing'}, "
                f"code needs {expected}: run the migration step (make migrate)"
            )

    health.add_check("database", database_check)
    health.add_check("schema", schema_check)
    try:
        yield Database(engine, session_factory(engine), settings.db_schema)
    finally:
        await engine.dispose()
