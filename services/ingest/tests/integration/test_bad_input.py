"""Bad input: malformed URLs, a server that sends garbage, a stream without keyframes."""

from __future__ import annotations

import asyncio
import os

import pytest

from tncam.camera.v1 import status_pb2
from tncam_testkit.cameras import CameraClips, CameraSimulator

pytestmark = pytest.mark.integration

DISCONNECTED = status_pb2.CONNECTION_STATE_DISCONNECTED
R = status_pb2


async def test_bad_inputs_get_clear_reasons_and_do_not_disturb_others(
    harness, camera_fleet: CameraSimulator, long_gop_clips: CameraClips, tmp_path
):
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1000)
        # Never "$" first: random bytes that begin with it (1 in 256 per connect) read as an
        # interleaved frame, and the closed connection then as a stream that ended.
        writer.write(b"\x00" + os.urandom(4095))
        await writer.drain()
        writer.close()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1000)
        await asyncio.sleep(30)  # accepts, never answers
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    gport = server.sockets[0].getsockname()[1]
    quiet = await asyncio.start_server(silent, "127.0.0.1", 0)
    qport = quiet.sockets[0].getsockname()[1]
    ev = harness.events
    with CameraSimulator(tmp_path / "sim", cameras=1, h264_cameras=(), clips=long_gop_clips) as sim:
        await harness.put_camera("badurl", "rtsp://[::1/stream")
        await harness.put_camera("httpurl", "http://127.0.0.1/stream")
        await harness.put_camera("garbage", f"rtsp://127.0.0.1:{gport}/x")
        await harness.put_camera("nokey", sim.url(1))
        await harness.put_camera("silent", f"rtsp://127.0.0.1:{qport}/x")
        await harness.put_camera("good", camera_fleet.url(1))

        def reasons(cam: str) -> set[int]:
            return {s.reason for s in ev.of("status", cam) if s.state == DISCONNECTED}

        async with harness.worker(keyframe_timeout_s=3.0) as worker:
            await ev.wait_for(
                lambda: (
                    reasons("badurl")
                    and reasons("httpurl")
                    and reasons("garbage")
                    and reasons("silent")
                    and R.DISCONNECT_REASON_DECODE_ERROR in reasons("nokey")
                ),
                timeout=30,
                what="failure reasons",
            )
            good_before = len(ev.of("segments", "good"))
            await ev.wait_for(
                lambda: len(ev.of("segments", "good")) >= good_before + 2,
                timeout=10,
                what="good camera still recording",
            )
            assert set(worker.cameras) == {
                "badurl",
                "httpurl",
                "garbage",
                "nokey",
                "silent",
                "good",
            }
            assert all(not task.done() for _, task in worker.cameras.values())
    for srv in (server, quiet):
        srv.close()
    assert reasons("silent") == {R.DISCONNECT_REASON_TIMEOUT}
    assert reasons("badurl") == {R.DISCONNECT_REASON_OTHER}
    assert "malformed" in ev.of("status", "badurl")[0].detail
    assert "scheme" in ev.of("status", "httpurl")[0].detail
    assert reasons("garbage") <= {R.DISCONNECT_REASON_DECODE_ERROR, R.DISCONNECT_REASON_REFUSED}
    nokey = [s for s in ev.of("status", "nokey") if s.reason == R.DISCONNECT_REASON_DECODE_ERROR]
    assert "keyframe" in nokey[0].detail
    # Backoff: failing cameras are retried, but not in a tight loop.
    assert len(ev.of("status", "badurl")) < 15
