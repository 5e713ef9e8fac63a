"""Issue 3's "done when": a fleet described only by an imported CSV and live RTSP endpoints.

Registry and ingest run as processes against the simulated cameras. The report alone then
shows connected / lost / never cells and totals: a camera whose RTSP mount is taken off the
network turns `lost` within 10 s, a camera whose URL answers nothing stays `never`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tncam.registry.v1 import camera_state_pb2, service_pb2
from tncam_contracts import catalog
from tncam_mesh.bus import connect
from tncam_mesh.rpc import call
from tncam_testkit.cameras import CameraSimulator
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.procs import free_port, start_together
from tncam_testkit.services import ServiceProcess

from .conftest import run_tncam

pytestmark = pytest.mark.e2e

ADMIN = {"id": "e2e-admin", "display_name": "Quản trị", "role": 1}
# Commune 21, 22, 23: one service-center camera each; only used by this test.
LIVE, LOST, NEVER = "FL-21-TT", "FL-22-TT", "FL-23-TT"


@pytest.fixture
def fleet(
    empty_registry: None,
    mesh_env: dict[str, str],
    migrated_database: MigratedDatabase,
    camera_fleet: CameraSimulator,
    namespace: str,
    tmp_path: Path,
) -> Iterator[dict[str, str]]:
    env = {
        **mesh_env,
        "TNCAM_NATS_NAMESPACE": namespace,
        "TNCAM_INGEST_SPOOL_DIR": str(tmp_path / "spool"),
        "TNCAM_INGEST_SEGMENT_TARGET_S": "2",
        "TNCAM_INGEST_RTSP_TIMEOUT_S": "2",
        "TNCAM_INGEST_RECONNECT_MAX_S": "2",
        "TNCAM_REGISTRY_SWEEP_INTERVAL_S": "0.5",
    }
    procs = [
        ServiceProcess("registry", env=env, log_dir=tmp_path),
        ServiceProcess("ingest", env=env, log_dir=tmp_path),
    ]
    try:
        start_together(procs)
        yield env
    finally:
        for p in procs:
            p.stop()
        camera_fleet.set_reachable(2, True)


def _state(env: dict[str, str], camera_id: str) -> int:
    async def get() -> int:
        bus = await connect(env["TNCAM_NATS_URL"], name="e2e-fleet", timeout=5)
        try:
            reply = await call(
                bus,
                catalog.REGISTRY_GET_CAMERA,
                service_pb2.GetCameraRequest(actor=ADMIN, id=camera_id),
                service_pb2.GetCameraReply,
                namespace=env["TNCAM_NATS_NAMESPACE"],
            )
            return int(reply.camera.state)
        finally:
            await bus.close()

    return asyncio.run(get())


def _wait_state(env: dict[str, str], camera_id: str, state: int, timeout: float) -> float:
    started = time.monotonic()
    while _state(env, camera_id) != state:
        assert time.monotonic() - started < timeout, (camera_id, _state(env, camera_id))
        time.sleep(0.25)
    return time.monotonic() - started


def _tncam(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    result = run_tncam(env, *args, text=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_report_of_an_imported_fleet_follows_the_live_cameras(
    fleet: dict[str, str], camera_fleet: CameraSimulator, tmp_path: Path
) -> None:
    unreachable = f"rtsp://127.0.0.1:{free_port()}/nothing-here"
    rows = [
        ["code", "name", "commune_code", "site_kind", "rtsp_url"],
        [LIVE, "Cổng TTPVHCC 21", "21", "service_center", camera_fleet.url(1)],
        [LOST, "Cổng TTPVHCC 22", "22", "service_center", camera_fleet.url(2)],
        [NEVER, "Cổng TTPVHCC 23", "23", "service_center", unreachable],
    ]
    path = tmp_path / "fleet.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    _tncam(fleet, "cameras", "import", str(path))

    _wait_state(fleet, LIVE, camera_state_pb2.CAMERA_STATE_CONNECTED, 30)
    _wait_state(fleet, LOST, camera_state_pb2.CAMERA_STATE_CONNECTED, 30)
    camera_fleet.set_reachable(2, False)
    took = _wait_state(fleet, LOST, camera_state_pb2.CAMERA_STATE_LOST, 10)
    assert took < 10
    assert _state(fleet, NEVER) == camera_state_pb2.CAMERA_STATE_NEVER

    cells = {"21": "Có", "22": "Mất kết nối", "23": "Chưa kết nối"}
    report = json.loads(_tncam(fleet, "report", "connection", "--format", "json", "-o", "-").stdout)
    text = json.dumps(report, ensure_ascii=False)
    for commune, cell in cells.items():
        assert commune in text
        assert cell in text
    rendered = _tncam(fleet, "report", "connection", "--format", "csv", "-o", "-").stdout
    table = list(csv.reader(io.StringIO(rendered.decode("utf-8-sig"))))
    by_code = {r[1]: r for r in table[1:] if len(r) > 3}
    for commune, cell in cells.items():
        assert by_code[commune][3] == cell, by_code[commune]
    xlsx = tmp_path / "report.xlsx"
    _tncam(fleet, "report", "connection", "--format", "xlsx", "-o", str(xlsx))
    sheet = load_workbook(xlsx).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    flat = [str(v) for row in values for v in row if v is not None]
    for cell in cells.values():
        assert cell in flat
    totals = [v for v in flat if v.startswith("Tổng số Camera TTPVHCC")]
    assert any(t.endswith(": 1") and "Mất kết nối" in t for t in totals), totals
