"""One camera held by this worker: its sessions, reconnects, status, stats and snapshots."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Coroutine
from typing import Any

from tncam.registry.v1 import camera_config_pb2
from tncam_ingest.bus.camera_events import COMPLIANT_CODEC
from tncam_ingest.domain.backoff import Backoff
from tncam_ingest.domain.quality import Luma, assess
from tncam_ingest.domain.reasons import Failure, Reason
from tncam_ingest.domain.stream_quality import Declared, QualityTracker, Window
from tncam_ingest.domain.urls import check_url, with_credentials
from tncam_ingest.media.live_session import LiveOnlySession
from tncam_ingest.media.session import RtspSession
from tncam_ingest.media.snapshot import SnapshotDecodeError, decode_snapshot
from tncam_ingest.media.stream import Counters, SessionEnd, SnapshotPacket, StreamInfo
from tncam_ingest.media.threads import LoopPoster, run_in_thread
from tncam_ingest.service.context import IngestContext
from tncam_ingest.service.live import LivePublishing, keep_publishing
from tncam_mesh.errors import TncamError
from tncam_mesh.redact import mask_url

log = logging.getLogger("tncam.ingest.camera")

Config = camera_config_pb2.CameraIngestConfig
# A session that streamed at least this long was a real connection: backoff starts over.
_STABLE_S = 10.0


class CameraRunner:
    """Pulls one camera until stopped: connect, stream, reconnect with backoff."""

    def __init__(self, camera_id: str, config: Config, deps: IngestContext) -> None:
        self.camera_id = camera_id
        self.config = config
        self.deps = deps
        self.session: RtspSession | None = None
        self._stop = asyncio.Event()
        self._restart = asyncio.Event()
        self._poster = LoopPoster(asyncio.get_running_loop())
        self._tasks: set[asyncio.Task[None]] = set()
        self._failures = 0
        self._prev_luma: Luma | None = None
        #: Picture and stream checks over this camera's snapshots and stats windows.
        self.quality = QualityTracker(deps.stream_rules)
        # One snapshot at a time, in order: a later one must not overtake an earlier one (the
        # frozen check compares consecutive pictures; "latest.jpg" must be the latest).
        self._snapshot_lock = asyncio.Lock()
        self._snapshots_queued = 0
        self.compliant: bool | None = None
        #: Watched streams ("main", "sub") and the sub-stream's own session (ADR 0020).
        self._live: dict[str, LivePublishing] = {}
        self._sub_session: LiveOnlySession | None = None

    # ------------------------------------------------------------------------------ control

    def stop(self) -> None:
        """Stop at once: the session thread ends before its next packet."""
        self._stop.set()
        for stream in list(self._live):
            self.live_stop(stream)
        if self.session is not None:
            self.session.stop()

    def update_config(self, config: Config) -> None:
        """A new configuration: reconnect now if how to reach the camera changed."""
        old = self.config
        self.config = config
        if (old.rtsp_url, old.credentials_ref) != (config.rtsp_url, config.credentials_ref):
            self._restart.set()
            if self.session is not None:
                self.session.stop()
        sub = self._sub_session
        if sub is not None and (old.rtsp_sub_url, old.credentials_ref) != (
            config.rtsp_sub_url,
            config.credentials_ref,
        ):
            sub.stop()  # reopened with the new URL while still watched

    # ----------------------------------------------------------------------------- live

    def live_start(self, stream: str) -> None:
        """Publish a stream's access units ("main": the session's; "sub": a session of its own)."""
        if stream in self._live or self._stop.is_set():
            return
        pub = LivePublishing(self.camera_id, stream, self.deps.live_bus, self.deps.metrics)
        self._live[stream] = pub
        self._spawn(pub.run(), f"live-{stream}-{self.camera_id}")
        if stream == "main":
            if self.session is not None:
                self.session.set_live(pub.tap)  # the existing session: no second one
        else:
            attempt = lambda: self._sub_attempt(pub)  # noqa: E731
            self._spawn(keep_publishing(pub, attempt), f"live-session-{self.camera_id}")

    def live_stop(self, stream: str) -> None:
        """Stop publishing a stream (the sub-stream's session closes)."""
        pub = self._live.pop(stream, None)
        if pub is None:
            return
        pub.close()
        if stream == "main":
            if self.session is not None:
                self.session.set_live(None)
        elif self._sub_session is not None:
            self._sub_session.stop()

    async def _sub_attempt(self, pub: LivePublishing) -> bool:
        """One session to the sub-stream; whether it streamed."""
        sub_url = self.config.rtsp_sub_url
        if not sub_url:
            log.warning("live sub-stream asked for, none configured", extra=self._log_extra)
            return False
        url = await self._url(sub_url)
        if isinstance(url, Failure):
            log.warning("live sub-stream: %s", url.detail, extra=self._log_extra)
            return False
        session = LiveOnlySession(url, self.deps.options, pub.tap)
        del url
        self._sub_session = session
        if pub.closed():
            return False
        end = await run_in_thread(session.run, name=f"rtsp-sub-{self.camera_id}")
        if not pub.closed():
            log.info(
                "live sub-stream ended: %s: %s",
                end.reason.value,
                end.detail,
                extra={**self._log_extra, "url": mask_url(sub_url)},
            )
        return end.connected

    @property
    def _log_extra(self) -> dict[str, str]:
        return {"camera_id": self.camera_id}

    @property
    def declared(self) -> Declared:
        """What the registry declares for the stream (the quality checks' reference)."""
        cfg = self.config
        return Declared(
            codec=cfg.expected_codec, resolution=cfg.expected_resolution, min_fps=cfg.min_fps
        )

    # --------------------------------------------------------------------------------- loop

    async def run(self) -> None:
        """The camera's life on this worker."""
        d = self.deps
        backoff = Backoff(d.reconnect_initial_s, d.reconnect_max_s)
        try:
            while not self._stop.is_set():
                self._restart.clear()
                end = await self._attempt()
                if self._stop.is_set():
                    break
                d.metrics.disconnects.labels(reason=end.reason.value).inc()
                if self._restart.is_set():
                    backoff.reset()
                    continue
                delay = backoff.next_delay()
                if end.connected and end.last_packet_at is not None and self.session is not None:
                    info = self.session.info
                    if info is not None and end.last_packet_at - info.connected_at >= _STABLE_S:
                        backoff.reset()
                        delay = backoff.next_delay()
                log.info(
                    "camera down (%s), retrying in %.1f s",
                    end.reason.value,
                    delay,
                    extra={"camera_id": self.camera_id},
                )
                await self._sleep(delay)
        finally:
            for task in list(self._tasks):
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _sleep(self, seconds: float) -> None:
        waits = [
            asyncio.ensure_future(self._stop.wait()),
            asyncio.ensure_future(self._restart.wait()),
        ]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def _url(self, url: str) -> str | Failure:
        cfg = self.config
        problem = check_url(url)
        if problem is not None:
            return Failure(Reason.OTHER, problem)
        if not cfg.credentials_ref:
            return url
        try:
            creds = await self.deps.registry.resolve_credentials(cfg.credentials_ref)
        except TncamError as e:
            return Failure(Reason.OTHER, f"credentials could not be resolved: {e.code}")
        return with_credentials(url, creds.username, creds.password)

    async def _attempt(self) -> SessionEnd:
        d = self.deps
        url = await self._url(self.config.rtsp_url)
        if isinstance(url, Failure):
            end = SessionEnd(url.reason, url.detail, False, None)
            await self._report_down(end, "")
            return end
        session = RtspSession(
            camera_id=self.camera_id,
            url=url,
            worker_id=d.worker_id,
            options=d.options,
            on_connected=lambda info: self._poster.post(self._on_connected, info),
            on_segment=lambda seg: self._poster.post(d.handoff.submit, seg),
            on_snapshot=lambda pkt: self._poster.post(self._on_snapshot, pkt),
            # Segment starts keep rising across sessions (they key the hand-off).
            last_start_ms=self.session.last_start_ms if self.session is not None else 0,
            live=self._live["main"].tap if "main" in self._live else None,
        )
        del url
        self.session = session
        if self._stop.is_set():
            return SessionEnd(Reason.LEASE_RELEASED, "stopped", False, None)
        try:
            end = await run_in_thread(session.run, name=f"rtsp-{self.camera_id}")
        finally:
            d.metrics.cpu_seconds.inc(max(0.0, session.counters.cpu_s))
        if end.connected:
            d.metrics.sessions.dec()
            if session.counters.discarded_bytes:
                d.metrics.discarded_bytes.inc(session.counters.discarded_bytes)
            if session.counters.damaged:
                d.metrics.damaged_access_units.inc(session.counters.damaged)
            if session.counters.repeated:
                d.metrics.repeated_access_units.inc(session.counters.repeated)
            if session.counters.retimed:
                d.metrics.retimed_pictures.inc(session.counters.retimed)
            if session.counters.clock_jumps:
                d.metrics.camera_clock_jumps.inc(session.counters.clock_jumps)
        await self._report_down(end, session.session_id if end.connected else "")
        return end

    # ------------------------------------------------------------------------------ events

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_connected(self, info: StreamInfo) -> None:
        d = self.deps
        self._failures = 0
        self.compliant = info.codec == COMPLIANT_CODEC
        self.quality.new_session()
        d.metrics.connects.inc()
        d.metrics.sessions.inc()
        d.metrics.open_seconds.observe(info.open_s)
        log.info(
            "camera connected: %s %dx%d in %.2f s",
            info.codec,
            info.width,
            info.height,
            info.open_s,
            extra={"camera_id": self.camera_id, "url": mask_url(self.config.rtsp_url)},
        )
        self._spawn(self._report_connected(info), f"status-{self.camera_id}")
        session = self.session
        if session is not None and session.session_id == info.session_id:
            self._spawn(self._stats_loop(session), f"stats-{self.camera_id}")
            self._spawn(self._snapshot_loop(session), f"snap-{self.camera_id}")

    async def _report_connected(self, info: StreamInfo) -> None:
        await self._published("status event", self.deps.events.connected(self.camera_id, info))

    async def _report_down(self, end: SessionEnd, session_id: str) -> None:
        d = self.deps
        if not end.connected:
            self._failures += 1
        log.info(
            "camera disconnected: %s: %s",
            end.reason.value,
            end.detail,
            extra={"camera_id": self.camera_id, "url": mask_url(self.config.rtsp_url)},
        )
        await self._published(
            "status event",
            d.events.disconnected(
                self.camera_id, end, session_id=session_id, failures=self._failures
            ),
        )

    async def _published(self, what: str, publishing: Awaitable[None]) -> None:
        """Await a publication; a refusal is logged (an event lost does not stop the camera)."""
        try:
            await publishing
        except TncamError as e:
            log.warning("%s not published: %s", what, e, extra={"camera_id": self.camera_id})

    async def _stats_loop(self, session: RtspSession) -> None:
        d = self.deps
        prev = _copy(session.counters)
        window_start = time.time()
        while session.active:
            await asyncio.sleep(d.stats_interval_s)
            if session.ended():
                break
            now = time.time()
            cur = _copy(session.counters)
            info = session.info
            if info is None:
                break
            d.metrics.packets_in.inc(cur.frames - prev.frames)
            d.metrics.bytes_in.inc(cur.bytes - prev.bytes)
            seconds = max(now - window_start, 1e-6)
            window = Window(
                fps=(cur.frames - prev.frames) / seconds,
                bitrate_bps=int((cur.bytes - prev.bytes) * 8 / seconds),
                codec=info.codec,
                width=info.width,
                height=info.height,
            )
            flags = self.quality.on_window(window, self.declared)
            for flag in flags:
                d.metrics.quality_flags.labels(flag=flag).inc()
            await self._published(
                "stats",
                d.events.stats(
                    self.camera_id,
                    info,
                    prev,
                    cur,
                    window_start=window_start,
                    now=now,
                    flags=flags,
                ),
            )
            prev, window_start = cur, now

    async def _snapshot_loop(self, session: RtspSession) -> None:
        interval = self.deps.snapshot_interval_s
        # The first snapshot soon after connecting; then about every interval, jittered so
        # the cameras of a worker do not all decode at the same moment.
        await asyncio.sleep(min(interval, 2.0) * random.uniform(0.5, 1.0))  # noqa: S311 - jitter
        while session.active:
            session.snapshot_wanted = True
            await asyncio.sleep(interval * random.uniform(0.9, 1.1))  # noqa: S311 - jitter

    def _on_snapshot(self, pkt: SnapshotPacket) -> None:
        session = self.session
        if session is None or session.info is None:
            return
        if self._snapshots_queued >= 2:
            # One in progress and one waiting already: the store or the decoder is slower
            # than the interval; skip this one rather than queue without bound.
            self.deps.metrics.snapshots.labels(outcome="skipped").inc()
            return
        self._snapshots_queued += 1
        self._spawn(self._snapshot(pkt, session.session_id), f"snapshot-{self.camera_id}")

    async def _snapshot(self, pkt: SnapshotPacket, session_id: str) -> None:
        try:
            async with self._snapshot_lock:
                await self._take_snapshot(pkt, session_id)
        finally:
            self._snapshots_queued -= 1

    async def _take_snapshot(self, pkt: SnapshotPacket, session_id: str) -> None:
        d = self.deps
        try:
            decoded = await asyncio.to_thread(decode_snapshot, pkt)
        except SnapshotDecodeError as e:
            d.metrics.snapshots.labels(outcome="decode_error").inc()
            log.warning("snapshot failed: %s", e, extra={"camera_id": self.camera_id})
            return
        # Compared across sessions too: a stuck encoder keeps its picture over a reconnect.
        q = assess(decoded.luma, self._prev_luma, d.thresholds)
        self._prev_luma = decoded.luma
        self.quality.on_picture(q, pkt.taken_at)
        result = self.quality.result(self.declared)
        for flag in ("black", "blurred", "frozen"):
            if getattr(q, flag):
                d.metrics.quality_flags.labels(flag=flag).inc()
        image = None
        if d.snapshots is not None:
            try:
                image = await d.snapshots.put_latest(self.camera_id, decoded.jpeg)
            except Exception as e:
                d.metrics.snapshots.labels(outcome="store_error").inc()
                log.warning("snapshot not stored: %s", e, extra={"camera_id": self.camera_id})
        try:
            await d.events.snapshot_taken(
                self.camera_id,
                session_id,
                decoded,
                q,
                taken_at=pkt.taken_at,
                image=image,
                result=result,
            )
        except TncamError as e:
            d.metrics.snapshots.labels(outcome="publish_error").inc()
            log.warning("snapshot event not published: %s", e, extra={"camera_id": self.camera_id})
            return
        d.metrics.snapshots.labels(outcome="ok").inc()


def _copy(c: Counters) -> Counters:
    return Counters(**{k: getattr(c, k) for k in c.__dataclass_fields__})
