"""Async SQLAlchemy plumbing and schema provisioning: one schema and one role per service."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import URL, event, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from tncam_mesh.errors import ConfigurationError, InvalidInputError, UnavailableError

log = logging.getLogger(__name__)

ASYNC_DRIVER = "postgresql+asyncpg"
OWNER_SUFFIX = "_owner"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# PostgreSQL's own default; the verifier records it, so raising it later only affects new ones.
_SCRAM_ITERATIONS = 4096
# Serialises concurrent provisioning runs (two `make migrate` at once) inside one database.
_PROVISION_LOCK_KEY = 0x74_6E_63_61_6D  # "tncam"
# A readiness probe must answer well within the kubelet's probe timeout, not asyncpg's 60 s.
CHECK_TIMEOUT_SECONDS = 5.0
# A new pooled connection (TCP, SCRAM, startup) must not wait asyncpg's default 60 s: while
# PostgreSQL restarts, a connection attempt stuck that long holds a pool slot and the checks
# and requests queued behind it (up to the pool's own 30 s wait), long after the server is back.
CONNECT_TIMEOUT_SECONDS = 10.0


def validate_identifier(name: str, *, what: str = "identifier") -> str:
    """Return ``name`` if it is a safe lower-case SQL identifier, else raise InvalidInputError."""
    if not _IDENTIFIER.fullmatch(name):
        raise InvalidInputError(
            "db.identifier.invalid",
            f"{what} {name!r} must match {_IDENTIFIER.pattern}",
            details={"what": what},
        )
    return name


def quote_identifier(name: str) -> str:
    """Double-quote any identifier (doubling embedded quotes), as PostgreSQL's quote_ident does."""
    return '"' + name.replace('"', '""') + '"'


def owner_role(role: str) -> str:
    """Name of the no-login role that owns ``role``'s schema and every object in it."""
    return validate_identifier(role + OWNER_SUFFIX, what="owner role")


def scram_sha256_verifier(password: str, *, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (plaintext never sent)."""
    if not password:
        raise InvalidInputError("db.password.invalid", "password must not be empty")
    if not password.isascii() or not password.isprintable():
        # Non-ASCII passwords go through SASLprep on the client; rather than re-implement it
        # and risk a verifier no client can match, accept only what needs no normalisation.
        raise InvalidInputError("db.password.invalid", "password must be printable ASCII")
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _SCRAM_ITERATIONS)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${_SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def async_url(url: str | URL) -> URL:
    """``url`` with the asyncpg driver, keeping whatever credentials it carries."""
    try:
        parsed = make_url(url)
    except Exception as e:  # make_url raises ArgumentError or ValueError depending on the flaw
        raise ConfigurationError("db.url.invalid", "database URL cannot be parsed") from e
    if parsed.get_backend_name() not in ("postgresql", "postgres"):
        raise ConfigurationError(
            "db.url.invalid", f"database URL must be postgresql://, not {parsed.drivername}://"
        )
    return parsed.set(drivername=ASYNC_DRIVER)


def service_url(base_url: str | URL, *, user: str, password: str) -> URL:
    """``base_url`` (host, port, database) with the given credentials and the asyncpg driver."""
    return async_url(base_url).set(username=user, password=password)


def create_engine(
    url: str | URL,
    *,
    schema: str,
    pool_size: int = 5,
    max_overflow: int = 10,
    application_name: str,
) -> AsyncEngine:
    """An asyncpg engine whose connections see only ``schema`` (via ``search_path``);
    at most ``pool_size`` + ``max_overflow`` connections (overflow ones are closed on return)."""
    validate_identifier(schema, what="schema")
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        connect_args={
            # Startup parameters, so every pooled connection has them before the first query
            # and no RESET ALL between checkouts can lose them.
            "server_settings": {"search_path": schema, "application_name": application_name},
            "timeout": CONNECT_TIMEOUT_SECONDS,
        },
    )
    event.listen(engine.sync_engine, "before_cursor_execute", _refuse_nul)
    return engine


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul(
    _conn: object, _cursor: object, _statement: str, parameters: object, *_: object
) -> None:
    """PostgreSQL text cannot hold NUL; refuse such a parameter as the caller's error before
    the driver fails with an error carrying the statement and its parameters."""
    if _has_nul(parameters):
        raise InvalidInputError(
            "db.text.nul_character",
            "Dữ liệu chứa ký tự NUL không hợp lệ (text must not contain NUL characters)",
        )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions bound to ``engine``; objects stay readable after commit (no lazy reload)."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One session and transaction: commit when the block succeeds, roll back when it raises."""
    async with factory() as session:
        try:
            yield session
        except BaseException:
            # BaseException too: a cancelled request must not leave half its writes pending.
            await session.rollback()
            raise
        await session.commit()


async def check_database(engine: AsyncEngine) -> None:
    """Run ``SELECT 1``; raise UnavailableError (``db.check.unavailable``) if that fails."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (OSError, TimeoutError, SQLAlchemyError, asyncpg.PostgresError) as e:
        raise UnavailableError(
            "db.check.unavailable",
            f"PostgreSQL at {engine.url.host}:{engine.url.port} is unavailable: {type(e).__name__}",
            details={"host": engine.url.host, "port": engine.url.port},
        ) from e


async def schema_revision(engine: AsyncEngine, schema: str) -> str | None:
    """The Alembic revision recorded in ``<schema>.alembic_version``; None if never migrated."""
    table = f"{quote_identifier(validate_identifier(schema, what='schema'))}.alembic_version"
    async with engine.connect() as conn:
        if await conn.scalar(text("SELECT to_regclass(:t)"), {"t": table}) is None:
            return None
        rows = (await conn.scalars(text(f"SELECT version_num FROM {table}"))).all()  # noqa: S608
    # Several rows only with branched histories; report them all rather than pick one.
    return ",".join(sorted(rows)) if rows else None


async def provision_service_schema(
    admin_url: str | URL,
    *,
    schema: str,
    role: str,
    role_password: str,
) -> None:
    """Create or repair ``schema``, its no-login owner ``<role>_owner`` and login ``role``.

    Idempotent; re-running rotates ``role``'s password. Runs as the admin (migration step),
    never inside service replicas.
    """
    validate_identifier(schema, what="schema")
    validate_identifier(role, what="role")
    owner = owner_role(role)
    if schema in ("public", "information_schema") or schema.startswith("pg_"):
        raise InvalidInputError("db.provision.invalid", f"schema {schema!r} is reserved")
    verifier = scram_sha256_verifier(role_password)

    engine = create_async_engine(async_url(admin_url), poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await _provision(conn, schema=schema, role=role, owner=owner, verifier=verifier)
    finally:
        await engine.dispose()
    log.info("provisioned schema %s for role %s (owner %s)", schema, role, owner)


async def _provision(
    conn: AsyncConnection, *, schema: str, role: str, owner: str, verifier: str
) -> None:
    """All provisioning statements, in the caller's single transaction."""
    s, r, o = quote_identifier(schema), quote_identifier(role), quote_identifier(owner)
    database = quote_identifier(str(await conn.scalar(text("SELECT current_database()"))))

    async def run(sql: str) -> None:
        # Driver SQL, not text(): the SCRAM verifier's ":" would be read as a bind parameter.
        await conn.exec_driver_sql(sql)

    await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PROVISION_LOCK_KEY})
    if await conn.scalar(text("SELECT current_user")) in (role, owner):
        # The ALTER ROLE below would strip the admin's own SUPERUSER/CREATEROLE.
        raise InvalidInputError(
            "db.provision.invalid", f"role {role!r} is the admin itself; use a service role"
        )

    async def role_exists(name: str) -> bool:
        found = await conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
        return found is not None

    attrs = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    if not await role_exists(owner):
        await run(f"CREATE ROLE {o} NOLOGIN {attrs}")
    await run(f"ALTER ROLE {o} NOLOGIN {attrs}")
    # The verifier, not the password, goes over the wire: a failed statement is logged by the
    # server with its text, and the plaintext must never land in a log.
    password_clause = f"PASSWORD '{verifier}'"
    if not await role_exists(role):
        await run(f"CREATE ROLE {r} LOGIN {attrs} {password_clause}")
    else:
        await run(f"ALTER ROLE {r} LOGIN {attrs} {password_clause}")
    await run(f"ALTER ROLE {r} SET search_path = {s}")

    # Without superuser the admin must be a member of the owner role to create objects as it
    # (CREATE SCHEMA ... AUTHORIZATION, and SET ROLE during migrations).
    if not await conn.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")):
        await run(f"GRANT {o} TO CURRENT_USER")

    await run(f"CREATE SCHEMA IF NOT EXISTS {s} AUTHORIZATION {o}")
    await run(f"ALTER SCHEMA {s} OWNER TO {o}")
    await run(f"REVOKE ALL ON SCHEMA {s} FROM PUBLIC")
    await run(f"GRANT USAGE ON SCHEMA {s} TO {r}")
    # Default privileges only, never GRANT ... ON ALL TABLES: a migration may have narrowed a
    # table on purpose (audit log: INSERT/SELECT only) and a re-run must not widen it again.
    defaults = f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s}"
    await run(f"{defaults} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}")
    await run(f"{defaults} GRANT USAGE, SELECT ON SEQUENCES TO {r}")

    await run("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    await run(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC")
    await run(f"GRANT CONNECT ON DATABASE {database} TO {r}")
