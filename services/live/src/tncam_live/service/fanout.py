"""One fan-out per camera stream: access units in from ingest, frames out to every viewer.

Started with the stream's first session, stopped with its last (ADR 0020/0022). It subscribes
to the stream's access units *before* publishing its first demand, renews the demand every
``demand_interval_s`` (TTL ``demand_ttl_ms``) and releases it (TTL 0) when it stops. Each
access unit becomes one shared frame (one ``av.Packet`` every viewer's sender packs once),
placed on the fan-out's own continuous timeline, and goes to the camera's channel; a
transcode, when some viewer needs one, hangs off that channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats.errors
from nats.aio.subscription import Subscription

from tncam.live.v1 import live_pb2
from tncam_contracts.catalog import LIVE_STREAM_TOKENS
from tncam_live.bus.live import LiveBus
from tncam_live.domain.timeline import Timeline
from tncam_live.media.payload_cache import live_frame
from tncam_live.media.transcoder import TranscodeOptions
from tncam_live.metrics import LiveMetrics
from tncam_live.service.channel import Channel
from tncam_live.service.context import Spawn
from tncam_live.service.transcode import Transcode
from tncam_live.settings import LiveSettings
from tncam_mesh.errors import UnavailableError

log = logging.getLogger("tncam.live.fanout")

Key = tuple[str, int]  # (camera id, LiveStream)


def camera_unavailable() -> UnavailableError:
    """The camera sends no picture (yet): the viewer may retry."""
    return UnavailableError(
        "live.camera_unavailable",
        "Camera chưa gửi hình, thử lại sau (the camera sends no picture yet; retry)",
    )


class FanOut:
    """A camera stream's subscription, demand, channel, codec and (maybe) transcode."""

    def __init__(
        self, key: Key, settings: LiveSettings, metrics: LiveMetrics, bus: LiveBus, spawn: Spawn
    ) -> None:
        self.key = key
        self.camera_id, self.stream = key
        self.settings = settings
        self.metrics = metrics
        self.bus = bus
        self._spawn = spawn
        self.channel = Channel(settings.gop_cache_frames)
        self.codec: str | None = None
        self.holders = 0  # sessions using this fan-out (opening or held)
        self.transcode: Transcode | None = None
        self.transcode_holders = 0
        self._timeline = Timeline()
        self._sequence: tuple[str, int] | None = None
        self._subscription: Subscription | None = None
        self._demand: asyncio.Task[None] | None = None
        self._stream_label = LIVE_STREAM_TOKENS.get(self.stream, "main")
        self.started = asyncio.Event()
        self.failed = False

    @property
    def name(self) -> str:
        """``<camera>-<stream>``, for logs and thread names."""
        return f"{self.camera_id}-{self._stream_label}"

    async def start(self) -> None:
        """Subscribe to the access units, then start demanding them."""
        self._subscription = await self.bus.subscribe_access_units(
            self.camera_id, self.stream, self._on_unit
        )
        self._demand = self._spawn(f"demand-{self.name}", self._renew_demand())
        self.metrics.fanouts.inc()
        log.info("fan-out started", extra={"camera_id": self.camera_id})

    async def stop(self) -> None:
        """Stop the transcode, the demand (TTL 0) and the subscription."""
        if self.transcode is not None:
            await self.transcode.stop()
            self.transcode = None
        if self._demand is not None:
            self._demand.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._demand
            self._demand = None
            self.metrics.fanouts.dec()
            try:
                await self.bus.demand(self.camera_id, self.stream, 0)
            except nats.errors.Error as e:  # ingest's TTL ends it anyway, within seconds
                log.warning("could not release the demand of %s: %s", self.name, e)
        if self._subscription is not None:
            with contextlib.suppress(nats.errors.Error):
                await self._subscription.unsubscribe()
            self._subscription = None
        log.info("fan-out stopped", extra={"camera_id": self.camera_id})

    async def wait_codec(self, timeout: float) -> str | None:
        """The camera's codec once its first keyframe came; None if none came in time."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.channel.keyframe_seen.wait()
        return self.codec if self.channel.keyframe_seen.is_set() else None

    async def require_codec(self, timeout: float) -> str:
        """The camera's codec once its first keyframe came; ``live.camera_unavailable`` if
        none came in time."""
        codec = await self.wait_codec(timeout)
        if codec is None:
            raise camera_unavailable()
        return codec

    def acquire_transcode(self) -> Transcode:
        """The stream's shared transcode, started by its first user."""
        if self.transcode is None:
            s = self.settings
            options = TranscodeOptions(
                preset=s.transcode_preset,
                keyframe_interval_s=s.transcode_keyframe_interval_s,
                max_height=s.transcode_max_height,
                bitrate=s.transcode_bitrate,
            )
            self.transcode = Transcode(
                self.name,
                self.channel,
                options,
                self.metrics,
                self._spawn,
                inbox_frames=s.viewer_queue_frames,
                gop_limit=s.gop_cache_frames,
                frame_rate=self._timeline.frame_rate,
            )
            self.transcode.start()
        self.transcode_holders += 1
        return self.transcode

    async def release_transcode(self) -> None:
        """One user fewer; the last one stops the transcode."""
        self.transcode_holders -= 1
        if self.transcode_holders == 0 and self.transcode is not None:
            transcode, self.transcode = self.transcode, None
            await transcode.stop()

    def _on_unit(self, unit: live_pb2.LiveAccessUnit) -> None:
        self.metrics.access_units.labels(stream=self._stream_label).inc()
        if self._sequence is not None and self._sequence[0] == unit.session_id:
            missed = unit.sequence - self._sequence[1] - 1
            if missed > 0:
                self.metrics.sequence_gaps.inc(missed)
        self._sequence = (unit.session_id, unit.sequence)
        if not unit.data:
            return
        if unit.keyframe and unit.codec != self.codec:
            if self.codec is not None:
                log.warning(
                    "camera codec changed from %s to %s",
                    self.codec,
                    unit.codec,
                    extra={"camera_id": self.camera_id},
                )
            self.codec = unit.codec
        pts = self._timeline.place(unit.session_id, unit.pts)
        self.channel.publish(live_frame(unit.data, pts, unit.keyframe, unit.capture_time_unix_ns))

    async def _renew_demand(self) -> None:
        ttl = self.settings.demand_ttl_ms
        while True:
            try:
                await self.bus.demand(self.camera_id, self.stream, ttl)
            except nats.errors.Error as e:  # NATS reconnecting: the next round tries again
                log.warning("live demand of %s not published: %s", self.name, e)
            await asyncio.sleep(self.settings.demand_interval_s)


class FanOuts:
    """The replica's fan-outs by camera stream, each held by its sessions."""

    def __init__(
        self, settings: LiveSettings, metrics: LiveMetrics, bus: LiveBus, spawn: Spawn
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.bus = bus
        self._spawn = spawn
        self._by_key: dict[Key, FanOut] = {}
        self._stopping: dict[Key, asyncio.Task[None]] = {}

    def __len__(self) -> int:
        return len(self._by_key)

    def get(self, camera_id: str, stream: int) -> FanOut | None:
        """The running fan-out of a camera stream, if any."""
        return self._by_key.get((camera_id, stream))

    async def acquire(self, camera_id: str, stream: int) -> FanOut:
        """The camera stream's fan-out, started by its first holder."""
        key = (camera_id, stream)
        stopping = self._stopping.get(key)
        if stopping is not None:  # its demand release goes out before the new demand
            await asyncio.shield(stopping)
        fanout = self._by_key.get(key)
        if fanout is None:
            fanout = FanOut(key, self.settings, self.metrics, self.bus, self._spawn)
            self._by_key[key] = fanout
            fanout.holders += 1
            try:
                await fanout.start()
            except (nats.errors.Error, OSError) as e:
                fanout.failed = True
                await self.release(fanout)
                raise UnavailableError(
                    "live.fanout.unavailable", f"cannot subscribe to {fanout.name}: {e}"
                ) from e
            finally:
                fanout.started.set()
            return fanout
        fanout.holders += 1
        await fanout.started.wait()
        if fanout.failed:
            await self.release(fanout)
            raise UnavailableError("live.fanout.unavailable", f"cannot subscribe to {fanout.name}")
        return fanout

    async def release(self, fanout: FanOut) -> None:
        """One holder fewer; the last one stops the fan-out."""
        fanout.holders -= 1
        if fanout.holders > 0 or self._by_key.get(fanout.key) is not fanout:
            return
        del self._by_key[fanout.key]
        task = asyncio.ensure_future(fanout.stop())
        self._stopping[fanout.key] = task
        try:
            await asyncio.shield(task)
        finally:
            if self._stopping.get(fanout.key) is task:
                del self._stopping[fanout.key]

    async def stop_all(self) -> None:
        """Stop every fan-out (shutdown)."""
        for fanout in list(self._by_key.values()):
            fanout.holders = 1
            await self.release(fanout)
