"""MSE sessions on the real bus (ADR 0023): the fMP4 an MSE viewer gets over NATS parses and
decodes in order from a keyframe, and it shares the fan-out and the one transcode with
WebRTC viewers."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import itertools
import threading
import uuid
from typing import Any

import av
import pytest
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from tncam.live.v1 import live_pb2, session_pb2
from tncam_contracts.catalog import LIVE_MEDIA, LIVE_OPEN_SESSION, LIVE_SESSION_CONTROL
from tncam_live.media.fmp4 import find_box
from tncam_mesh.errors import InvalidInputError
from tncam_mesh.rpc import call

from .conftest import Edge, Viewer, poll

pytestmark = pytest.mark.integration

Segment = session_pb2.LiveMediaSegment
H264_ONLY = ("avc1.42e01e", "avc1.64001f")
H265_AND_H264 = ("hvc1.1.6.L93.B0", *H264_ONLY)


class MseViewer:
    """What the gateway does for an MSE viewer: subscribe to the session's media, open it."""

    def __init__(self, edge: Edge, camera_id: str, codecs: tuple[str, ...]) -> None:
        self.edge = edge
        self.camera_id = camera_id
        self.codecs = codecs
        self.session_id = f"m-{uuid.uuid4().hex[:12]}"
        self.segments: list[Segment] = []
        self._sub: Subscription | None = None

    async def _on(self, msg: Msg) -> None:
        self.segments.append(Segment.FromString(msg.data))

    async def open(self) -> session_pb2.OpenLiveSessionReply:
        subject = LIVE_MEDIA.subject(self.session_id, namespace=self.edge.namespace)
        self._sub = await self.edge.bus.nc.subscribe(subject, cb=self._on)
        request = session_pb2.OpenLiveSessionRequest(
            session_id=self.session_id,
            camera_id=self.camera_id,
            stream=live_pb2.LIVE_STREAM_MAIN,
            transport=session_pb2.LIVE_TRANSPORT_MSE,
            mse_codecs=self.codecs,
            account_id="u-viewer",
        )
        request.expires_at.FromDatetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60))
        return await call(
            self.edge.bus,
            LIVE_OPEN_SESSION,
            request,
            session_pb2.OpenLiveSessionReply,
            namespace=self.edge.namespace,
            timeout=15.0,
        )

    def fragments(self) -> list[Segment]:
        return [s for s in self.segments if s.kind == Segment.KIND_FRAGMENT]

    async def wait_fragments(self, count: int, timeout: float = 10.0) -> None:
        await poll(lambda: len(self.fragments()) >= count, timeout)

    async def wait_end(self, timeout: float = 5.0) -> Segment:
        await poll(lambda: any(s.kind == Segment.KIND_END for s in self.segments), timeout)
        return self.segments[-1]

    async def close(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()
            self._sub = None

    def decode(self) -> list[av.VideoFrame]:
        """Every segment so far as one fMP4 file, decoded by FFmpeg (PyAV)."""
        data = b"".join(s.data for s in self.segments if s.kind != Segment.KIND_END)
        with av.open(io.BytesIO(data), format="mp4") as container:
            return list(container.decode(video=0))


def check_order(viewer: MseViewer) -> None:
    """Init first, then fragments from a keyframe; sequence numbers without a gap."""
    segments = viewer.segments
    assert [s.sequence for s in segments] == list(range(len(segments)))
    assert segments[0].kind == Segment.KIND_INIT
    assert find_box(segments[0].data, b"moov", b"trak") is not None
    first = segments[1]
    assert first.kind == Segment.KIND_FRAGMENT
    assert first.keyframe
    assert first.data[4:8] == b"moof"
    assert all(s.session_id == viewer.session_id for s in segments)


async def test_h264_camera_mse_viewer_gets_decodable_fmp4_from_a_keyframe(
    make_edge: Any, make_ingest: Any
) -> None:
    await make_ingest("cam1", "h264")
    async with make_edge() as edge:
        viewer = MseViewer(edge, "cam1", H264_ONLY)
        try:
            reply = await viewer.open()
            assert reply.codec_path == session_pb2.CODEC_PATH_PASSTHROUGH_H264
            assert reply.mime_type.startswith('video/mp4; codecs="avc1.')
            assert reply.answer_sdp == ""
            await viewer.wait_fragments(30)
            assert viewer.segments[0].mime_type == reply.mime_type
            assert await edge.control(
                session_pb2.LiveSessionControl(session_id=viewer.session_id, keepalive=True)
            ) == session_pb2.LiveSessionControlReply(found=True)
            trickle = session_pb2.LiveSessionControl(
                session_id=viewer.session_id, trickle_sdpfrag="a=ice-ufrag:x\r\n"
            )
            subject = LIVE_SESSION_CONTROL.subject(
                edge.settings.replica_id, namespace=edge.namespace
            )
            raw = await edge.bus.nc.request(subject, trickle.SerializeToString(), timeout=5)
            assert raw.headers is not None
            assert raw.headers["Tncam-Error-Code"] == "live.control.not_webrtc"
            assert await edge.metric("tncam_live_viewers", codec_path="mse_passthrough_h264") == 1
            assert await edge.close(viewer.session_id)
            end = await viewer.wait_end()
            assert end.end_reason == "closed"
        finally:
            await viewer.close()
        check_order(viewer)
        frames = viewer.decode()
        assert len(frames) == len(viewer.fragments()) >= 30
        assert all(b > a for a, b in itertools.pairwise(f.pts for f in frames))
        assert await edge.metric("tncam_live_transcoders") == 0
        assert await edge.metric("tncam_live_viewers", codec_path="mse_passthrough_h264") == 0


async def test_h265_camera_h264_only_mse_viewer_shares_the_webrtc_transcode(
    make_edge: Any, make_ingest: Any
) -> None:
    await make_ingest("cam1")
    async with make_edge() as edge:
        webrtc = Viewer(edge, "cam1", codecs=("H264",))
        h264 = MseViewer(edge, "cam1", H264_ONLY)
        h265 = MseViewer(edge, "cam1", H265_AND_H264)
        try:
            assert (await webrtc.open()).codec_path == session_pb2.CODEC_PATH_TRANSCODE_H264
            reply = await h264.open()
            assert reply.codec_path == session_pb2.CODEC_PATH_TRANSCODE_H264
            assert "avc1." in reply.mime_type
            reply = await h265.open()
            assert reply.codec_path == session_pb2.CODEC_PATH_PASSTHROUGH_H265
            assert 'codecs="hvc1.' in reply.mime_type
            await asyncio.gather(
                webrtc.wait_frames(10), h264.wait_fragments(20), h265.wait_fragments(20)
            )
            assert await edge.metric("tncam_live_transcoders") == 1
            names = [t.name for t in threading.enumerate()]
            assert len([n for n in names if n.startswith("tncam-transcode-")]) == 1
        finally:
            await webrtc.close()
            for viewer in (h264, h265):
                await edge.close(viewer.session_id)
                await viewer.wait_end()
                await viewer.close()
        for viewer, codec in ((h264, "h264"), (h265, "hevc")):
            check_order(viewer)
            frames = viewer.decode()
            assert len(frames) == len(viewer.fragments()) >= 20, codec
        await edge.wait_metric("tncam_live_transcoders", 0, timeout=3.0)


async def test_mse_session_without_keepalive_ends_and_no_codec_is_refused(
    make_edge: Any, make_ingest: Any
) -> None:
    await make_ingest("cam1", "h264")
    async with make_edge(mse_keepalive_timeout_s=1.0) as edge:
        viewer = MseViewer(edge, "cam1", H264_ONLY)
        refused = MseViewer(edge, "cam1", ("vp09.00.10.08",))
        try:
            await viewer.open()
            end = await viewer.wait_end(timeout=4.0)
            assert end.end_reason == "keepalive_timeout"
            assert not await edge.close(viewer.session_id)
            with pytest.raises(InvalidInputError) as no_codec:
                await refused.open()
            assert no_codec.value.code == "live.offer.no_common_codec"
        finally:
            await viewer.close()
            await refused.close()
        assert await edge.metric("tncam_live_fanouts") == 0
