"""The registry as a process, driven by the ``tncam`` CLI and by camera status events.

A fleet described only by an imported CSV: its report reproduces the connected / lost / never
cells and totals once the status events of ingest arrive (here published by the test; with the
real ingest they come from live RTSP sessions).
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tncam.camera.v1 import status_pb2
from tncam_contracts import catalog
from tncam_mesh.bus import connect
from tncam_mesh.jetstream import publish
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.nats import NatsServer
from tncam_testkit.services import ServiceProcess

from .conftest import run_tncam as tncam

pytestmark = pytest.mark.e2e

SECRET = "e2e-Secret-Pw"


@pytest.fixture
def env(
    nats_server: NatsServer, migrated_database: MigratedDatabase, namespace: str
) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("TNCAM_")}
    e.update(migrated_database.env())
    e.update(
        {
            "TNCAM_ENVIRONMENT": "test",
            "TNCAM_NATS_URL": nats_server.url,
            "TNCAM_NATS_NAMESPACE": namespace,
            "TNCAM_REGISTRY_CREDENTIALS_KEY": "e2e-credentials-key",
            "TNCAM_REGISTRY_SWEEP_INTERVAL_S": "0.5",
        }
    )
    return e


@pytest.fixture
def registry_proc(
    empty_registry: None, env: dict[str, str], migrated_database: MigratedDatabase, tmp_path: Path
) -> Iterator[ServiceProcess]:
    proc = ServiceProcess("registry", env=env, log_dir=tmp_path)
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


HEADER = ["code", "name", "commune_code", "site_kind", "rtsp_url", "codec"]
FLEET = [
    [
        "e2e-01-sc",
        "TTPVHCC",
        "01",
        "service_center",
        f"rtsp://admin:{SECRET}@127.0.0.1:8554/cam1",
        "H.265",
    ],
    ["e2e-01-hq", "Trụ sở", "01", "committee_hq", "rtsp://127.0.0.1:8554/cam2", "H.265"],
    ["e2e-02-sq", "Quảng trường", "02", "square", "rtsp://127.0.0.1:9/unreachable", "H.265"],
]


async def _publish_status(nats_url: str, ns: str) -> None:
    bus = await connect(nats_url, name="e2e-ingest-stand-in", timeout=5.0)
    try:
        now = dt.datetime.now(dt.UTC)
        events = [
            ("e2e-01-sc", True, now - dt.timedelta(minutes=10)),
            ("e2e-01-hq", True, now - dt.timedelta(minutes=10)),
            ("e2e-01-hq", False, now - dt.timedelta(seconds=5)),
            ("e2e-02-sq", False, now - dt.timedelta(minutes=9)),
        ]
        for i, (cam, up, at) in enumerate(events):
            msg = status_pb2.CameraStatusChanged(
                camera_id=cam,
                state=status_pb2.CONNECTION_STATE_CONNECTED
                if up
                else status_pb2.CONNECTION_STATE_DISCONNECTED,
                reason=status_pb2.DISCONNECT_REASON_NONE
                if up
                else status_pb2.DISCONNECT_REASON_REFUSED,
            )
            msg.observed_at.FromDatetime(at)
            await publish(
                bus.js, catalog.CAMERA_STATUS_CHANGED.subject(cam, ns), msg, msg_id=f"e2e-{i}"
            )
    finally:
        await bus.close()


def test_cli_import_and_report(
    registry_proc: ServiceProcess, env: dict[str, str], tmp_path: Path
) -> None:
    bad = write_csv(
        tmp_path / "bad.csv", [HEADER, FLEET[0], ["e2e-x", "X", "99", "square", "ftp://h/1", ""]]
    )
    result = tncam(env, "cameras", "import", str(bad))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "dòng 3, cột commune_code" in result.stderr
    assert "dòng 3, cột rtsp_url" in result.stderr
    assert "không camera nào được nhập" in result.stderr
    listed = tncam(env, "cameras", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == ""

    good = write_csv(tmp_path / "fleet.csv", [HEADER, *FLEET])
    result = tncam(env, "cameras", "import", str(good))
    assert result.returncode == 0, result.stderr
    assert "3 camera mới" in result.stdout

    asyncio.run(_publish_status(env["TNCAM_NATS_URL"], env["TNCAM_NATS_NAMESPACE"]))

    expected = {"01": ["Có", "Mất kết nối", ""], "02": ["", "", "Chưa kết nối"]}
    for _ in range(50):
        report = tncam(env, "report", "connection", "--format", "csv", "-o", "-")
        assert report.returncode == 0, report.stderr
        rows = {
            r[1]: r[3:6]
            for r in csv.reader(io.StringIO(report.stdout.lstrip("\ufeff")))
            if len(r) > 5
        }
        if all(rows.get(code) == cells for code, cells in expected.items()):
            break
        time.sleep(0.2)
    assert all(rows.get(code) == cells for code, cells in expected.items()), rows
    assert "Tổng số Camera Trụ sở UBND Mất kết nối lên C_Thai Nguyen: 1" in report.stdout
    assert (
        "Tổng số Camera Quảng trường, khu vực công cộng Chưa kết nối lên C_Thai Nguyen: 1"
        in report.stdout
    )

    out = tmp_path / "bao-cao.xlsx"
    result = tncam(env, "report", "connection", "--format", "xlsx", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:2] == b"PK"
    assert SECRET not in registry_proc.log_path.read_text()

    # A unit's notification targets and the notices (ADR 0025): the CLI's parity with the
    # gateway's routes. The webhook secret comes from a file and never comes back nor is logged.
    secret_file = tmp_path / "hook-secret"
    hook_secret = "whsec-" + secrets.token_urlsafe(16)
    secret_file.write_text(hook_secret + "\n", encoding="utf-8")
    result = tncam(
        env,
        "notifications",
        "set",
        "commune-01",
        "--email",
        "it.xa01@thainguyen.gov.vn",
        "--webhook",
        f"https://hooks.example/xa01={secret_file}",
    )
    assert result.returncode == 0, result.stderr
    shown = tncam(env, "notifications", "targets", "commune-01")
    assert shown.returncode == 0, shown.stderr
    targets = json.loads(shown.stdout)["targets"]
    assert targets["emails"] == ["it.xa01@thainguyen.gov.vn"]
    assert targets["webhooks"] == [{"url": "https://hooks.example/xa01", "has_secret": True}]
    refused = tncam(env, "notifications", "set", "commune-01", "--email", "not-an-address")
    assert refused.returncode != 0
    assert "invalid_email" in refused.stderr
    kept = json.loads(tncam(env, "notifications", "targets", "commune-01").stdout)["targets"]
    assert kept["emails"] == ["it.xa01@thainguyen.gov.vn"]  # nothing written by the refusal
    listed = tncam(env, "notifications", "list", "--unit", "commune-01")
    assert listed.returncode == 0, listed.stderr
    assert isinstance(json.loads(listed.stdout).get("notices", []), list)
    assert hook_secret not in registry_proc.log_path.read_text()
