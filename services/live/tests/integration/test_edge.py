"""The live edge end to end on the real bus: sessions opened over NATS by aiortc viewers, a
stand-in ingest publishing a real H.265 clip while it sees a demand (ADR 0020/0022)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
import time
from typing import Any

import pytest

from tncam.live.v1 import live_pb2, session_pb2
from tncam_contracts.catalog import LIVE_OPEN_SESSION, LIVE_SESSION_CONTROL
from tncam_mesh.errors import InvalidInputError, UnavailableError
from tncam_mesh.rpc import call

from .conftest import RecordingDecoder, Viewer

pytestmark = pytest.mark.integration


def transcode_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("tncam-transcode-")]


async def test_h265_offer_is_passed_through_and_every_frame_decodes(
    make_edge: Any, make_ingest: Any
) -> None:
    await make_ingest("cam1")
    async with make_edge() as edge:
        viewer = Viewer(edge, "cam1")
        try:
            started = time.perf_counter()
            reply = await viewer.open()
            assert reply.codec_path == session_pb2.CODEC_PATH_PASSTHROUGH_H265
            assert reply.replica_id == edge.settings.replica_id
            assert "H265/90000" in reply.answer_sdp
            assert "a=candidate:" in reply.answer_sdp  # complete: gathered before answering
            await viewer.wait_frames(1)
            first_frame_s = time.perf_counter() - started
            await viewer.wait_frames(30)
        finally:
            await viewer.close()
        pts = [f.pts for f in viewer.frames]
        assert all(b > a for a, b in itertools.pairwise(pts)), pts
        [decoder] = RecordingDecoder.instances
        assert decoder.stats.errors == decoder.stats.malformed == 0
        assert decoder.stats.incomplete_fu_runs == 0
        assert decoder.stats.frames == decoder.stats.access_units >= 30
        assert await edge.metric("tncam_live_transcoders") == 0
        assert transcode_threads() == []
        assert await edge.metric("tncam_live_packetizations_total", codec="H265") >= 30
        assert (
            await edge.metric("tncam_live_sessions_opened_total", codec_path="passthrough_h265")
            == 1
        )
        ttff = await edge.metric(
            "tncam_live_time_to_first_frame_seconds_sum", codec_path="passthrough_h265"
        )
        print(f"TTFF {ttff:.3f} s at the edge, first decoded frame {first_frame_s:.3f} s")
        assert 0 < ttff < 2.0


async def test_five_h264_viewers_share_one_transcode(make_edge: Any, make_ingest: Any) -> None:
    await make_ingest("cam1")
    async with make_edge() as edge:
        viewers = [Viewer(edge, "cam1", codecs=("H264",)) for _ in range(5)]
        try:
            replies = await asyncio.gather(*(v.open() for v in viewers))
            assert {r.codec_path for r in replies} == {session_pb2.CODEC_PATH_TRANSCODE_H264}
            assert all("H265" not in r.answer_sdp for r in replies)
            await asyncio.gather(*(v.wait_frames(15) for v in viewers))
            assert await edge.metric("tncam_live_transcoders") == 1
            assert len(transcode_threads()) == 1
            assert await edge.metric("tncam_live_viewers", codec_path="transcode_h264") == 5
            # One packetization per frame, reused by the four other senders.
            packed = await edge.metric("tncam_live_packetizations_total", codec="H264")
            reused = await edge.metric("tncam_live_packetization_reuses_total", codec="H264")
            print(f"H.264 frames packetized {packed:.0f}, reused {reused:.0f}")
            assert reused >= 3 * packed > 0
            for viewer in viewers[:4]:
                assert await edge.close(viewer.session_id)
            assert await edge.metric("tncam_live_transcoders") == 1
            # The last viewer leaves by closing its own peer connection.
            await viewers[4].close()
            ended = time.perf_counter()
            await edge.wait_metric("tncam_live_transcoders", 0, timeout=3.0)
            while transcode_threads():
                assert time.perf_counter() - ended < 3.0
                await asyncio.sleep(0.05)
            print(f"transcode stopped {time.perf_counter() - ended:.2f} s after the last viewer")
        finally:
            for viewer in viewers:
                await viewer.close()


async def test_capacity_control_close_and_demand_release(make_edge: Any, make_ingest: Any) -> None:
    cam1 = await make_ingest("cam1")
    await make_ingest("cam2")
    async with make_edge(max_viewers_per_camera=1, max_viewers=2) as edge:
        first, second = Viewer(edge, "cam1"), Viewer(edge, "cam2")
        refused = [Viewer(edge, "cam1"), Viewer(edge, "cam3")]
        try:
            await first.open()
            with pytest.raises(UnavailableError) as per_camera:
                await refused[0].open()
            assert per_camera.value.code == "live.capacity"
            assert per_camera.value.retryable
            assert per_camera.value.details == {"retry_after_s": 5}
            await second.open()
            with pytest.raises(UnavailableError) as per_replica:
                await refused[1].open()
            assert per_replica.value.code == "live.capacity"
            assert await edge.metric("tncam_live_capacity_refusals_total", limit="camera") == 1
            assert await edge.metric("tncam_live_capacity_refusals_total", limit="replica") == 1
            assert await edge.metric("tncam_live_open_failures_total", code="live.capacity") == 2

            await first.wait_frames(5)
            closed = time.monotonic()
            assert await edge.close(first.session_id)
            await first.wait_ended()
            assert not await edge.close(first.session_id)  # no longer held
            assert not await edge.close("s-unknown")
            await asyncio.sleep(1.5)  # three renewal periods
            assert await edge.metric("tncam_live_fanouts") == 1  # cam2's, still watched
        finally:
            for viewer in (first, second, *refused):
                await viewer.close()
        # The last viewer of cam1 left: its demand was released (TTL 0) and never renewed.
        after = [d.ttl_ms for d in cam1.demands if d.at > closed]
        assert 0 in after, after
        assert set(after[after.index(0) :]) == {0}, after
        assert time.monotonic() - cam1.demands[-1].at > 1.4
        assert all(d.holder_id == edge.settings.replica_id for d in cam1.demands)


async def test_session_ends_by_itself_at_expiry(make_edge: Any, make_ingest: Any) -> None:
    await make_ingest("cam1")
    async with make_edge() as edge:
        viewer = Viewer(edge, "cam1")
        try:
            started = time.perf_counter()
            await viewer.open(expires_in_s=2.0)
            await viewer.wait_frames(5)
            await viewer.wait_ended(timeout=5.0)
            lasted = time.perf_counter() - started
            assert 1.5 < lasted < 4.0, lasted
            assert not await edge.close(viewer.session_id)
            assert await edge.metric("tncam_live_sessions_ended_total", reason="expired") == 1
            await edge.wait_metric("tncam_live_fanouts", 0)
        finally:
            await viewer.close()


async def test_camera_without_pictures_is_unavailable_and_holds_up_no_one(
    make_edge: Any, make_ingest: Any
) -> None:
    await make_ingest("cam1")
    async with make_edge(first_keyframe_wait_s=1.5) as edge:
        silent, watched = Viewer(edge, "cam-silent"), Viewer(edge, "cam1")
        try:
            started = time.perf_counter()
            waiting = asyncio.ensure_future(silent.open())
            await asyncio.sleep(0.1)
            await watched.open()
            assert time.perf_counter() - started < 1.2  # answered while the other waited
            with pytest.raises(UnavailableError) as err:
                await waiting
            assert time.perf_counter() - started >= 1.5
            assert err.value.code == "live.camera_unavailable"
            assert err.value.retryable
            assert await edge.metric("tncam_live_fanouts") == 1  # cam1's only
            assert await edge.metric("tncam_live_open_failures_total", code=err.value.code) == 1
        finally:
            await silent.close()
            await watched.close()


async def test_h264_camera_is_passed_through(make_edge: Any, make_ingest: Any) -> None:
    await make_ingest("cam4", "h264")
    async with make_edge() as edge:
        viewer = Viewer(edge, "cam4")  # offers VP8, H264 and H265, as aiortc does
        try:
            reply = await viewer.open()
            assert reply.codec_path == session_pb2.CODEC_PATH_PASSTHROUGH_H264
            await viewer.wait_frames(20)
        finally:
            await viewer.close()
        pts = [f.pts for f in viewer.frames]
        assert all(b > a for a, b in itertools.pairwise(pts)), pts
        assert await edge.metric("tncam_live_transcoders") == 0
        assert await edge.metric("tncam_live_packetizations_total", codec="H264") >= 20


async def test_trickle_candidates_reach_a_held_session(make_edge: Any, make_ingest: Any) -> None:
    await make_ingest("cam1")
    async with make_edge() as edge:
        viewer = Viewer(edge, "cam1")
        try:
            await viewer.open()
            own = [
                line
                for line in viewer.pc.localDescription.sdp.splitlines()
                if line.startswith("a=candidate:")
            ]
            frag = "\r\n".join(["a=mid:0", *own, "a=end-of-candidates", ""])
            trickle = session_pb2.LiveSessionControl(
                session_id=viewer.session_id, trickle_sdpfrag=frag
            )
            assert (await edge.control(trickle)).found
            await viewer.wait_frames(5)  # the duplicates changed nothing
            bad = session_pb2.LiveSessionControl(
                session_id=viewer.session_id, trickle_sdpfrag="a=candidate:1 1 udp\r\n"
            )
            subject = LIVE_SESSION_CONTROL.subject(
                edge.settings.replica_id, namespace=edge.namespace
            )
            raw = await edge.bus.nc.request(subject, bad.SerializeToString(), timeout=5)
            assert raw.headers is not None
            assert raw.headers["Tncam-Error-Code"] == "live.control.bad_sdpfrag"
            assert raw.headers["Nats-Service-Error-Code"] == "422"
            unknown = session_pb2.LiveSessionControl(session_id="s-gone", trickle_sdpfrag=frag)
            assert not (await edge.control(unknown)).found
        except BaseException:
            await viewer.close()
            raise
    # The edge stopped with the session held: it closed it.
    try:
        await viewer.wait_ended()
    finally:
        await viewer.close()


async def test_an_offer_that_cannot_be_answered_releases_everything(
    make_edge: Any, make_ingest: Any
) -> None:
    await make_ingest("cam1")
    async with make_edge() as edge:
        bad = "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\n"
        request = session_pb2.OpenLiveSessionRequest(
            session_id="s-bad", camera_id="cam1", stream=live_pb2.LIVE_STREAM_MAIN, offer_sdp=bad
        )
        request.expires_at.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))

        async def open_bad() -> None:
            await call(
                edge.bus,
                LIVE_OPEN_SESSION,
                request,
                session_pb2.OpenLiveSessionReply,
                namespace=edge.namespace,
                timeout=10,
            )

        with pytest.raises(InvalidInputError) as err:
            await open_bad()
        assert err.value.code == "live.offer.invalid"
        request.offer_sdp = bad.replace("H264", "VP8")
        with pytest.raises(InvalidInputError) as vp8:
            await open_bad()
        assert vp8.value.code == "live.offer.no_common_codec"
        await edge.wait_metric("tncam_live_fanouts", 0)
        assert await edge.metric("tncam_live_transcoders") == 0
        # The same session id opens properly afterwards: nothing of it was kept.
        viewer = Viewer(edge, "cam1")
        viewer.session_id = "s-bad"
        try:
            await viewer.open()
            await viewer.wait_frames(3)
        finally:
            await viewer.close()
