"""The schemas of the data-owning services, migrated for real, with their role credentials."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from tncam_mesh.db import create_engine, service_url
from tncam_mesh.migrations import upgrade
from tncam_testkit.services import DB_SERVICES, migrations_dir


@dataclass(frozen=True)
class MigratedDatabase:
    """A database whose service schemas are at head; base URL without credentials."""

    base_url: str
    passwords: dict[str, str] = field(repr=False)

    def role(self, service: str) -> str:
        """The login role of ``service``."""
        return f"tncam_{service}"

    def url(self, service: str) -> str:
        """A ``postgresql+asyncpg://`` URL connecting as ``service``'s own role."""
        return service_url(
            self.base_url, user=self.role(service), password=self.passwords[service]
        ).render_as_string(hide_password=False)

    def env(self) -> dict[str, str]:
        """Environment variables that point every service at this database."""
        env = {"TNCAM_DATABASE_URL": self.base_url}
        for service, password in self.passwords.items():
            env[f"TNCAM_{service.upper()}_DB_PASSWORD"] = password
        return env


async def migrate_all(admin_url: str, base_url: str) -> MigratedDatabase:
    """Provision and migrate registry, recorder and audit with fresh role passwords."""
    passwords = {s: secrets.token_urlsafe(18) for s in DB_SERVICES}
    for service in DB_SERVICES:
        await upgrade(
            admin_url,
            script_location=migrations_dir(service),
            schema=service,
            role=f"tncam_{service}",
            role_password=passwords[service],
        )
    return MigratedDatabase(base_url, passwords)


@contextlib.asynccontextmanager
async def rolled_back_session(db: MigratedDatabase, service: str) -> AsyncIterator[AsyncSession]:
    """A session as ``service``'s role whose work, commits included, is rolled back at the end.

    The session joins an outer transaction with savepoints, so code under test may commit
    freely; nothing it wrote survives the block.
    """
    engine = create_engine(
        service_url(db.base_url, user=db.role(service), password=db.passwords[service]),
        schema=service,
        pool_size=1,
        application_name=f"tncam-test-{service}",
    )
    try:
        async with engine.connect() as conn:
            outer = await conn.begin()
            session = AsyncSession(
                bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
            try:
                yield session
            finally:
                await session.close()
                await outer.rollback()
    finally:
        await engine.dispose()
