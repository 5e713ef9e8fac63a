"""``python -m tncam_mesh.migrate_cli``: provision each service's schema and role, then migrate.

Environment: ``TNCAM_DATABASE_URL`` (``postgresql://host:port/db``, may carry the admin's
credentials), ``TNCAM_DB_ADMIN_USER``/``TNCAM_DB_ADMIN_PASSWORD`` (override or supply them),
``TNCAM_<SVC>_DB_PASSWORD`` and optionally ``TNCAM_<SVC>_DB_USER`` (default ``tncam_<svc>``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tncam_mesh.db import async_url, schema_revision, validate_identifier
from tncam_mesh.errors import TncamError
from tncam_mesh.migrations import upgrade

EXIT_FAILED = 1
EXIT_USAGE = 2


class MissingEnvError(Exception):
    """A required environment variable is not set (or empty)."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"missing environment variable {name} ({why})")
        self.name = name


@dataclass(frozen=True)
class ServiceTarget:
    """One service to migrate: its schema, login role, and where its scripts live."""

    service: str
    script_location: Path
    role: str
    role_password: str = field(repr=False)  # kept out of tracebacks and debug output


def admin_url_from_env(env: Mapping[str, str]) -> URL:
    """The admin URL: ``TNCAM_DATABASE_URL`` with ``TNCAM_DB_ADMIN_*`` taking precedence."""
    base = env.get("TNCAM_DATABASE_URL")
    if not base:
        raise MissingEnvError("TNCAM_DATABASE_URL", "postgresql://host:port/database")
    url = async_url(base)
    user = env.get("TNCAM_DB_ADMIN_USER") or url.username
    if not user:
        raise MissingEnvError("TNCAM_DB_ADMIN_USER", "no user in TNCAM_DATABASE_URL either")
    password = env.get("TNCAM_DB_ADMIN_PASSWORD") or url.password
    if not password:
        raise MissingEnvError("TNCAM_DB_ADMIN_PASSWORD", "no password in TNCAM_DATABASE_URL either")
    return url.set(username=user, password=str(password))


def target_from_env(service: str, script_location: Path, env: Mapping[str, str]) -> ServiceTarget:
    """The role and password for ``service`` from ``TNCAM_<SVC>_DB_USER``/``_DB_PASSWORD``."""
    prefix = f"TNCAM_{service.upper()}_DB_"
    password = env.get(prefix + "PASSWORD")
    if not password:
        raise MissingEnvError(prefix + "PASSWORD", f"password of the {service} service role")
    role = env.get(prefix + "USER") or f"tncam_{service}"
    return ServiceTarget(service, script_location, role, password)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tncam_mesh.migrate_cli",
        description="Provision each service's schema and roles, then run its migrations.",
    )
    parser.add_argument(
        "--service",
        action="append",
        required=True,
        help="service (= schema) to migrate; repeat for several",
    )
    parser.add_argument(
        "--script-location",
        action="append",
        type=Path,
        help="its migrations directory (default services/<service>/migrations); one per --service",
    )
    parser.add_argument("--revision", default="head", help="target revision (default: head)")
    args = parser.parse_args(argv)
    if args.script_location and len(args.script_location) != len(args.service):
        parser.error("give one --script-location per --service, or none")
    for service in args.service:
        try:
            validate_identifier(service, what="service")
        except TncamError as e:
            parser.error(e.message)
    return args


async def migrate(admin_url: URL, targets: Sequence[ServiceTarget], revision: str) -> None:
    """Upgrade each target in turn, printing one line per service."""
    for target in targets:
        before = await _revision(admin_url, target.service)
        await upgrade(
            admin_url,
            script_location=target.script_location,
            schema=target.service,
            role=target.role,
            role_password=target.role_password,
            revision=revision,
        )
        after = await _revision(admin_url, target.service)
        change = "unchanged" if before == after else f"was {before or 'empty'}"
        print(
            f"migrate: {target.service}: schema {target.service} role {target.role} "
            f"at {after or 'base'} ({change})",
            flush=True,
        )


async def _revision(admin_url: URL, schema: str) -> str | None:
    engine = create_async_engine(admin_url, poolclass=NullPool)
    try:
        return await schema_revision(engine, schema)
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = parse_args(argv)
    env = os.environ if env is None else env
    locations = args.script_location or [Path("services") / s / "migrations" for s in args.service]
    try:
        # Read everything before touching the database: a missing variable fails fast.
        admin_url = admin_url_from_env(env)
        targets = [
            target_from_env(service, location, env)
            for service, location in zip(args.service, locations, strict=True)
        ]
    except (MissingEnvError, TncamError) as e:
        print(f"migrate: {e}", file=sys.stderr)
        return EXIT_USAGE
    for target in targets:
        if not (target.script_location / "env.py").is_file():
            print(f"migrate: no env.py in {target.script_location}", file=sys.stderr)
            return EXIT_USAGE
    try:
        asyncio.run(migrate(admin_url, targets, args.revision))
    except (TncamError, SQLAlchemyError, OSError) as e:
        # One line, no traceback: the messages carry no credentials (URLs are never printed).
        print(f"migrate: failed: {type(e).__name__}: {e}".splitlines()[0], file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
