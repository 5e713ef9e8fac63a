"""Live view (ADR 0020): a camera's access units on core NATS while someone watches it.

``LiveDemands`` (one per worker) keeps the demands of the cameras this worker holds and turns
publishing on and off; ``LivePublishing`` is one watched stream: the tap the session thread
fills, and the task that publishes what the tap holds. The main stream's tap is attached to
the camera's existing session (never a second session to the main URL); the sub-stream gets a
light session of its own (``media.live_session``) for as long as it is watched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import nats.errors
from nats.aio.subscription import Subscription

from tncam.live.v1 import live_pb2
from tncam_contracts.catalog import LIVE_STREAM_TOKENS
from tncam_ingest.bus.live import LiveBus
from tncam_ingest.domain.live import DemandBook, DemandChange
from tncam_ingest.media.live import LiveTap
from tncam_ingest.media.threads import LoopPoster
from tncam_ingest.metrics import IngestMetrics

log = logging.getLogger("tncam.ingest.live")

#: How often lapsed demands are looked for.
EXPIRY_TICK_S = 0.25
STREAMS = {token: value for value, token in LIVE_STREAM_TOKENS.items()}


class LivePublishing:
    """One watched stream of one camera: its tap and the publishing of what it holds."""

    def __init__(self, camera_id: str, stream: str, bus: LiveBus, metrics: IngestMetrics) -> None:
        self.camera_id = camera_id
        self.stream = stream
        self._bus = bus
        self._metrics = metrics
        self._subject = bus.au_subject(camera_id, STREAMS[stream])
        self._wake = asyncio.Event()
        self._closed = asyncio.Event()
        poster = LoopPoster(asyncio.get_running_loop())
        self.tap = LiveTap(camera_id, STREAMS[stream], lambda: poster.post(self._wake.set))

    @property
    def _log_extra(self) -> dict[str, str]:
        return {"camera_id": self.camera_id}

    def closed(self) -> bool:
        """Whether nobody watches any more (a method: it changes while a task awaits)."""
        return self._closed.is_set()

    def close(self) -> None:
        """Stop publishing (what is queued is dropped: nobody watches any more)."""
        self._closed.set()
        self._wake.set()

    async def wait_closed(self, timeout_s: float) -> None:
        """Return when closed, or after ``timeout_s``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closed.wait(), timeout_s)

    async def run(self) -> None:
        """Publish what the tap holds, batch by batch, until closed."""
        m = self._metrics
        published = m.live_access_units.labels(stream=self.stream)
        sent_bytes = m.live_bytes.labels(stream=self.stream)
        dropped = m.live_dropped.labels(stream=self.stream)
        seen_drops = 0
        tap = self.tap
        while not self.closed():
            await self._wake.wait()
            self._wake.clear()
            if self.closed():
                break
            batch = tap.take()
            try:
                for payload in batch:
                    await self._bus.publish(self._subject, payload)
            except nats.errors.Error as e:  # closed or over its buffer: these pictures are lost
                log.warning("live access units not published: %s", e, extra=self._log_extra)
                dropped.inc(len(batch))
                continue
            published.inc(len(batch))
            sent_bytes.inc(sum(len(p) for p in batch))
            drops = tap.dropped
            if drops != seen_drops:
                dropped.inc(drops - seen_drops)
                seen_drops = drops
        tap.take()


class LiveCamera(Protocol):
    """What live view needs of a camera this worker pulls (``service.camera.CameraRunner``)."""

    def live_start(self, stream: str) -> None: ...

    def live_stop(self, stream: str) -> None: ...


class LiveDemands:
    """The worker's demands: ``on_demand`` per message, ``run`` expires lapsed ones."""

    def __init__(
        self,
        bus: LiveBus,
        metrics: IngestMetrics,
        camera: Callable[[str], LiveCamera | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bus = bus
        self.book = DemandBook()
        self._metrics = metrics
        self._camera = camera
        self._clock = clock
        self._sub: Subscription | None = None

    def on_demand(self, demand: live_pb2.LiveDemand) -> None:
        """One demand message (the camera's lease may be elsewhere: then it is ignored)."""
        stream = LIVE_STREAM_TOKENS.get(demand.stream)
        if stream is None or not demand.holder_id:
            return
        if self._camera(demand.camera_id) is None:
            return
        change = self.book.renew(
            demand.camera_id, stream, demand.holder_id, demand.ttl_ms / 1000, self._clock()
        )
        self._apply(change)
        self._count(demand.camera_id, stream)

    def expire(self) -> None:
        """Turn off the streams whose demands lapsed."""
        for change in self.book.expire(self._clock()):
            self._apply(change)
            self._count(change.camera_id, change.stream)

    def camera_lost(self, camera_id: str) -> None:
        """The camera left this worker (its runner stops its publishing itself)."""
        for stream in self.book.drop_camera(camera_id):
            self._count(camera_id, stream)

    async def run(self, stop: asyncio.Event) -> None:
        """Subscribe to the demands and expire them until ``stop``."""
        sub = await self.bus.subscribe_demands(self.on_demand)
        try:
            while not stop.is_set():
                self.expire()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), EXPIRY_TICK_S)
        finally:
            await sub.unsubscribe()

    def _apply(self, change: DemandChange | None) -> None:
        if change is None:
            return
        camera = self._camera(change.camera_id)
        if camera is None:
            return
        log.info(
            "live %s stream %s",
            change.stream,
            "watched" if change.started else "no longer watched",
            extra={"camera_id": change.camera_id},
        )
        if change.started:
            camera.live_start(change.stream)
        else:
            camera.live_stop(change.stream)

    def _count(self, camera_id: str, stream: str) -> None:
        gauge = self._metrics.live_holders
        holders = self.book.holders(camera_id, stream)
        if holders:
            gauge.labels(camera_id=camera_id, stream=stream).set(holders)
        else:
            with contextlib.suppress(KeyError):  # a series only while the camera is watched
                gauge.remove(camera_id, stream)


async def keep_publishing(pub: LivePublishing, attempt: Callable[[], Awaitable[bool]]) -> None:
    """Run ``attempt`` (one session of a stream of its own) again while the stream is watched,
    waiting a little longer after each failure (1 s, doubling, at most 10 s)."""
    delay = 1.0
    while not pub.closed():
        connected = await attempt()
        if pub.closed():
            break
        delay = 1.0 if connected else min(delay * 2, 10.0)
        await pub.wait_closed(delay)
