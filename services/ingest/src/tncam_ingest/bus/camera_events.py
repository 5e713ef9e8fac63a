"""A camera's events on the CAMERA stream: status changes, stream statistics, snapshots.

Each method builds the message and publishes it (``Nats-Msg-Id`` set); a refusal raises the
bus's TncamError, which the caller logs (an event lost is not worth stopping a camera for).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from nats.js.client import JetStreamContext

from tncam.camera.v1 import snapshot_pb2, stats_pb2, status_pb2
from tncam.common.v1 import object_ref_pb2
from tncam_contracts.catalog import (
    CAMERA_SNAPSHOT_TAKEN,
    CAMERA_STATS_REPORTED,
    CAMERA_STATUS_CHANGED,
)
from tncam_ingest.domain.quality import Quality
from tncam_ingest.domain.reasons import Reason
from tncam_ingest.domain.stream_quality import Result
from tncam_ingest.media.snapshot import DecodedSnapshot
from tncam_ingest.media.stream import Counters, SessionEnd, StreamInfo
from tncam_mesh.jetstream import publish

COMPLIANT_CODEC = "hevc"


def _at(wall: float) -> datetime:
    return datetime.fromtimestamp(wall, UTC)


class CameraEvents:
    """Publishes the events of the cameras of one worker."""

    def __init__(self, js: JetStreamContext, *, namespace: str, worker_id: str) -> None:
        self._js = js
        self._namespace = namespace
        self.worker_id = worker_id

    async def connected(self, camera_id: str, info: StreamInfo) -> None:
        """``CameraStatusChanged``: connected, with the codec and size."""
        compliant = info.codec == COMPLIANT_CODEC
        status = status_pb2.CameraStatusChanged(
            camera_id=camera_id,
            state=status_pb2.CONNECTION_STATE_CONNECTED,
            reason=Reason.NONE.proto,
            detail=f"{info.codec} {info.width}x{info.height}"
            + ("" if compliant else " (non-compliant codec, R16: H.265 required)"),
            worker_id=self.worker_id,
            session_id=info.session_id,
        )
        status.observed_at.FromDatetime(_at(info.connected_at))
        await self._status(status)

    async def disconnected(
        self, camera_id: str, end: SessionEnd, *, session_id: str, failures: int
    ) -> None:
        """``CameraStatusChanged``: disconnected, or an attempt failed, and why."""
        status = status_pb2.CameraStatusChanged(
            camera_id=camera_id,
            state=status_pb2.CONNECTION_STATE_DISCONNECTED,
            reason=end.reason.proto,
            detail=end.detail,
            worker_id=self.worker_id,
            session_id=session_id,
            consecutive_failures=failures,
        )
        status.observed_at.GetCurrentTime()
        if end.last_packet_at is not None:
            status.last_packet_at.FromDatetime(_at(end.last_packet_at))
        await self._status(status)

    async def _status(self, status: status_pb2.CameraStatusChanged) -> None:
        await publish(
            self._js,
            CAMERA_STATUS_CHANGED.subject(status.camera_id, self._namespace),
            status,
            msg_id=f"{status.camera_id}:status:{uuid.uuid4()}",
        )

    async def stats(
        self,
        camera_id: str,
        info: StreamInfo,
        prev: Counters,
        cur: Counters,
        *,
        window_start: float,
        now: float,
        flags: Sequence[str] = (),
    ) -> None:
        """``StreamStats`` of the window between two readings of a session's counters."""
        seconds = max(now - window_start, 1e-6)
        frames = cur.frames - prev.frames
        nbytes = cur.bytes - prev.bytes
        stats = stats_pb2.StreamStats(
            camera_id=camera_id,
            fps=frames / seconds,
            bitrate_bps=int(nbytes * 8 / seconds),
            gop_length_frames=cur.last_gop_frames,
            width=info.width,
            height=info.height,
            codec=info.codec,
            compliant=info.codec == COMPLIANT_CODEC,
            packet_gaps=cur.gaps - prev.gaps,
            frames=frames,
            keyframes=cur.keyframes - prev.keyframes,
            bytes=nbytes,
            worker_id=self.worker_id,
            session_id=info.session_id,
            quality_flags=list(flags),
        )
        stats.window_start.FromDatetime(_at(window_start))
        stats.window_end.FromDatetime(_at(now))
        await publish(
            self._js,
            CAMERA_STATS_REPORTED.subject(camera_id, self._namespace),
            stats,
            msg_id=f"{camera_id}:stats:{info.session_id}:{int(now * 1000)}",
        )

    async def snapshot_taken(
        self,
        camera_id: str,
        session_id: str,
        decoded: DecodedSnapshot,
        q: Quality,
        *,
        taken_at: float,
        image: object_ref_pb2.ObjectRef | None,
        result: Result | None = None,
    ) -> None:
        """``SnapshotTaken``: the picture's quality and, when stored, where it is."""
        msg = snapshot_pb2.SnapshotTaken(
            camera_id=camera_id,
            worker_id=self.worker_id,
            session_id=session_id,
            width=decoded.width,
            height=decoded.height,
            quality=snapshot_pb2.PictureQuality(
                mean_luma=q.mean_luma,
                luma_stddev=q.luma_stddev,
                laplacian_variance=q.laplacian_variance,
                diff_from_previous=q.diff_from_previous,
                frozen=q.frozen,
                black=q.black,
                blurred=q.blurred,
            ),
        )
        msg.taken_at.FromDatetime(_at(taken_at))
        if result is not None:
            msg.result.CopyFrom(_result_pb(result, decoded))
        if image is not None:
            msg.image_object.CopyFrom(image)
        await publish(
            self._js,
            CAMERA_SNAPSHOT_TAKEN.subject(camera_id, self._namespace),
            msg,
            msg_id=f"{camera_id}:snapshot:{session_id}:{int(taken_at * 1000)}",
        )


def _result_pb(r: Result, decoded: DecodedSnapshot) -> snapshot_pb2.QualityResult:
    """The quality result as published; the picture's size when no window was measured yet."""
    w = r.window
    msg = snapshot_pb2.QualityResult(
        flags=list(r.flags),
        fps=w.fps if w else 0.0,
        bitrate_bps=w.bitrate_bps if w else 0,
        width=w.width if w else decoded.width,
        height=w.height if w else decoded.height,
        codec=w.codec if w else "",
        min_fps=r.min_fps,
        baseline_bitrate_bps=r.baseline_bitrate_bps,
        frozen_snapshots=r.frozen_snapshots,
    )
    if r.last_good_at is not None:
        msg.last_good_at.FromDatetime(_at(r.last_good_at))
    return msg
