"""The gateway as a process: boots with its composition root, bootstraps the first
province_admin, serves its committed OpenAPI document, counts requests and refused logins, and
refuses oversized bodies and wrong methods. (Schemathesis runs against the whole mesh in
test_adversarial_inputs.py.)"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tncam_contracts.catalog import AUDIT_STREAM
from tncam_gateway.cli import bootstrap
from tncam_gateway.domain import totp
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.bus import connect
from tncam_mesh.jetstream import ensure_stream
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.services import REPO_ROOT, ServiceProcess

from .conftest import insert_gateway_account

pytestmark = pytest.mark.e2e

OPENAPI = REPO_ROOT / "services" / "gateway" / "openapi.json"
ADMIN_PASSWORD = "Sông Cầu nước trong xanh 2026"


@pytest.fixture(scope="module")
def gateway_env(nats_server: NatsServer, migrated_database: MigratedDatabase) -> dict[str, str]:
    namespace = f"gwe2e{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    env.update(migrated_database.env())
    env.update(
        {
            "TNCAM_ENVIRONMENT": "test",
            "TNCAM_NATS_URL": nats_server.url,
            "TNCAM_NATS_NAMESPACE": namespace,
            "TNCAM_GATEWAY_JWT_SIGNING_KEY": "e2e-signing-key-" + "x" * 32,
            "TNCAM_GATEWAY_MFA_ENCRYPTION_KEY": "e2e-mfa-key-" + "y" * 32,
            "TNCAM_GATEWAY_RATE_LIMIT_ADDRESS_PER_MINUTE": "100000",
            "TNCAM_GATEWAY_RATE_LIMIT_USER_PER_MINUTE": "100000",
        }
    )

    async def audit_stream() -> None:  # the audit service declares it in a full mesh
        bus = await connect(nats_server.url, name="gw-e2e-setup")
        await ensure_stream(bus.js, AUDIT_STREAM.scoped(namespace))
        await bus.close()

    asyncio.run(audit_stream())
    return env


@pytest.fixture(scope="module")
def registry(
    gateway_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    """The real registry: account administration checks units and sectors against it."""
    env = gateway_env | {"TNCAM_REGISTRY_CREDENTIALS_KEY": "e2e-credentials-key-" + "z" * 32}
    proc = ServiceProcess("registry", env=env, log_dir=tmp_path_factory.mktemp("reg"))
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def gateway(
    gateway_env: dict[str, str], registry: ServiceProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    proc = ServiceProcess("gateway", env=gateway_env, log_dir=tmp_path_factory.mktemp("gw"))
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


ADMIN_NAME = f"e2e-admin-{os.getpid()}"


async def _admin(settings: GatewaySettings) -> str:
    """A province_admin with TOTP, written directly (bootstrap only works on an empty schema)."""
    secret = totp.new_secret()
    await insert_gateway_account(
        settings,
        username=ADMIN_NAME,
        display_name="Quản trị e2e",
        role="province_admin",
        password=ADMIN_PASSWORD,
        mfa_secret=secret,
    )
    return secret


@pytest.fixture(scope="module")
def admin_token(gateway: ServiceProcess, gateway_env: dict[str, str]) -> str:
    keys = (
        "DATABASE_URL",
        "GATEWAY_DB_PASSWORD",
        "GATEWAY_JWT_SIGNING_KEY",
        "GATEWAY_MFA_ENCRYPTION_KEY",
    )
    settings = GatewaySettings(
        environment="test",
        database_url=gateway_env["TNCAM_DATABASE_URL"],
        db_password=gateway_env["TNCAM_GATEWAY_DB_PASSWORD"],
        jwt_signing_key=gateway_env["TNCAM_GATEWAY_JWT_SIGNING_KEY"],
        mfa_encryption_key=gateway_env["TNCAM_GATEWAY_MFA_ENCRYPTION_KEY"],
    )
    assert all(f"TNCAM_{k}" in gateway_env for k in keys)
    created, generated, secret = asyncio.run(
        bootstrap(settings, username="admin", password=ADMIN_PASSWORD, display_name="Quản trị")
    )
    if created:  # a fresh database (the e2e tier run on its own)
        assert generated is None
        assert secret
    else:  # the session's database already has accounts: bootstrap must leave it alone
        assert (generated, secret) == (None, None)
        secret = asyncio.run(_admin(settings))
    again = asyncio.run(
        bootstrap(settings, username="admin2", password=None, display_name="Quản trị")
    )
    assert again == (False, None, None)  # only when no account exists
    code = totp.code_at(secret, totp.step_of(dt.datetime.now(dt.UTC)))
    form = urllib.parse.urlencode(
        {
            "username": ADMIN_NAME if not created else "admin",
            "password": ADMIN_PASSWORD,
            "totp": code,
        }
    ).encode()
    with urllib.request.urlopen(  # noqa: S310 - loopback
        f"{gateway.url}/api/v1/auth/token", data=form, timeout=10
    ) as resp:
        return str(json.loads(resp.read())["access_token"])


def test_committed_openapi_is_served(gateway: ServiceProcess) -> None:
    with urllib.request.urlopen(f"{gateway.url}/api/v1/openapi.json", timeout=5) as resp:  # noqa: S310
        served = json.loads(resp.read())
    assert served == json.loads(Path(OPENAPI).read_text("utf-8"))


def test_metrics_count_requests_and_refused_logins(gateway: ServiceProcess) -> None:
    form = urllib.parse.urlencode({"username": "nobody", "password": "not-the-password"}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(  # noqa: S310 - loopback
            f"{gateway.url}/api/v1/auth/token", data=form, timeout=10
        )
    assert refused.value.code == 401
    refused.value.close()
    with urllib.request.urlopen(f"{gateway.url}/metrics", timeout=5) as resp:  # noqa: S310
        text = resp.read().decode()
    assert 'tncam_gateway_auth_failures_total{reason="account.login.failed"}' in text
    assert (
        'tncam_gateway_requests_total{method="POST",route="/api/v1/auth/token",status="401"}'
        in text
    )
    assert 'tncam_gateway_request_duration_seconds_count{route="/api/v1/auth/token"}' in text


def test_chunked_body_over_the_limit_is_413(gateway: ServiceProcess, admin_token: str) -> None:
    """A body without Content-Length (chunked) over the 1 MiB limit: 413, not 400."""

    def chunks() -> Iterator[bytes]:
        yield b"["
        for _ in range(150):
            yield b"1," * 4096
        yield b"1]"

    r = requests.post(
        f"{gateway.url}/api/v1/accounts",
        headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
        data=chunks(),
        timeout=10,
    )
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert r.status_code == 413, r.text
    assert r.json()["code"] == "gateway.request.too_large"
    small = requests.post(
        f"{gateway.url}/api/v1/accounts",
        headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"},
        data=iter([b'{"username": ', b"5}"]),
        timeout=10,
    )
    assert small.status_code == 422, small.text  # a small chunked body still reaches the app


def test_method_not_allowed_names_the_allowed_methods(gateway: ServiceProcess) -> None:
    for method, path, allowed in (
        ("DELETE", "/api/v1/me", {"GET"}),
        ("PUT", "/api/v1/exports", {"GET", "POST"}),
    ):
        r = requests.request(method, f"{gateway.url}{path}", timeout=10)
        assert r.status_code == 405, r.text
        assert {m.strip() for m in r.headers["Allow"].split(",")} == allowed, r.headers
