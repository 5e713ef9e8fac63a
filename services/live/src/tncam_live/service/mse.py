"""MSE sessions (ADR 0023): a viewer without WebRTC gets fragmented MP4 over NATS, relayed to
its WebSocket by the gateway.

An MSE viewer is one more sink of its camera's channel (the same fan-out, GOP cache and
shared transcode as WebRTC viewers), with its own bounded queue that drops to the next
keyframe. It publishes on ``tncam.live.v1.media.<session_id>``: the init segment, then one
fragment (moof+mdat) per access unit from the cached GOP's keyframe on; a new init segment
when the camera's parameter sets change; ``KIND_END`` when the session ends. The session
ends like a WebRTC one (close, ``expires_at``, shutdown) and also when the gateway stops
sending keepalives (it relays the session no more).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import nats.errors

from tncam.live.v1 import session_pb2
from tncam_live.domain.codec_path import CodecPath
from tncam_live.domain.frame_queue import FrameQueue
from tncam_live.media import fmp4
from tncam_live.media.payload_cache import LiveFrame, SharedPayloads
from tncam_live.service.channel import Channel
from tncam_live.service.context import LiveContext
from tncam_live.service.fanout import FanOut, camera_unavailable
from tncam_live.service.stream import held_stream

log = logging.getLogger("tncam.live.mse")

Segment = session_pb2.LiveMediaSegment
Publish = Callable[[Segment], Awaitable[None]]
_CODEC = {"H264": "h264", "H265": "hevc"}
_DEFAULT_STEP = 90_000 // 25


def metric_path(path: CodecPath) -> str:
    """The ``codec_path`` label of an MSE session (``mse_passthrough_h264``...)."""
    return f"mse_{path.value}"


def _sample(codec: str, frame: LiveFrame) -> fmp4.Sample:
    """The frame as an MP4 sample, made once for every MSE viewer of the frame."""
    cache = frame.packet.opaque
    if isinstance(cache, SharedPayloads) and isinstance(cache.mp4_sample, fmp4.Sample):
        return cache.mp4_sample
    sample = fmp4.sample_of(codec, bytes(frame.packet))
    if isinstance(cache, SharedPayloads):
        cache.mp4_sample = sample
    return sample


class MseViewer:
    """A channel sink that publishes its frames as fMP4 segments, in order."""

    def __init__(
        self,
        *,
        session_id: str,
        codec: str,
        init: fmp4.InitSegment,
        init_sets: tuple[bytes, ...],
        publish: Publish,
        queue_frames: int,
        on_first_frame: Callable[[], None],
        on_drop: Callable[[int], None],
    ) -> None:
        self.session_id = session_id
        self.codec = codec
        self.init = init
        self._sets = init_sets
        self._init_due = True
        self._publish = publish
        self._queue: FrameQueue[LiveFrame] = FrameQueue(queue_frames)
        self._ready = asyncio.Event()
        self._on_first_frame = on_first_frame
        self._on_drop = on_drop
        self.sequence = 0
        self.frames_sent = 0
        self._time = 0  # the session's own decode time, 90 kHz, from 0
        self._last_pts: int | None = None
        self._step = _DEFAULT_STEP

    def push(self, frame: LiveFrame) -> None:
        """Queue a frame (the channel calls this for every frame while attached)."""
        dropped = self._queue.offer(frame)
        if dropped:
            self._on_drop(dropped)
        if len(self._queue):
            self._ready.set()

    @property
    def dropped(self) -> int:
        """Frames this viewer lost by falling behind."""
        return self._queue.dropped

    async def run(self) -> None:
        """Publish queued frames as they come, until cancelled."""
        while True:
            frame = self._queue.take()
            if frame is None:
                self._ready.clear()
                await self._ready.wait()
                continue
            await self._send(frame)

    async def _send(self, frame: LiveFrame) -> None:
        sample = _sample(self.codec, frame)
        if frame.keyframe and sample.parameter_sets and sample.parameter_sets != self._sets:
            # New parameter sets (the camera restarted, its size changed): a new init segment.
            self.init = await asyncio.to_thread(fmp4.init_segment, self.codec, bytes(frame.packet))
            self._sets, self._init_due = sample.parameter_sets, True
        if self._init_due:
            self._init_due = False
            await self._emit(
                Segment.KIND_INIT, self.init.data, mime_type=self.init.mime_type, keyframe=False
            )
        if self._last_pts is not None and 0 < frame.pts - self._last_pts <= 90_000:
            self._step = frame.pts - self._last_pts
        self._last_pts = frame.pts
        data = fmp4.fragment(
            self.frames_sent, self.init, self._time, self._step, sample, frame.keyframe
        )
        self._time += self._step
        await self._emit(
            Segment.KIND_FRAGMENT, data, keyframe=frame.keyframe, capture_ns=frame.capture_ns
        )
        if self.frames_sent == 0:
            self._on_first_frame()
        self.frames_sent += 1

    async def _emit(
        self,
        kind: session_pb2.LiveMediaSegment.Kind,
        data: bytes,
        *,
        keyframe: bool,
        mime_type: str = "",
        capture_ns: int = 0,
    ) -> None:
        segment = Segment(
            session_id=self.session_id,
            kind=kind,
            sequence=self.sequence,
            data=data,
            keyframe=keyframe,
            capture_time_unix_ns=capture_ns,
            mime_type=mime_type,
        )
        self.sequence += 1
        await self._publish(segment)

    async def end(self, reason: str) -> None:
        """Tell the relay the session is over (best effort)."""
        segment = Segment(
            session_id=self.session_id,
            kind=Segment.KIND_END,
            sequence=self.sequence,
            end_reason=reason,
        )
        try:
            await self._publish(segment)
        except nats.errors.Error as e:
            log.warning("the end of MSE session %s not published: %s", self.session_id, e)


@dataclass
class MseSession:
    """One MSE viewer's held session."""

    id: str
    camera_id: str
    account_id: str
    path: CodecPath
    fanout: FanOut
    channel: Channel
    viewer: MseViewer
    deadline: float  # loop time of expires_at
    keepalive_at: float  # monotonic time of the last keepalive
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    end_reason: str = ""

    def end(self, reason: str) -> None:
        """Ask the session to end (the first reason wins)."""
        if not self.ended.is_set():
            self.end_reason = reason
            self.ended.set()

    def keepalive(self) -> None:
        """The gateway still relays this session."""
        self.keepalive_at = time.monotonic()


async def _keyframe(channel: Channel, timeout: float) -> LiveFrame:
    """The channel's cached keyframe, waiting for one at most ``timeout`` seconds."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await channel.keyframe_seen.wait()
            while channel.keyframe is None:  # noqa: ASYNC110 - a GOP too long to cache
                await asyncio.sleep(0.02)
    keyframe = channel.keyframe
    if keyframe is None:
        raise camera_unavailable()
    return keyframe


async def start(
    ctx: LiveContext,
    req: session_pb2.OpenLiveSessionRequest,
    offered: frozenset[str],
    opened: float,
    remaining: float,
) -> MseSession:
    """Hold the camera stream (and its transcode if needed); the init segment made from the
    cached keyframe names the MIME type of the reply."""
    async with held_stream(ctx, req, offered) as held:
        fanout, path, channel = held.fanout, held.path, held.channel
        codec = _CODEC[path.sent_codec]
        keyframe = bytes((await _keyframe(channel, ctx.settings.first_keyframe_wait_s)).packet)
        try:
            init = await asyncio.to_thread(fmp4.init_segment, codec, keyframe)
        except ValueError as e:
            log.warning("no init segment for %s: %s", req.camera_id, e)
            raise camera_unavailable() from e
    metrics = ctx.metrics
    label = metric_path(path)

    def first_frame() -> None:
        metrics.ttff.labels(codec_path=label).observe(time.perf_counter() - opened)

    viewer = MseViewer(
        session_id=req.session_id,
        codec=codec,
        init=init,
        init_sets=fmp4.sample_of(codec, keyframe).parameter_sets,
        publish=ctx.fanouts.bus.publish_media,
        queue_frames=ctx.settings.viewer_queue_frames,
        on_first_frame=first_frame,
        on_drop=lambda n: metrics.dropped_frames.labels(stage="viewer").inc(n),
    )
    session = MseSession(
        id=req.session_id,
        camera_id=req.camera_id,
        account_id=req.account_id,
        path=path,
        fanout=fanout,
        channel=channel,
        viewer=viewer,
        deadline=asyncio.get_running_loop().time() + remaining,
        keepalive_at=time.monotonic(),
    )
    ctx.sessions[session.id] = session
    metrics.sessions_opened.labels(codec_path=label).inc()
    metrics.viewers.labels(codec_path=label).inc()
    log.info(
        "live MSE session opened: %s, %s",
        path.value,
        session.id,
        extra={"camera_id": session.camera_id, "account_id": session.account_id},
    )
    return session


async def hold(ctx: LiveContext, session: MseSession) -> None:
    """Send the media until something ends the session, then release what it holds."""
    loop = asyncio.get_running_loop()
    idle_s = ctx.settings.mse_keepalive_timeout_s
    pump = asyncio.create_task(session.viewer.run(), name=f"mse-{session.id}")
    session.channel.attach(session.viewer)
    try:
        while not session.ended.is_set():
            if pump.done():
                error = pump.exception() if not pump.cancelled() else None
                log.warning("MSE session %s stopped sending: %r", session.id, error)
                session.end("error")
                break
            if loop.time() >= session.deadline:
                session.end("expired")
                break
            if time.monotonic() - session.keepalive_at > idle_s:
                session.end("keepalive_timeout")
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await session.ended.wait()
    finally:
        session.channel.detach(session.viewer)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump
        await session.viewer.end(session.end_reason or "error")
        await _release(ctx, session)


async def _release(ctx: LiveContext, session: MseSession) -> None:
    ctx.sessions.pop(session.id, None)
    if session.path is CodecPath.TRANSCODE_H264:
        await session.fanout.release_transcode()
    await ctx.fanouts.release(session.fanout)
    ctx.slots.pop(session.id, None)
    session.released.set()
    label = metric_path(session.path)
    ctx.metrics.viewers.labels(codec_path=label).dec()
    ctx.metrics.sessions_ended.labels(reason=session.end_reason or "error").inc()
    log.info(
        "live MSE session ended (%s): %s, %d frames sent, %d dropped",
        session.end_reason,
        session.id,
        session.viewer.frames_sent,
        session.viewer.dropped,
        extra={"camera_id": session.camera_id},
    )
