"""The gateway's committed OpenAPI document as the C-Thái Nguyên app team uses it (issue 20):
the Python client openapi-python-client generates from it (with the committed config) talks
to a running gateway (with its registry), typed end to end, problems included; the TypeScript
client @hey-api/openapi-ts generates from it compiles with ``tsc --noEmit``. Both generators
are pinned (uv.lock; services/gateway/clients/ts/package-lock.json, installed by
``make setup``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tncam_gateway.domain import totp
from tncam_gateway.settings import GatewaySettings
from tncam_testkit.services import REPO_ROOT, ServiceProcess

from .conftest import insert_gateway_account
from .test_gateway_api import gateway, gateway_env, registry, services

# The gateway (and registry) fixtures, reused: the same processes (conftest.MODULE_GROUPS).
__all__ = ["gateway", "gateway_env", "registry", "services"]

pytestmark = pytest.mark.e2e

GATEWAY = REPO_ROOT / "services" / "gateway"
OPENAPI = GATEWAY / "openapi.json"
PY_CONFIG = GATEWAY / "clients" / "openapi-python-client.yaml"
TS_DIR = GATEWAY / "clients" / "ts"
PACKAGE = "tncam_gateway_client"
PASSWORD = f"Đồi chè Tân Cương {uuid.uuid4().hex[:8]}"
#: Operations whose 200 body is not JSON: the config keeps them as bytes (File), and the
#: HLS playlist as text.
BINARY = (
    "cameras/get_camera_snapshot.py",
    "footage/get_playback_init_segment.py",
    "footage/get_playback_segment.py",
    "exports/download_export.py",
)


def _run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{cmd[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def py_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, Path]]:
    """The Python client generated from the committed document, importable."""
    out = tmp_path_factory.mktemp("pyclient")
    log = _run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(OPENAPI),
            "--config",
            str(PY_CONFIG),
            "--output-path",
            str(out / PACKAGE),
            "--meta",
            "none",
        ]
    )
    assert "will not be generated" not in log, log  # every operation made it
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE), out / PACKAGE
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_python_client_has_every_operation_and_keeps_binary_bodies(
    py_client: tuple[ModuleType, Path],
) -> None:
    _, root = py_client
    spec = json.loads(OPENAPI.read_text())
    generated = {p.stem for p in (root / "api").glob("*/*.py") if p.stem != "__init__"}
    snake = {
        "".join("_" + c.lower() if c.isupper() else c for c in op["operationId"])
        for ops in spec["paths"].values()
        for op in ops.values()
    }
    assert generated == snake
    for module in BINARY:
        text = (root / "api" / module).read_text()
        assert "response_200 = File(" in text, module
        assert "Problem.from_dict(response.json())" in text, module
    playlist = (root / "api" / "footage" / "get_playback_playlist.py").read_text()
    assert "response_200 = response.text" in playlist


def test_typescript_client_compiles(tmp_path: Path) -> None:
    bin_dir = TS_DIR / "node_modules" / ".bin"
    assert (bin_dir / "openapi-ts").exists(), "run make setup (npm ci of the client tools)"
    out = tmp_path / "ts"
    env = {"PATH": "/usr/bin:/bin", "TNCAM_OPENAPI": str(OPENAPI), "TNCAM_TS_OUTPUT": str(out)}
    _run(
        [str(bin_dir / "openapi-ts"), "-f", "openapi-ts.config.mjs", "--no-log-file"],
        cwd=TS_DIR,
        env=env | {"HOME": str(tmp_path)},
    )
    types = (out / "types.gen.ts").read_text()
    assert "export type CameraState = 'unknown' | 'never_connected'" in types
    assert "401: Problem;" in types
    assert "listCameras" in (out / "sdk.gen.ts").read_text()
    config = {"extends": str(TS_DIR / "tsconfig.json"), "include": [f"{out}/**/*.ts"]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    listed = _run([str(bin_dir / "tsc"), "-p", str(tmp_path / "tsconfig.json"), "--listFiles"])
    assert str(out / "sdk.gen.ts") in listed


def _operator_settings(env: dict[str, str]) -> GatewaySettings:
    return GatewaySettings(
        environment="test",
        database_url=env["TNCAM_DATABASE_URL"],
        db_password=env["TNCAM_GATEWAY_DB_PASSWORD"],
        jwt_signing_key=env["TNCAM_GATEWAY_JWT_SIGNING_KEY"],
        mfa_encryption_key=env["TNCAM_GATEWAY_MFA_ENCRYPTION_KEY"],
    )


# long: one walk through the generated client, each step asserting the typed result
def test_python_client_against_the_running_gateway(
    py_client: tuple[ModuleType, Path], gateway: ServiceProcess, gateway_env: dict[str, str]
) -> None:
    client_pkg, _ = py_client
    models = importlib.import_module(f"{PACKAGE}.models")

    def op(name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{name}")

    name = f"client-admin-{uuid.uuid4().hex[:8]}"
    secret = totp.new_secret()
    asyncio.run(
        insert_gateway_account(
            _operator_settings(gateway_env),
            username=name,
            display_name="Quản trị (client e2e)",
            role="province_admin",
            password=PASSWORD,
            mfa_secret=secret,
        )
    )
    with client_pkg.Client(base_url=gateway.url, raise_on_unexpected_status=True) as anonymous:
        # The password grant through the form body the document declares.
        form = models.BodyIssueToken(
            username=name,
            password=PASSWORD,
            totp=totp.code_at(secret, totp.step_of(dt.datetime.now(dt.UTC))),
        )
        token = op("auth.issue_token").sync(client=anonymous, body=form)
        assert isinstance(token, models.TokenResponse), token
        # A wrong password: a 401 parsed as Problem with its stable code.
        bad = op("auth.issue_token").sync_detailed(
            client=anonymous, body=models.BodyIssueToken(username=name, password="sai mật khẩu")
        )
        assert bad.status_code == 401
        assert isinstance(bad.parsed, models.Problem), bad.content
        assert bad.parsed.code == "gateway.auth.invalid_credentials"

    with client_pkg.AuthenticatedClient(
        base_url=gateway.url, token=token.access_token, raise_on_unexpected_status=True
    ) as client:
        me = op("auth.get_me").sync(client=client)
        assert isinstance(me, models.Me)
        assert me.role is models.Role.PROVINCE_ADMIN

        # A camera created and listed: enums come back as enums.
        cam = f"gen-{uuid.uuid4().hex[:8]}"
        created = op("registry.create_camera").sync(
            client=client,
            body=models.CameraCreate(
                id=cam,
                name=f"Camera {cam}",
                commune_code="01",
                site_kind=models.SiteKind.SQUARE,
                owner_unit_id="commune-01",
                rtsp_url=f"rtsp://10.9.0.1/{cam}",
            ),
        )
        assert isinstance(created, models.CameraOut), created
        assert created.site_kind is models.SiteKind.SQUARE
        assert created.state is models.CameraState.NEVER_CONNECTED
        page = op("cameras.list_cameras").sync(client=client, page_size=500, text=cam)
        assert isinstance(page, models.CameraPage)
        assert [c.id for c in page.items] == [cam]
        assert page.next_page_token == ""

        # 404 and 422 as Problem, with their codes.
        missing = op("cameras.get_camera").sync_detailed(
            client=client, camera_id="khong-co-camera-nay"
        )
        assert missing.status_code == 404
        assert isinstance(missing.parsed, models.Problem)
        assert missing.parsed.code == "gateway.camera.not_found"
        forged = op("accounts.list_accounts").sync_detailed(client=client, page_token="forged")
        assert forged.status_code == 422
        assert isinstance(forged.parsed, models.Problem)
        assert forged.parsed.code == "gateway.request.invalid_page_token"
        invalid = op("cameras.list_cameras").sync_detailed(client=client, text="a\x01b")
        assert invalid.status_code == 422
        assert isinstance(invalid.parsed, models.Problem)
        assert invalid.parsed.code == "gateway.request.invalid_characters"

        # Pages of accounts follow next_page_token to the end; the review is a page too.
        seen: list[str] = []
        page_token = ""
        for _ in range(100):
            accounts_page = op("accounts.list_accounts").sync(
                client=client, page_size=1, page_token=page_token
            )
            assert isinstance(accounts_page, models.AccountPage)
            seen += [a.id for a in accounts_page.items]
            page_token = accounts_page.next_page_token
            if not page_token:
                break
        assert len(seen) == len(set(seen)) == accounts_page.total >= 1
        review = op("accounts.review_accounts").sync(client=client)
        assert isinstance(review, models.ReviewPage)

        # A binary operation's error is a Problem too.
        shot = op("cameras.get_camera_snapshot").sync_detailed(
            client=client, camera_id=cam, purpose=models.Purpose.TECHNICAL_MAINTENANCE
        )
        assert isinstance(shot.parsed, models.Problem), shot.content
        # The central operator sees a unit's images only through a break-glass grant.
        assert (shot.status_code, shot.parsed.code) == (403, "gateway.authz.grant_required")
