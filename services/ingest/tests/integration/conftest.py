"""Fixtures for ingest integration tests: a worker in this process against real NATS and RTSP."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.message import Message
from nats.aio.msg import Msg

from tncam.camera.v1 import snapshot_pb2, stats_pb2, status_pb2
from tncam.recording.v1 import segment_pb2
from tncam.registry.v1 import camera_config_pb2
from tncam_contracts.catalog import (
    AUDIT_STREAM,
    CAMERA_CONFIG_KV,
    CAMERA_STREAM,
    HEADER_TYPE,
    RECORDING_HANDOFF_STREAM,
)
from tncam_ingest.metrics import IngestMetrics
from tncam_ingest.service.worker import IngestWorker
from tncam_ingest.settings import IngestSettings
from tncam_ingest.storage.snapshots import SnapshotStore
from tncam_mesh.bus import Bus, connect
from tncam_mesh.jetstream import ensure_kv, ensure_stream
from tncam_testkit.cameras import CameraClips, make_clips
from tncam_testkit.nats import NatsServer

X265 = (
    "keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:open-gop=0:repeat-headers=1:log-level=error"
)


@dataclass
class Events:
    """Everything ingest published under a namespace, decoded, in arrival order."""

    status: list[status_pb2.CameraStatusChanged] = field(default_factory=list)
    stats: list[stats_pb2.StreamStats] = field(default_factory=list)
    snapshots: list[snapshot_pb2.SnapshotTaken] = field(default_factory=list)
    segments: list[segment_pb2.SegmentClosed] = field(default_factory=list)

    def of(self, kind: str, camera_id: str) -> list[Any]:
        return [m for m in getattr(self, kind) if m.camera_id == camera_id]

    async def wait_for(
        self, predicate: Callable[[], object], timeout: float, what: str = "condition"
    ) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            await asyncio.sleep(0.1)


_TYPES: dict[str, type[Message]] = {
    "tncam.camera.v1.CameraStatusChanged": status_pb2.CameraStatusChanged,
    "tncam.camera.v1.StreamStats": stats_pb2.StreamStats,
    "tncam.camera.v1.SnapshotTaken": snapshot_pb2.SnapshotTaken,
    "tncam.recording.v1.SegmentClosed": segment_pb2.SegmentClosed,
}
_LISTS = {
    "tncam.camera.v1.CameraStatusChanged": "status",
    "tncam.camera.v1.StreamStats": "stats",
    "tncam.camera.v1.SnapshotTaken": "snapshots",
    "tncam.recording.v1.SegmentClosed": "segments",
}


@dataclass
class Harness:
    """A bus, a namespace, and helpers to configure cameras and run workers."""

    bus: Bus
    namespace: str
    nats_url: str
    tmp: Path
    events: Events

    def settings(self, **overrides: Any) -> IngestSettings:
        values: dict[str, Any] = {
            "environment": "test",
            "nats_url": self.nats_url,
            "nats_namespace": self.namespace,
            "spool_dir": self.tmp / f"spool-{overrides.get('worker_id', 'w1')}",
            "worker_id": "w1",
            "segment_target_s": 2.0,
            "stats_interval_s": 1.0,
            "snapshot_interval_s": 1.3,
            "reconnect_initial_s": 0.5,
            "reconnect_max_s": 2.0,
            "rtsp_timeout_s": 3.0,
            "lease_renew_s": 1.0,
            "lease_fence_s": 6.0,
        }
        values.update(overrides)
        return IngestSettings(**values)

    async def put_camera(
        self, camera_id: str, url: str, *, active: bool = True, revision: int = 1, **kw: Any
    ) -> None:
        kv = await ensure_kv(self.bus.js, CAMERA_CONFIG_KV.scoped(self.namespace))
        cfg = camera_config_pb2.CameraIngestConfig(
            camera_id=camera_id,
            revision=revision,
            active=active,
            rtsp_url=url,
            expected_codec="hevc",
            retention_days=30,
            **kw,
        )
        await kv.put(camera_id, cfg.SerializeToString())

    @contextlib.asynccontextmanager
    async def worker(
        self, snapshots: SnapshotStore | None = None, **overrides: Any
    ) -> AsyncIterator[IngestWorker]:
        settings = self.settings(**overrides)
        worker = IngestWorker(settings, self.bus, IngestMetrics(), snapshots)
        await worker.open()
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        try:
            yield worker
        finally:
            stop.set()
            async with asyncio.timeout(20):
                await task


@pytest.fixture
async def harness(
    nats_server: NatsServer, namespace: str, tmp_path: Path
) -> AsyncIterator[Harness]:
    bus = await connect(nats_server.url, name="ingest-test")
    for spec in (CAMERA_STREAM, RECORDING_HANDOFF_STREAM, AUDIT_STREAM):
        await ensure_stream(bus.js, spec.scoped(namespace))
    events = Events()

    async def on_msg(msg: Msg) -> None:
        kind = (msg.headers or {}).get(HEADER_TYPE, "")
        cls = _TYPES.get(kind)
        if cls is not None:
            getattr(events, _LISTS[kind]).append(cls.FromString(msg.data))

    sub_cam = await bus.nc.subscribe(f"{namespace}.tncam.camera.v1.>", cb=on_msg)
    sub_seg = await bus.nc.subscribe(f"{namespace}.tncam.recording.v1.>", cb=on_msg)
    try:
        yield Harness(bus, namespace, nats_server.url, tmp_path, events)
    finally:
        await sub_cam.unsubscribe()
        await sub_seg.unsubscribe()
        await bus.close()


def encode_clip(dest: Path, source: str, *, codec: str, fps: int, seconds: int, gop: int) -> Path:
    """An Annex-B clip of a lavfi ``source`` (closed GOPs, no B-frames), cached."""
    if dest.exists():
        return dest
    if codec == "h265":
        enc = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", X265.format(gop=gop)]
        enc += ["-f", "hevc"]
    else:
        enc = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", str(gop)]
        enc += ["-keyint_min", str(gop), "-sc_threshold", "0", "-bf", "0", "-f", "h264"]
    tmp = dest.with_name(dest.name + ".tmp")
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"),
            *("-i", f"{source}:rate={fps}", "-t", str(seconds), "-pix_fmt", "yuv420p"),
            *enc,
            str(tmp),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    tmp.replace(dest)
    return dest


@pytest.fixture(scope="session")
def quality_clips(tmp_path_factory: pytest.TempPathFactory) -> CameraClips:
    """H.265 = a black picture, H.264 = a still test pattern (frozen): 320x240, 10 fps."""
    d = tmp_path_factory.mktemp("quality-clips")
    black = encode_clip(
        d / "black.h265", "color=c=black:size=320x240", codec="h265", fps=10, seconds=4, gop=10
    )
    frozen = encode_clip(
        d / "bars.h264", "smptebars=size=320x240", codec="h264", fps=10, seconds=4, gop=10
    )
    return CameraClips(h265=black, h264=frozen, width=320, height=240, fps=10, seconds=4, gop=10)


@pytest.fixture(scope="session")
def bframe_clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the B-frame clips (``make_bframe_clip``) are made once for the whole run."""
    return tmp_path_factory.mktemp("bframe-clips")


@pytest.fixture(scope="session")
def long_gop_clips(tmp_path_factory: pytest.TempPathFactory) -> CameraClips:
    """Clips with one keyframe every 8 s (for the missing-keyframe test)."""
    return make_clips(tmp_path_factory.mktemp("long-gop"), fps=10, seconds=8, gop=80)
