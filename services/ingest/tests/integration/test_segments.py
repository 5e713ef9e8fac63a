"""Segments, status and stats from real simulated cameras through a worker in this process."""

from __future__ import annotations

import io
import itertools
import logging

import av
import pytest

from tncam.camera.v1 import status_pb2
from tncam.recording.v1 import segment_pb2
from tncam_ingest.media.fmp4 import top_level_boxes
from tncam_testkit.cameras import CameraSimulator

pytestmark = pytest.mark.integration

CONNECTED = status_pb2.CONNECTION_STATE_CONNECTED
DISCONNECTED = status_pb2.CONNECTION_STATE_DISCONNECTED


def decode_all(data: bytes) -> list[float]:
    """Decode every frame of an MP4 in memory; their presentation times in seconds."""
    times: list[float] = []
    with av.open(io.BytesIO(data), "r", format="mp4") as c:
        for frame in c.decode(video=0):
            assert frame.time is not None
            times.append(float(frame.time))
    return times


async def test_segments_are_valid_fmp4_with_no_gaps(harness, camera_fleet: CameraSimulator):
    await harness.put_camera("cam1", camera_fleet.url(1))
    await harness.put_camera("cam4", camera_fleet.url(4))
    ev = harness.events
    async with harness.worker():
        await ev.wait_for(
            lambda: len(ev.of("segments", "cam1")) >= 4 and len(ev.of("segments", "cam4")) >= 2,
            timeout=30,
            what="segments",
        )
        await ev.wait_for(lambda: ev.of("stats", "cam4"), timeout=10, what="stats")
    segs: list[segment_pb2.SegmentClosed] = ev.of("segments", "cam1")
    # In order, one session, gap-free sequence and wall-clock times.
    assert [s.sequence for s in segs] == list(range(len(segs)))
    assert len({s.session_id for s in segs}) == 1
    for a, b in itertools.pairwise(segs):
        assert a.segment_end == b.segment_start, (a.idempotency_key, b.idempotency_key)
    full = segs[:-1]  # the last one may be the session's tail, cut at shutdown
    for i, s in enumerate(full):
        assert s.keyframe_at_start
        assert s.codec == "hevc"
        assert s.codec_string.startswith("hvc1.")
        assert s.init_included
        assert s.idempotency_key.startswith("cam1:")
        # GOP = 1 s. The first segment waited for the camera's first sender report
        # (FIRST_REPORT_WAIT_S, 5 s): whole GOPs longer when it came after the 2 s target.
        gops = round(s.duration.ToTimedelta().total_seconds())
        assert abs(s.duration.ToTimedelta().total_seconds() - gops) < 0.01
        assert gops == 2 or (i == 0 and 2 < gops <= 2 + 5 + 1), (i, gops)
        assert [b for b, _ in top_level_boxes(s.init_segment)] == ["ftyp", "moov"]
        assert {b for b, _ in top_level_boxes(s.media_bytes)} <= {"moof", "mdat", "styp"}
        assert b"hvc1" in s.init_segment
        assert b"hev1" not in s.init_segment
        times = decode_all(s.init_segment + s.media_bytes)
        assert len(times) == s.frames == 10 * gops  # 10 fps
    # The whole session concatenated plays with no gap at segment boundaries.
    joined = segs[0].init_segment + b"".join(s.media_bytes for s in full)
    times = decode_all(joined)
    assert len(times) == sum(s.frames for s in full)
    steps = {round(b - a, 3) for a, b in itertools.pairwise(times)}
    assert steps == {0.1}, steps

    # Status: connected; stats: measured on packets, H.264 flagged non-compliant (R16).
    assert ev.of("status", "cam1")[0].state == CONNECTED
    h264 = ev.of("stats", "cam4")[-1]
    assert h264.codec == "h264"
    assert not h264.compliant
    h265 = ev.of("stats", "cam1")[-1]
    assert h265.codec == "hevc"
    assert h265.compliant
    assert (h265.width, h265.height) == (320, 240)
    # 10 fps over 1 s stats windows, read in 0.25 s batches: on a loaded machine a window
    # can miss or gain most of a batch (6.98 was seen once at load 25).
    assert 5 <= h265.fps <= 15
    assert h265.bitrate_bps > 0
    assert h265.gop_length_frames == 10
    cam4_connected = [s for s in ev.of("status", "cam4") if s.state == CONNECTED]
    assert "non-compliant" in cam4_connected[0].detail
    h264_segs = ev.of("segments", "cam4")
    assert h264_segs[0].codec == "h264"  # still recorded
    decode_all(h264_segs[0].init_segment + h264_segs[0].media_bytes)
    # Lease released at shutdown: the session ended on purpose.
    last = ev.of("status", "cam1")[-1]
    assert last.state == DISCONNECTED
    assert last.reason == status_pb2.DISCONNECT_REASON_LEASE_RELEASED


async def test_stopped_mount_reports_disconnected_then_reconnects(
    harness, camera_fleet: CameraSimulator
):
    await harness.put_camera("cam2", camera_fleet.url(2))
    ev = harness.events
    loop_time = __import__("asyncio").get_running_loop().time
    async with harness.worker():
        await ev.wait_for(
            lambda: any(s.state == CONNECTED for s in ev.of("status", "cam2")),
            timeout=15,
            what="connected",
        )
        try:
            camera_fleet.set_reachable(2, False)
            t0 = loop_time()
            down = await ev.wait_for(
                lambda: [s for s in ev.of("status", "cam2") if s.state == DISCONNECTED],
                timeout=10,
                what="disconnected",
            )
            assert loop_time() - t0 < 10
            assert down[0].reason in (
                status_pb2.DISCONNECT_REASON_STREAM_ENDED,
                status_pb2.DISCONNECT_REASON_NOT_FOUND,
                status_pb2.DISCONNECT_REASON_TIMEOUT,
            )
            assert down[0].session_id
            # While the mount is away, attempts fail with 404.
            await ev.wait_for(
                lambda: any(
                    s.reason == status_pb2.DISCONNECT_REASON_NOT_FOUND
                    for s in ev.of("status", "cam2")
                ),
                timeout=10,
                what="not_found",
            )
        finally:
            camera_fleet.set_reachable(2, True)
        n_connected = sum(s.state == CONNECTED for s in ev.of("status", "cam2"))
        await ev.wait_for(
            lambda: sum(s.state == CONNECTED for s in ev.of("status", "cam2")) > n_connected,
            timeout=15,
            what="reconnected",
        )
    sessions = {s.session_id for s in ev.of("segments", "cam2")}
    assert len(sessions) >= 2  # segments before and after the outage


@pytest.mark.parametrize("auth", ["basic", "digest"])
async def test_credentials_are_resolved_and_never_logged(
    harness, tmp_path, camera_fleet: CameraSimulator, caplog: pytest.LogCaptureFixture, auth: str
):
    from tncam.registry.v1 import credentials_pb2
    from tncam_contracts.catalog import REGISTRY_RESOLVE_CREDENTIALS
    from tncam_mesh.rpc import RpcService

    secret = "s3cr3t-P@ss"
    answers = {"cred-ok": ("viewer", secret), "cred-bad": ("viewer", "wrong-pass")}

    async def resolve(req: credentials_pb2.ResolveCredentialsRequest):
        user, pw = answers[req.credentials_ref]
        return credentials_pb2.ResolveCredentialsReply(username=user, password=pw, revision=1)

    rpc = RpcService(harness.bus, name="registry", version="0.0.0", namespace=harness.namespace)
    await rpc.start()
    await rpc.add(REGISTRY_RESOLVE_CREDENTIALS, credentials_pb2.ResolveCredentialsRequest, resolve)
    caplog.set_level(logging.DEBUG)
    ev = harness.events
    with CameraSimulator(
        tmp_path / "sim",
        cameras=2,
        h264_cameras=(),
        protected_cameras=(1, 2),
        credentials=("viewer", secret),
        auth_method=auth,  # digest: what most IP cameras ask for
        clips=camera_fleet.clips,
    ) as sim:
        await harness.put_camera("good", sim.url(1), credentials_ref="cred-ok")
        await harness.put_camera("bad", sim.url(2), credentials_ref="cred-bad")
        async with harness.worker():
            await ev.wait_for(lambda: ev.of("segments", "good"), timeout=20, what="segment")
            bad = await ev.wait_for(
                lambda: [s for s in ev.of("status", "bad") if s.state == DISCONNECTED],
                timeout=10,
                what="unauthorized",
            )
            assert bad[0].reason == status_pb2.DISCONNECT_REASON_UNAUTHORIZED
            assert "wrong-pass" not in bad[0].detail
    await rpc.stop()
    text = caplog.text
    assert secret not in text
    assert "wrong-pass" not in text
    for m in ev.status + ev.stats:
        assert secret not in str(m)
        assert "wrong-pass" not in str(m)
