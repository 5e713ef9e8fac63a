"""``tncam accounts bootstrap``: create the first province_admin (used by ``make run``)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam_gateway.domain import totp
from tncam_gateway.service.accounts import bootstrap_admin
from tncam_gateway.service.context import build_auth
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.db import create_engine, service_url, session_factory
from tncam_mesh.errors import TncamError, UnavailableError
from tncam_mesh.settings import load_settings

USER_VAR = "TNCAM_BOOTSTRAP_ADMIN_USER"
PASSWORD_VAR = "TNCAM_BOOTSTRAP_ADMIN_PASSWORD"  # noqa: S105 - a variable name


class _NoAudit:
    """Bootstrap runs before the mesh; it records nothing (the account row is the record)."""

    async def record(self, event: apb.AuditEvent, *, timeout: float = 5.0) -> Any:
        raise UnavailableError("audit.publish.unavailable", "no audit log during bootstrap")


async def bootstrap(
    settings: GatewaySettings, *, username: str, password: str | None, display_name: str
) -> tuple[bool, str | None, str | None]:
    """Create the first province_admin in the gateway schema if there is no account yet."""
    url = service_url(
        settings.database_url,
        user=settings.db_user,
        password=settings.db_password.get_secret_value(),
    )
    engine = create_engine(
        url, schema=settings.db_schema, pool_size=1, application_name="tncam-bootstrap"
    )
    try:
        auth = build_auth(settings, session_factory(engine), _NoAudit())
        return await bootstrap_admin(
            auth, username=username, password=password, display_name=display_name
        )
    finally:
        await engine.dispose()


def _run(args: argparse.Namespace) -> int:
    username = args.username or os.environ.get(USER_VAR) or "admin"
    password = os.environ.get(PASSWORD_VAR) or None
    try:
        settings = load_settings(GatewaySettings)
        created, generated, secret = asyncio.run(
            bootstrap(settings, username=username, password=password, display_name=args.name)
        )
    except TncamError as e:
        print(f"tncam accounts bootstrap: {e.message}", file=sys.stderr)
        return 2
    if not created:
        print("accounts exist already: nothing to do")
        return 0
    print(f"province_admin created: {username}")
    if generated:
        print(f"password (shown once, change it after login): {generated}")
    if secret:
        uri = totp.provisioning_uri(secret, account=username, issuer=settings.totp_issuer)
        print(f"TOTP secret (add to an authenticator app): {secret}")
        print(f"TOTP URI: {uri}")
    return 0


def _code(args: argparse.Namespace) -> int:
    # For local demos and scripts: the current code of a TOTP secret.
    import datetime as dt

    print(totp.code_at(args.secret, totp.step_of(dt.datetime.now(dt.UTC))))
    return 0


def register(subparsers: Any) -> None:
    """Add ``tncam accounts`` to the ``tncam`` command."""
    parser = subparsers.add_parser("accounts", help="gateway accounts (bootstrap, TOTP)")
    sub = parser.add_subparsers(dest="accounts_command", metavar="SUBCOMMAND", required=True)
    boot = sub.add_parser(
        "bootstrap",
        help=f"create the first province_admin from {USER_VAR}/{PASSWORD_VAR} "
        "(password generated and printed when unset)",
    )
    boot.add_argument("--username", default=None)
    boot.add_argument("--name", default="Quản trị hệ thống tỉnh")
    boot.set_defaults(func=_run)
    code = sub.add_parser("totp-code", help="print the current TOTP code of a secret")
    code.add_argument("--secret", required=True)
    code.set_defaults(func=_code)
