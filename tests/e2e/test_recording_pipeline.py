"""Issue 5's e2e: 4 simulated cameras recorded for 2 minutes through ingest and the recorder.

Registry, ingest and recorder run as processes. The fleet is imported with `tncam cameras
import`; ingest pulls the RTSP mounts and hands 2-second segments to the recorder. In the
middle of the window one mount is taken off the network for about 20 s. The recorder's
timeline and gap report then show no gap for the three other cameras (cam4 is H.264: recorded,
flagged non-compliant) and exactly one gap for the stopped camera, where the outage was.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from google.protobuf.message import Message

from tncam.recording.v1 import recording_api_pb2 as api
from tncam_contracts import catalog
from tncam_mesh.bus import connect
from tncam_mesh.rpc import call
from tncam_testkit.cameras import CameraSimulator
from tncam_testkit.database import MigratedDatabase
from tncam_testkit.procs import start_together
from tncam_testkit.services import ServiceProcess

from .conftest import run_tncam, ts

pytestmark = pytest.mark.e2e

R = TypeVar("R", bound=Message)
# Commune 31-34: one service-center camera each, only used by this test.
CAMERAS = {n: f"RP-3{n}-TT" for n in (1, 2, 3, 4)}
STOPPED = 2  # the mount taken off the network
RECORD_S = 120.0  # the window checked for gaps
DOWN_AT_S, DOWN_FOR_S = 50.0, 20.0  # outage start (into the window) and length
# Where the gap may start/end relative to the mount going down/up: ingest keeps what it had
# cut before the drop (a segment is ~2 s), reconnects with a <= 2 s backoff and starts at the
# first keyframe; a loaded 2-core machine adds a little.
START_SLACK = (-6.0, 3.0)
END_SLACK = (-1.0, 8.0)
UTC7 = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def pipeline(
    empty_registry: None,
    mesh_env: dict[str, str],
    migrated_database: MigratedDatabase,
    camera_fleet: CameraSimulator,
    namespace: str,
    tmp_path: Path,
) -> Iterator[dict[str, str]]:
    for n in CAMERAS:
        camera_fleet.set_reachable(n, True)
    env = {
        **mesh_env,
        "TNCAM_NATS_NAMESPACE": namespace,
        "TNCAM_INGEST_SPOOL_DIR": str(tmp_path / "spool"),
        "TNCAM_INGEST_SEGMENT_TARGET_S": "2",
        "TNCAM_INGEST_RTSP_TIMEOUT_S": "2",
        "TNCAM_INGEST_RECONNECT_MAX_S": "2",
        "TNCAM_REGISTRY_SWEEP_INTERVAL_S": "0.5",
        "TNCAM_RECORDER_BUCKET": f"e2e-rp-{uuid.uuid4().hex[:10]}",
    }
    procs = [
        ServiceProcess("registry", env=env, log_dir=tmp_path),
        ServiceProcess("recorder", env=env, log_dir=tmp_path),
        ServiceProcess("ingest", env=env, log_dir=tmp_path),
    ]
    started: list[ServiceProcess] = []
    try:
        start_together(procs)
        started = procs
        yield env
    finally:
        camera_fleet.set_reachable(STOPPED, True)
        for p in reversed(started):
            p.stop()
        recorder_log = (tmp_path / "recorder.log").read_text()
        assert mesh_env["TNCAM_S3_SECRET_KEY"] not in recorder_log
        assert mesh_env["TNCAM_RECORDER_SIGNING_KEY"] not in recorder_log


def _rpc(env: dict[str, str], spec: catalog.RequestSpec, req: Message, reply: type[R]) -> R:
    async def go() -> R:
        bus = await connect(env["TNCAM_NATS_URL"], name="e2e-recording", timeout=5)
        try:
            return await call(
                bus, spec, req, reply, namespace=env["TNCAM_NATS_NAMESPACE"], timeout=15
            )
        finally:
            await bus.close()

    return asyncio.run(go())


def _timeline(
    env: dict[str, str], camera_id: str, start: dt.datetime, end: dt.datetime
) -> api.TimelineReply:
    return _rpc(
        env,
        catalog.RECORDING_GET_TIMELINE,
        api.GetTimelineRequest(camera_id=camera_id, start=ts(start), end=ts(end)),
        api.TimelineReply,
    )


def _spans(ranges: object) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(r.start.ToDatetime(dt.UTC), r.end.ToDatetime(dt.UTC)) for r in ranges]  # type: ignore[attr-defined]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _sleep_until(t: dt.datetime) -> None:
    time.sleep(max(0.0, (t - _now()).total_seconds()))


def test_four_cameras_recorded_with_one_gap_where_a_mount_was_stopped(
    pipeline: dict[str, str], camera_fleet: CameraSimulator, tmp_path: Path
) -> None:
    env = pipeline
    rows = [["code", "name", "commune_code", "site_kind", "rtsp_url"]]
    for n, code in CAMERAS.items():
        rows.append([code, f"Cổng TTPVHCC 3{n}", f"3{n}", "service_center", camera_fleet.url(n)])
    path = tmp_path / "fleet.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    imported = run_tncam(env, "cameras", "import", str(path), text=False)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    began = _now()

    # Steady state: every camera has segments stored.
    deadline = time.monotonic() + 60
    while True:
        recorded = {
            code: _timeline(env, code, began - dt.timedelta(minutes=1), _now()).recorded_seconds
            for code in CAMERAS.values()
        }
        if all(s > 0 for s in recorded.values()):
            break
        assert time.monotonic() < deadline, f"cameras not recording after 60 s: {recorded}"
        time.sleep(1)
    w0 = _now() + dt.timedelta(seconds=2)
    w1 = w0 + dt.timedelta(seconds=RECORD_S)

    _sleep_until(w0 + dt.timedelta(seconds=DOWN_AT_S))
    try:
        camera_fleet.set_reachable(STOPPED, False)
        down = _now()
        _sleep_until(down + dt.timedelta(seconds=DOWN_FOR_S))
    finally:
        camera_fleet.set_reachable(STOPPED, True)
    up = _now()
    _sleep_until(w1)

    # Wait until every camera's recording reaches the end of the window (in-flight segments).
    deadline = time.monotonic() + 45
    while True:
        ends = {
            code: max((e for _, e in _spans(_timeline(env, code, w0, w1).recorded)), default=w0)
            for code in CAMERAS.values()
        }
        if all(e >= w1 for e in ends.values()):
            break
        assert time.monotonic() < deadline, f"recording did not reach {w1}: {ends}"
        time.sleep(1)

    timelines = {code: _timeline(env, code, w0, w1) for code in CAMERAS.values()}
    for n, code in CAMERAS.items():
        tl = timelines[code]
        if n == STOPPED:
            continue
        assert _spans(tl.gaps) == [], (code, _spans(tl.gaps))
        assert tl.recorded_seconds >= RECORD_S - 0.5, (code, tl.recorded_seconds)

    stopped = CAMERAS[STOPPED]
    gaps = _spans(timelines[stopped].gaps)
    assert len(gaps) == 1, gaps
    ((gap_start, gap_end),) = gaps
    start_off = (gap_start - down).total_seconds()
    end_off = (gap_end - up).total_seconds()
    print(f"outage {down:%H:%M:%S.%f}-{up:%H:%M:%S.%f}: gap {gap_start}-{gap_end}")
    print(f"gap start {start_off:+.2f} s from down, gap end {end_off:+.2f} s from up")
    assert START_SLACK[0] <= start_off <= START_SLACK[1], (gap_start, down)
    assert END_SLACK[0] <= end_off <= END_SLACK[1], (gap_end, up)

    # The day's gap report says the same inside the window (its day also covers the hours
    # before this test recorded anything).
    dates = sorted({t.astimezone(UTC7).date().isoformat() for t in (w0, w1)})
    in_window: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {c: [] for c in CAMERAS.values()}
    for date in dates:
        report = _rpc(
            env,
            catalog.RECORDING_GET_GAP_REPORT,
            api.GetGapReportRequest(camera_ids=list(CAMERAS.values()), date=date),
            api.GapReportReply,
        )
        assert sorted(c.camera_id for c in report.cameras) == sorted(CAMERAS.values())
        for day in report.cameras:
            in_window[day.camera_id] += [
                (max(s, w0), min(e, w1)) for s, e in _spans(day.gaps) if e > w0 and s < w1
            ]
    assert in_window == {code: (gaps if code == stopped else []) for code in CAMERAS.values()}, (
        in_window
    )
