"""Alembic glue: each service's ``migrations/env.py`` calls in here; ``upgrade`` drives it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import URL, Connection, MetaData, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tncam_mesh.db import (
    async_url,
    owner_role,
    provision_service_schema,
    quote_identifier,
    validate_identifier,
)
from tncam_mesh.errors import ConfigurationError

# Keys in ``Config.attributes``: how ``upgrade`` hands env.py the URL (credentials included)
# without ever writing them to an ini file.
ADMIN_URL_ATTR = "tncam_admin_url"
OWNER_ROLE_ATTR = "tncam_owner_role"
SCHEMA_ATTR = "tncam_schema"
# Date-prefixed revision files, so a directory listing reads in the order they were written.
FILE_TEMPLATE = "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s"


def alembic_config(
    script_location: Path,
    *,
    admin_url: str | URL | None = None,
    schema: str | None = None,
    role: str | None = None,
) -> Config:
    """An in-memory Alembic config (no alembic.ini); credentials travel only in attributes."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("file_template", FILE_TEMPLATE)
    if admin_url is not None:
        config.attributes[ADMIN_URL_ATTR] = async_url(admin_url)
    if schema is not None:
        config.attributes[SCHEMA_ATTR] = validate_identifier(schema, what="schema")
    if role is not None:
        config.attributes[OWNER_ROLE_ATTR] = owner_role(role)
    return config


def run_migrations_online(
    config: Config, *, schema: str, target_metadata: MetaData | Sequence[MetaData] | None
) -> None:
    """Run this service's migrations as ``<role>_owner`` in ``schema``; call from env.py."""
    if context.is_offline_mode():
        raise ConfigurationError(
            "db.migrate.offline", "offline (--sql) migrations are not supported"
        )
    validate_identifier(schema, what="schema")
    url = config.attributes.get(ADMIN_URL_ATTR)
    owner = config.attributes.get(OWNER_ROLE_ATTR)
    if url is None or owner is None:
        raise ConfigurationError(
            "db.migrate.config",
            "run migrations through `python -m tncam_mesh.migrate_cli` or "
            "tncam_mesh.migrations.upgrade(), which provision the roles first",
        )
    expected = config.attributes.get(SCHEMA_ATTR, schema)
    if expected != schema:
        # Guards against pointing one service's scripts at another service's schema.
        raise ConfigurationError(
            "db.migrate.schema",
            f"these migrations are for schema {schema!r}, not {expected!r}",
        )
    asyncio.run(_run_async(url, schema=schema, owner=owner, target_metadata=target_metadata))


async def _run_async(
    url: URL,
    *,
    schema: str,
    owner: str,
    target_metadata: MetaData | Sequence[MetaData] | None,
) -> None:
    """Connect as the admin, become the owner role, run the migrations in one transaction."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            # Session-level (not LOCAL), so both survive the commit that ends this transaction:
            # everything the migrations create is owned by the no-login owner, and unqualified
            # names land in the service's schema, the same search_path the service runs with.
            await conn.execute(text(f"SET ROLE {quote_identifier(owner)}"))
            await conn.execute(text(f"SET search_path TO {quote_identifier(schema)}"))
            await conn.commit()
            await conn.run_sync(_run_sync, schema=schema, target_metadata=target_metadata)
    finally:
        await engine.dispose()


def _run_sync(
    connection: Connection,
    *,
    schema: str,
    target_metadata: MetaData | Sequence[MetaData] | None,
) -> None:
    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        # Autogenerate must never see (and propose dropping) other services' schemas.
        return type_ != "schema" or name in (None, schema)

    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def upgrade(
    admin_url: str | URL,
    *,
    script_location: Path,
    schema: str,
    role: str,
    role_password: str,
    revision: str = "head",
) -> None:
    """Provision ``schema`` and its roles, then ``alembic upgrade`` to ``revision``."""
    await provision_service_schema(admin_url, schema=schema, role=role, role_password=role_password)
    config = alembic_config(script_location, admin_url=admin_url, schema=schema, role=role)
    # Alembic's command API is synchronous and env.py starts its own event loop: a thread
    # keeps that loop apart from the caller's.
    await asyncio.to_thread(command.upgrade, config, revision)
    await _restrict_version_table(admin_url, schema=schema, role=role)


async def _restrict_version_table(admin_url: str | URL, *, schema: str, role: str) -> None:
    """Leave the service role read-only on ``alembic_version``; only migrations move it."""
    table = f"{quote_identifier(schema)}.alembic_version"
    engine = create_async_engine(async_url(admin_url), poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            if await conn.scalar(text("SELECT to_regclass(:t)"), {"t": table}) is not None:
                await conn.execute(
                    text(
                        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {table} "
                        f"FROM {quote_identifier(role)}"
                    )
                )
    finally:
        await engine.dispose()
