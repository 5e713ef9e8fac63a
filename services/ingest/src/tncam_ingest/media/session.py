"""One RTSP session of one camera, run in its own thread: the hot path.

The thread opens the stream with ingest's RTSP client (``media.rtsp``, batched reads; the
PyAV/FFmpeg demuxer was removed, ADR 0029), reads access units without decoding and feeds
them to the segmenter (``media.segmenter``), which writes them as fMP4 and cuts segments.
It hands the event loop one finished, serialized ``SegmentClosed`` per segment (no
per-packet hand-off); statistics are plain counters the loop reads.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from tncam_ingest.domain.reasons import Failure, Reason, classify
from tncam_ingest.media.fmp4 import MUXABLE, CmafWriter
from tncam_ingest.media.live import LiveTap
from tncam_ingest.media.rtp import START, AccessUnit, RtspProtocolError, parameter_sets
from tncam_ingest.media.rtsp import RtspClient, StreamDescription
from tncam_ingest.media.segmenter import Segmenter
from tncam_ingest.media.stream import (
    ClosedSegment,
    Counters,
    SessionEnd,
    SessionOptions,
    SnapshotPacket,
    StreamInfo,
    WallClock,
)
from tncam_mesh.redact import mask_urls_in

log = logging.getLogger("tncam.ingest.session")


@dataclass
class RtspSession(Segmenter):
    """One attempt to pull a camera: ``run()`` blocks (call it in a dedicated thread)."""

    camera_id: str
    url: str  # may carry credentials: never logged as is
    worker_id: str
    options: SessionOptions
    on_connected: Callable[[StreamInfo], None]
    on_segment: Callable[[ClosedSegment], None]
    on_snapshot: Callable[[SnapshotPacket], None]
    wall: WallClock = time.time
    #: Start (Unix ms) of this camera's last segment: each new start is later (see _emit_bytes).
    last_start_ms: int = 0
    session_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    counters: Counters = field(default_factory=Counters)
    info: StreamInfo | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    snapshot_wanted: bool = False
    active: bool = False  # streaming (between on_connected and the end of run)
    #: Someone watches the stream live: each access unit goes to the tap too (ADR 0020).
    live: LiveTap | None = None
    _client: RtspClient | None = None
    _sequence: int = 0
    _init_sha: str = ""
    _codec_string: str = ""
    _cpu0: float = 0.0
    #: The camera's clock (RTCP sender reports) is further than MAX_CLOCK_DRIFT_S from ours.
    _clock_off: bool = False

    def stop(self) -> None:
        """Ask the session to end (checked before every packet; thread-safe)."""
        self._stop.set()

    def ended(self) -> bool:
        """True once the session stopped streaming (a method: read across threads)."""
        return not self.active

    def set_live(self, tap: LiveTap | None) -> None:
        """Start (a tap) or stop (None) publishing this session's access units (any thread)."""
        info = self.info
        if tap is not None and info is not None:
            tap.restart(info.codec, info.extradata, info.width, info.height, info.time_base)
        self.live = tap
        client = self._client
        if client is not None:
            opts = self.options
            client.batch_s = opts.live_batch_s if tap is not None else opts.batch_s

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> SessionEnd:
        """Open, stream and segment until the stream fails, ends or ``stop()`` is called."""
        return self._run_native()

    # ----------------------------------------------------------------------------- internals

    def _since_last_packet(self) -> float:
        last = self.counters.last_packet_at
        return self.wall() - last if last is not None else float("inf")

    # --------------------------------------------------------------------- native client

    def _run_native(self) -> SessionEnd:
        cpu0 = self._cpu0 = time.thread_time()
        started = time.monotonic()
        opts = self.options
        try:
            batch_s = opts.live_batch_s if self.live is not None else opts.batch_s
            client = self._new_client(batch_s)
        except RtspProtocolError as e:
            return SessionEnd(Reason.OTHER, mask_urls_in(str(e)), False, None)
        self._client = client
        try:
            try:
                desc = client.open()
            except Exception as e:
                failure = classify(
                    e, elapsed_s=time.monotonic() - started, timeout_s=opts.timeout_s
                )
                return SessionEnd(failure.reason, failure.detail, False, None)
            return self._stream_native(client, desc, started)
        finally:
            self.active = False
            try:
                client.close()
            except OSError:
                log.debug("closing the RTSP client failed", exc_info=True)
            self.counters.cpu_s = time.thread_time() - cpu0

    def _new_client(self, batch_s: float) -> RtspClient:
        """The RTSP client of this attempt (the scale benchmark replays recorded packets
        through a subclass of it instead of a socket: ``tncam_ingest.bench_scale``)."""
        return RtspClient(self.url, timeout_s=self.options.timeout_s, batch_s=batch_s)

    def _stream_native(
        self, client: RtspClient, desc: StreamDescription, started: float
    ) -> SessionEnd:
        opts = self.options
        codec = desc.codec
        if codec not in MUXABLE:
            return SessionEnd(
                Reason.CODEC_MISMATCH, f"codec {codec} cannot be recorded", False, None
            )
        tb = Fraction(1, desc.clock_rate)
        aus = client.access_units()
        try:
            first = self._first_keyframe(aus)
            if isinstance(first, SessionEnd):
                return first
            muxer = CmafWriter.for_keyframe(codec, bytes(first), tb, client.depacketizer)
        except EOFError:
            return SessionEnd(Reason.STREAM_ENDED, "the camera ended the stream", False, None)
        except Exception as e:
            failure = classify(e, elapsed_s=time.monotonic() - started, timeout_s=opts.timeout_s)
            return SessionEnd(failure.reason, failure.detail, False, None)
        self._connected(
            StreamInfo(
                session_id=self.session_id,
                codec=codec,
                width=muxer.width,
                height=muxer.height,
                # Out of band (SDP ``sprop-*``), else in band, from the first keyframe.
                extradata=b"".join(
                    START + ps
                    for ps in desc.parameter_sets or parameter_sets(first.data, codec == "hevc")
                ),
                open_s=time.monotonic() - started,
                connected_at=self.wall(),
                time_base=tb,
            )
        )
        try:
            return self._loop(
                _counting_gaps(first, aus, client, self.counters), lambda: muxer, codec, tb
            )
        except EOFError:
            return SessionEnd(
                Reason.STREAM_ENDED,
                "the camera ended the stream",
                True,
                self.counters.last_packet_at,
            )
        except Exception as e:
            return self._failed(e)

    def _first_keyframe(self, aus: Iterator[AccessUnit | None]) -> AccessUnit | SessionEnd:
        """Skip to the first keyframe (a segment starts with one), within the keyframe timeout."""
        opts = self.options
        deadline = time.monotonic() + opts.keyframe_timeout_s
        for au in aus:
            if self._stop.is_set():
                return SessionEnd(Reason.LEASE_RELEASED, "session stopped", False, None)
            if au is not None:
                if au.is_keyframe:
                    return au
                au.store.release(au.end)  # a segment starts with a keyframe
            if time.monotonic() > deadline:
                return SessionEnd(
                    Reason.DECODE_ERROR,
                    f"no keyframe for {opts.keyframe_timeout_s:g} s",
                    False,
                    None,
                )
        return SessionEnd(Reason.STREAM_ENDED, "the camera ended the stream", False, None)

    def _connected(self, info: StreamInfo) -> None:
        self.info = info
        self.active = True
        tap = self.live
        if tap is not None:
            tap.restart(info.codec, info.extradata, info.width, info.height, info.time_base)
        self.on_connected(info)

    def _failed(self, e: Exception) -> SessionEnd:
        """A stream that failed while streaming; a silent camera is a timeout."""
        failure = classify(e, elapsed_s=0.0, timeout_s=self.options.timeout_s)
        if self._since_last_packet() >= self.options.timeout_s * 0.9:
            failure = Failure(Reason.TIMEOUT, failure.detail)
        return SessionEnd(failure.reason, failure.detail, True, self.counters.last_packet_at)


def _counting_gaps(
    first: AccessUnit, aus: Iterator[AccessUnit | None], client: RtspClient, counters: Counters
) -> Iterator[AccessUnit | None]:
    """``first``, then the client's access units; the depacketizer's sequence gaps counted
    after each read batch (the ``None`` between batches), not per packet."""
    dep_gaps = 0
    yield first
    for au in aus:
        if au is None:
            dep = client.depacketizer
            if dep.gaps != dep_gaps:
                counters.gaps += dep.gaps - dep_gaps
                dep_gaps = dep.gaps
            counters.damaged = dep.dropped
            counters.repeated = dep.repeated
        yield au
