"""The gateway as a process: boots with its composition root, bootstraps the first
province_admin, serves its committed OpenAPI document, counts requests and refused logins, and
refuses oversized bodies and wrong methods. (Schemathesis runs against the whole mesh in
test_adversarial_inputs.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from openpyxl import load_workbook

from tncam_contracts.catalog import AUDIT_STREAM
from tncam_gateway.cli import bootstrap
from tncam_gateway.domain import totp
from tncam_gateway.settings import GatewaySettings
from tncam_mesh.bus import connect
from tncam_mesh.jetstream import ensure_stream
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.procs import start_together
from tncam_testkit.services import REPO_ROOT, ServiceProcess

from .conftest import group_resource, insert_gateway_account, run_tncam

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


def _start_services(
    exit_stack: contextlib.ExitStack, env: dict[str, str], logs: Path
) -> tuple[ServiceProcess, ServiceProcess]:
    registry = ServiceProcess(
        "registry",
        env=env | {"TNCAM_REGISTRY_CREDENTIALS_KEY": "e2e-credentials-key-" + "z" * 32},
        log_dir=logs / "reg",
    )
    gateway = ServiceProcess("gateway", env=env, log_dir=logs / "gw")
    start_together([registry, gateway])
    exit_stack.callback(registry.stop)
    exit_stack.callback(gateway.stop)
    return registry, gateway


@pytest.fixture(scope="module")
def services(
    gateway_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[ServiceProcess, ServiceProcess]:
    """The real registry (account administration checks units and sectors against it) and the
    gateway: started once for this module and test_generated_clients (conftest.MODULE_GROUPS)."""
    logs = tmp_path_factory.mktemp("gateway-api")
    return group_resource(
        "gateway_api", lambda exit_stack: _start_services(exit_stack, gateway_env, logs)
    )


@pytest.fixture(scope="module")
def registry(services: tuple[ServiceProcess, ServiceProcess]) -> ServiceProcess:
    return services[0]


@pytest.fixture(scope="module")
def gateway(services: tuple[ServiceProcess, ServiceProcess]) -> ServiceProcess:
    return services[1]


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


# ------------------------------------------------------------------ the connection report


def _gateway_settings(env: dict[str, str]) -> GatewaySettings:
    return GatewaySettings(
        environment="test",
        database_url=env["TNCAM_DATABASE_URL"],
        db_password=env["TNCAM_GATEWAY_DB_PASSWORD"],
        jwt_signing_key=env["TNCAM_GATEWAY_JWT_SIGNING_KEY"],
        mfa_encryption_key=env["TNCAM_GATEWAY_MFA_ENCRYPTION_KEY"],
    )


def _operator_token(gateway: ServiceProcess, env: dict[str, str], unit_id: str) -> str:
    name, secret = f"op-{unit_id}-{os.getpid()}", totp.new_secret()
    asyncio.run(
        insert_gateway_account(
            _gateway_settings(env),
            username=name,
            display_name="Cán bộ xã",
            role="unit_operator",
            password=ADMIN_PASSWORD,
            mfa_secret=secret,
            unit_id=unit_id,
            unit_is_commune=True,
        )
    )
    code = totp.code_at(secret, totp.step_of(dt.datetime.now(dt.UTC)))
    r = requests.post(
        f"{gateway.url}/api/v1/auth/token",
        data={"username": name, "password": ADMIN_PASSWORD, "totp": code},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_connection_report_pdf_xlsx_html_scope_notes(
    gateway: ServiceProcess, gateway_env: dict[str, str], admin_token: str, tmp_path: Path
) -> None:
    import subprocess

    from openpyxl import load_workbook

    api, admin = f"{gateway.url}/api/v1", {"Authorization": f"Bearer {admin_token}"}
    report_url = f"{api}/reports/connection-status"
    for cid, commune, kind, owner in (
        ("RP-61-TT", "61", "service_center", None),
        ("RP-61-KV", "61", "public_place", None),
        ("RP-62-HQ", "62", "committee_hq", None),
        ("RP-TINH-1", "62", "service_center", "ttpvhcc-tinh"),
    ):
        body = {"id": cid, "name": f"Camera {cid}", "commune_code": commune, "site_kind": kind}
        body |= {"rtsp_url": f"rtsp://10.61.0.1/{cid}", "owner_unit_id": owner}
        r = requests.post(f"{api}/cameras", json=body, headers=admin, timeout=30)
        assert r.status_code in (200, 201), r.text
    note = "Đang chờ nhà mạng kéo cáp quang đến quảng trường"
    r = requests.put(f"{report_url}/notes/61", json={"text": note}, headers=admin, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["updated_by"]

    data = requests.get(report_url, headers=admin, timeout=60).json()
    row61 = next(r for r in data["rows"] if r["commune_code"] == "61")
    assert (row61["service_center"]["text"], row61["square"]["text"]) == ("Chưa kết nối",) * 2
    assert [p["site_kind"] for p in row61["square"]["parts"]] == ["public_place"]
    assert (row61["note"], row61["note_by"] != "") == (note, True)
    center = data["service_centers"][0]
    assert center["unit_id"] == "ttpvhcc-tinh"
    assert center["cameras"]["never"] >= 1

    # PDF by Accept: it opens (pdftoppm renders page 1), its text holds headings and totals.
    r = requests.get(report_url, headers=admin | {"Accept": "application/pdf"}, timeout=60)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "bao-cao.pdf"
    pdf.write_bytes(r.content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    page = next(tmp_path.glob("page*.png"))
    assert page.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.stat().st_size > 10_000  # a page with a table on it, not a blank one
    text = _squash(
        subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=60
        ).stdout.decode()
    )
    for heading in (
        "PHỤ LỤC",
        "TÌNH TRẠNG KẾT NỐI CAMERA GIÁM SÁT LÊN ỨNG DỤNG C-THÁI NGUYÊN",
        "I. UBND CÁC XÃ, PHƯỜNG",
        "II. TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH",
        "Trang 1/",
    ):
        assert heading in text, heading
    for line in data["totals"]:
        assert _squash(line) in text, line

    # XLSX: the same numbers as the JSON.
    r = requests.get(report_url, params={"format": "xlsx"}, headers=admin, timeout=60)
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    sheet = [row for row in ws.iter_rows(values_only=True) if row and isinstance(row[0], int)]
    by_code = {row[1]: row for row in sheet}
    for jrow in data["rows"]:
        xrow = by_code[jrow["commune_code"]]
        cells = [str(v or "").split("\n")[0] for v in xrow[3:6]]
        assert cells == [jrow[k]["text"] for k in ("service_center", "committee_hq", "square")]
    xcenter = next(row for row in sheet if row[1] == center["unit_name"])
    c = center["cameras"]
    assert list(xcenter[2:7]) == [
        c["cameras"],
        c["connected"] + c["unstable"],
        c["lost"],
        c["never"],
        c["unstable"],
    ]

    r = requests.get(report_url, params={"format": "html"}, headers=admin, timeout=60)
    assert r.headers["content-type"].startswith("text/html")
    assert "TÌNH TRẠNG KẾT NỐI CAMERA" in r.text

    # A ward's operator gets its own row only, and may not write notes.
    operator = {"Authorization": f"Bearer {_operator_token(gateway, gateway_env, 'commune-61')}"}
    own = requests.get(report_url, headers=operator, timeout=60).json()
    assert [r["commune_code"] for r in own["rows"]] == ["61"]
    assert (own["service_centers"], own["departments"]) == ([], [])
    r = requests.put(f"{report_url}/notes/61", json={"text": "x"}, headers=operator, timeout=30)
    assert r.status_code == 403
    assert r.json()["code"] == "gateway.authz.role_forbidden"

    # As of yesterday the cameras were not yet registered.
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    past = requests.get(report_url, params={"as_of": yesterday}, headers=admin, timeout=60)
    assert past.status_code == 200, past.text
    assert past.json()["as_of"] is not None
    past61 = next(r for r in past.json()["rows"] if r["commune_code"] == "61")
    assert past61["service_center"]["cameras"] == 0


def test_a_unit_deactivation_waits_for_the_province_admin_and_the_annual_report(
    gateway: ServiceProcess, gateway_env: dict[str, str], admin_token: str, tmp_path: Path
) -> None:
    """Issue 14 items 2 and 4 through the gateway: 202 with the change request, the camera
    still reported until approval; the annual report's XLSX and PDF say what its JSON says."""
    api = f"{gateway.url}/api/v1"
    admin = {"Authorization": f"Bearer {admin_token}"}
    op = {"Authorization": f"Bearer {_operator_token(gateway, gateway_env, 'commune-04')}"}
    cam = f"E2E-04-HQ-{os.getpid()}"
    r = requests.post(
        f"{api}/cameras",
        headers=admin,
        json={
            "id": cam,
            "name": "Cổng UBND",
            "commune_code": "04",
            "site_kind": "committee_hq",
            "rtsp_url": "rtsp://10.4.4.4/1",
        },
        timeout=10,
    )
    assert r.status_code == 201, r.text

    def hq_cameras() -> int:
        report = requests.get(f"{api}/reports/connection-status", headers=admin, timeout=30).json()
        row = next(x for x in report["rows"] if x["commune_code"] == "04")
        return int(row["committee_hq"]["cameras"])

    counted = hq_cameras()
    r = requests.post(
        f"{api}/cameras/{cam}/deactivate", headers=op, json={"reason": "Thay thiết bị"}, timeout=10
    )
    assert r.status_code == 202, r.text
    change = r.json()
    assert (change["status"], change["kind"], change["camera_id"]) == ("pending", "deactivate", cam)
    assert hq_cameras() == counted  # still reported
    waiting = requests.get(f"{api}/cameras/{cam}", headers=op, timeout=10).json()
    assert (waiting["active"], waiting["pending_change_id"]) == (True, change["id"])
    mine = requests.get(f"{api}/camera-changes", headers=op, timeout=10).json()["items"]
    assert change["id"] in {c["id"] for c in mine}
    r = requests.post(f"{api}/camera-changes/{change['id']}/approve", headers=op, timeout=10)
    assert r.status_code == 403, r.text
    r = requests.post(f"{api}/camera-changes/{change['id']}/approve", headers=admin, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    assert requests.get(f"{api}/cameras/{cam}", headers=admin, timeout=10).json()["active"] is False
    assert hq_cameras() == counted - 1

    year = dt.datetime.now(dt.UTC).year
    own = requests.get(f"{api}/reports/annual", headers=op, params={"year": year}, timeout=60)
    assert own.status_code == 200, own.text
    assert [row["unit_id"] for row in own.json()["rows"]] == ["commune-04"]
    data = requests.get(f"{api}/reports/annual", headers=admin, params={"year": year}, timeout=60)
    assert data.status_code == 200, data.text
    rows = data.json()["rows"]
    assert len(rows) >= 93  # 92 communes and the service center
    xlsx = requests.get(
        f"{api}/reports/annual", headers=admin, params={"year": year, "format": "xlsx"}, timeout=60
    )
    assert xlsx.status_code == 200, xlsx.text
    assert xlsx.headers["content-disposition"].endswith(f'bao-cao-nam-{year}.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.content))["Báo cáo năm"]
    body = [r for r in sheet.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert [(r[0], r[1], r[2], r[3], r[4], r[6], r[15], r[16]) for r in body] == [
        (
            x["number"],
            x["unit_name"],
            x["cameras"],
            x["connected"],
            x["never"],
            x["incidents"],
            x["score"],
            x["grade"],
        )
        for x in rows
    ]
    pdf = requests.get(
        f"{api}/reports/annual", headers=admin, params={"year": year, "format": "pdf"}, timeout=60
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "annual.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())  # table headings wrap inside their cells
    for heading in (
        f"BÁO CÁO NĂM {year}",
        "Camera đăng ký",
        "Khắc phục trong 3 ngày",
        "Xếp loại",
        "CÁCH TÍNH ĐIỂM",
        "Trang 1/",
    ):
        assert heading in text, heading
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
        check=True,
    )
    assert (tmp_path / "p-1.png").stat().st_size > 10_000  # page 1 renders

    # The same report from the command line (the gateway's settings), and the change list.
    cli = run_tncam(
        gateway_env, "annual-report", "--year", str(year), "--format", "json", "-o", "-"
    )
    assert cli.returncode == 0, cli.stderr
    assert [r["unit_id"] for r in json.loads(cli.stdout)["rows"]] == [r["unit_id"] for r in rows]
    listed = run_tncam(gateway_env, "cameras", "changes", "--status", "approved", "--camera", cam)
    assert listed.returncode == 0, listed.stderr
    assert change["id"] in listed.stdout
    assert "đã duyệt" in listed.stdout
