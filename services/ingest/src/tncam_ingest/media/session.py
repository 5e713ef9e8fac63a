"""One RTSP session of one camera, run in its own thread: the hot path.

The thread opens the stream with PyAV (FFmpeg socket ``timeout`` in microseconds, never
PyAV's Python-level timeout, which re-takes the GIL for each interrupt check), reads packets
without decoding, remuxes them into fMP4 and cuts a segment at the first keyframe after the
target duration. It hands the event loop one finished, serialized ``SegmentClosed`` per
segment (no per-packet hand-off); statistics are plain counters the loop reads.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import av

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import segment_idempotency_key
from tncam_ingest.domain.reasons import Failure, Reason, classify
from tncam_ingest.media.fmp4 import MUXABLE, Chunk, CmafWriter, FragmentMuxer, Muxer
from tncam_ingest.media.rtsp import (
    START,
    AccessUnit,
    RtspClient,
    RtspProtocolError,
    StreamDescription,
)
from tncam_mesh.redact import mask_urls_in

log = logging.getLogger("tncam.ingest.session")

WallClock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How to open and cut one stream."""

    timeout_s: float = 5.0
    analyze_s: float = 1.0
    segment_target_s: float = 6.0
    segment_max_bytes: int = 8 * 1024 * 1024 - 256 * 1024
    keyframe_timeout_s: float = 30.0
    max_clock_drift_s: float = 2.0
    #: "native": our RTSP client with batched reads (media.rtsp); "pyav": FFmpeg's demuxer.
    backend: str = "native"
    #: Native client: pause between socket reads, so each read takes a batch of packets.
    batch_s: float = 0.25

    def ffmpeg(self) -> dict[str, str]:
        """FFmpeg demuxer options: TCP, socket timeout in microseconds, quick probing."""
        us = str(int(self.timeout_s * 1_000_000))
        return {
            "rtsp_transport": "tcp",
            # ``timeout`` is the RTSP socket I/O timeout (``stimeout`` is ignored by FFmpeg 8).
            "timeout": us,
            "analyzeduration": str(int(self.analyze_s * 1_000_000)),
            # Interleaved TCP never reorders: no reorder queue to fill and hold.
            "reorder_queue_size": "0",
        }


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What the opened stream is."""

    session_id: str
    codec: str
    width: int
    height: int
    extradata: bytes
    open_s: float
    connected_at: float  # wall clock


@dataclass(frozen=True, slots=True)
class ClosedSegment:
    """A finished segment, serialized and ready to publish."""

    camera_id: str
    msg_id: str
    payload: Chunk  # serialized tncam.recording.v1.SegmentClosed (bytes or a view)
    start: float  # wall clock
    duration_s: float
    media_bytes: int
    closed_at_mono: float


@dataclass(frozen=True, slots=True)
class SnapshotPacket:
    """One keyframe (compressed) for a snapshot, decoded later in a worker thread."""

    data: bytes
    codec: str
    extradata: bytes
    taken_at: float  # wall clock


@dataclass(frozen=True, slots=True)
class SessionEnd:
    """Why the session ended."""

    reason: Reason
    detail: str
    connected: bool
    last_packet_at: float | None  # wall clock


@dataclass
class Counters:
    """Cumulative counters of a session, written by its thread, read by the event loop."""

    packets: int = 0
    frames: int = 0
    bytes: int = 0
    keyframes: int = 0
    gaps: int = 0
    last_gop_frames: int = 0
    segments: int = 0
    discarded_bytes: int = 0
    last_packet_at: float | None = None
    cpu_s: float = 0.0


@dataclass
class _Segment:
    start_dts: int
    start_wall: float
    drift_ms: int
    frames: int = 0
    keyframe_at_start: bool = True


@dataclass
class RtspSession:
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
    _sequence: int = 0
    _init_sha: str = ""
    _codec_string: str = ""
    _cpu0: float = 0.0

    def stop(self) -> None:
        """Ask the session to end (checked before every packet; thread-safe)."""
        self._stop.set()

    def ended(self) -> bool:
        """True once the session stopped streaming (a method: read across threads)."""
        return not self.active

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> SessionEnd:
        """Open, stream and segment until the stream fails, ends or ``stop()`` is called."""
        if self.options.backend == "native":
            return self._run_native()
        cpu0 = self._cpu0 = time.thread_time()
        started = time.monotonic()
        try:
            container = av.open(self.url, mode="r", options=self.options.ffmpeg())
        except Exception as e:
            failure = classify(
                e, elapsed_s=time.monotonic() - started, timeout_s=self.options.timeout_s
            )
            self.counters.cpu_s = time.thread_time() - cpu0
            return SessionEnd(failure.reason, failure.detail, False, None)
        try:
            return self._stream(container, started)
        finally:
            self.active = False
            try:
                container.close()
            except Exception:
                log.debug("closing input failed", exc_info=True)
            self.counters.cpu_s = time.thread_time() - cpu0

    # ----------------------------------------------------------------------------- internals

    def _stream(self, container: Any, started: float) -> SessionEnd:
        if not container.streams.video:
            return SessionEnd(Reason.CODEC_MISMATCH, "the stream has no video", False, None)
        vs = container.streams.video[0]
        codec = str(vs.codec_context.name)
        if codec not in MUXABLE:
            return SessionEnd(
                Reason.CODEC_MISMATCH, f"codec {codec} cannot be recorded", False, None
            )
        tb: Fraction = vs.time_base
        ctx = vs.codec_context
        self.info = StreamInfo(
            session_id=self.session_id,
            codec=codec,
            width=int(ctx.width or 0),
            height=int(ctx.height or 0),
            extradata=bytes(ctx.extradata or b""),
            open_s=time.monotonic() - started,
            connected_at=self.wall(),
        )
        self.active = True
        self.on_connected(self.info)
        try:
            return self._loop(container.demux(vs), lambda: FragmentMuxer(vs, codec), codec, tb)
        except Exception as e:
            failure = classify(e, elapsed_s=0.0, timeout_s=self.options.timeout_s)
            if self._since_last_packet() >= self.options.timeout_s * 0.9:
                failure = Failure(Reason.TIMEOUT, failure.detail)
            return SessionEnd(failure.reason, failure.detail, True, self.counters.last_packet_at)

    def _since_last_packet(self) -> float:
        last = self.counters.last_packet_at
        return self.wall() - last if last is not None else float("inf")

    # --------------------------------------------------------------------- native client

    def _run_native(self) -> SessionEnd:
        cpu0 = self._cpu0 = time.thread_time()
        started = time.monotonic()
        opts = self.options
        try:
            client = RtspClient(self.url, timeout_s=opts.timeout_s, batch_s=opts.batch_s)
        except RtspProtocolError as e:
            return SessionEnd(Reason.OTHER, mask_urls_in(str(e)), False, None)
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
        deadline = time.monotonic() + opts.keyframe_timeout_s
        first: AccessUnit | None = None
        try:
            for au in aus:
                if self._stop.is_set():
                    return SessionEnd(Reason.LEASE_RELEASED, "session stopped", False, None)
                if au is not None:
                    if au.is_keyframe:
                        first = au
                        break
                    au.store.release(au.end)  # a segment starts with a keyframe
                if time.monotonic() > deadline:
                    return SessionEnd(
                        Reason.DECODE_ERROR,
                        f"no keyframe for {opts.keyframe_timeout_s:g} s",
                        False,
                        None,
                    )
            if first is None:
                return SessionEnd(Reason.STREAM_ENDED, "the camera ended the stream", False, None)
            muxer = CmafWriter.for_keyframe(codec, bytes(first), tb, client.depacketizer)
        except EOFError:
            return SessionEnd(Reason.STREAM_ENDED, "the camera ended the stream", False, None)
        except Exception as e:
            failure = classify(e, elapsed_s=time.monotonic() - started, timeout_s=opts.timeout_s)
            return SessionEnd(failure.reason, failure.detail, False, None)
        self.info = StreamInfo(
            session_id=self.session_id,
            codec=codec,
            width=muxer.width,
            height=muxer.height,
            extradata=b"".join(START + ps for ps in desc.parameter_sets),
            open_s=time.monotonic() - started,
            connected_at=self.wall(),
        )
        self.active = True
        self.on_connected(self.info)
        counters = self.counters
        dep_gaps = 0

        def packets() -> Iterator[AccessUnit | None]:
            nonlocal dep_gaps
            yield first
            for au in aus:
                if au is None:
                    dep = client.depacketizer
                    if dep.gaps != dep_gaps:
                        counters.gaps += dep.gaps - dep_gaps
                        dep_gaps = dep.gaps
                yield au

        try:
            return self._loop(packets(), lambda: muxer, codec, tb)
        except EOFError:
            return SessionEnd(
                Reason.STREAM_ENDED, "the camera ended the stream", True, counters.last_packet_at
            )
        except Exception as e:
            failure = classify(e, elapsed_s=0.0, timeout_s=opts.timeout_s)
            if self._since_last_packet() >= opts.timeout_s * 0.9:
                failure = Failure(Reason.TIMEOUT, failure.detail)
            return SessionEnd(failure.reason, failure.detail, True, counters.last_packet_at)

    # ------------------------------------------------------------------------ segmenting

    def _loop(
        self,
        packets: Iterator[Any],
        make_muxer: Callable[[], Muxer],
        codec: str,
        tb: Fraction,
    ) -> SessionEnd:
        opts = self.options
        c = self.counters
        ticks_per_s = 1 / tb
        target_ticks = int(opts.segment_target_s * ticks_per_s)
        max_jump = int(max(opts.timeout_s, 2.0) * ticks_per_s)
        frame_ticks = 0  # typical dts step, learned
        offset = 0  # added to camera timestamps after a discontinuity
        last_dts: int | None = None
        muxer: Muxer | None = None
        seg: _Segment | None = None
        anchor_wall = 0.0
        anchor_dts = 0
        reanchor = False
        gop_frames = 0
        gop_bytes = 0
        last_gop_bytes = 0
        last_kf_dts = 0
        kf_deadline = time.monotonic() + opts.keyframe_timeout_s
        end: SessionEnd | None = None
        stop = self._stop
        try:
            for packet in packets:
                if stop.is_set():
                    end = SessionEnd(Reason.LEASE_RELEASED, "session stopped", True, None)
                    break
                if packet is None:  # the native client between two read batches
                    continue
                dts = packet.dts
                size = packet.size
                if dts is None:
                    if size == 0:  # end of stream
                        break
                    continue  # the first packet after av.open carries no timestamps
                now = self.wall()
                mono = time.monotonic()
                c.packets += 1
                c.frames += 1
                c.bytes += size
                c.last_packet_at = now
                key = packet.is_keyframe
                # Timestamps: learn the frame step; a step backwards or a jump longer than
                # the read timeout is a discontinuity (camera restart, clock reset) and is
                # bridged so that the muxer's timeline stays monotonic.
                out_dts = dts + offset
                if last_dts is not None:
                    delta = out_dts - last_dts
                    if delta <= 0 or delta > max_jump:
                        c.gaps += 1
                        offset += last_dts + max(frame_ticks, 1) - out_dts
                        out_dts = dts + offset
                        reanchor = True
                    elif frame_ticks and delta * 2 > frame_ticks * 3:
                        c.gaps += 1  # frames missing
                    else:
                        frame_ticks = delta if not frame_ticks else (frame_ticks * 7 + delta) // 8
                    if offset:
                        packet.dts = out_dts
                        if packet.pts is not None:
                            packet.pts = packet.pts + offset
                last_dts = out_dts

                if key:
                    c.keyframes += 1
                    c.cpu_s = time.thread_time() - self._cpu0
                    kf_deadline = mono + opts.keyframe_timeout_s
                    if gop_frames:
                        c.last_gop_frames = gop_frames
                        last_gop_bytes = gop_bytes
                    gop_frames = 0
                    gop_bytes = 0
                    if self.snapshot_wanted:
                        self.snapshot_wanted = False
                        self.on_snapshot(
                            SnapshotPacket(bytes(packet), codec, self.info_extradata, now)
                        )
                elif mono > kf_deadline:
                    end = SessionEnd(
                        Reason.DECODE_ERROR,
                        f"no keyframe for {opts.keyframe_timeout_s:g} s",
                        True,
                        now,
                    )
                    break
                gop_frames += 1
                gop_bytes += size

                if muxer is None:
                    if not key:
                        continue  # a segment starts with a keyframe
                    muxer = make_muxer()
                    anchor_wall, anchor_dts = now, out_dts
                    seg = _Segment(out_dts, now, 0)
                    muxer.mux(packet)
                    last_kf_dts = out_dts
                    seg.frames = 1
                    continue
                assert seg is not None
                if key:
                    last_kf_dts = out_dts
                    expected = anchor_wall + float((out_dts - anchor_dts) * tb)
                    drift = expected - now
                    long_enough = out_dts - seg.start_dts >= target_ticks
                    # Cut early rather than let the next GOP push the segment over the limit.
                    too_big = muxer.pending_bytes + 2 * last_gop_bytes > opts.segment_max_bytes
                    if long_enough or too_big or reanchor:
                        muxer.mux(packet)
                        self._emit(muxer, seg, out_dts, tb)
                        if reanchor or abs(drift) > opts.max_clock_drift_s:
                            anchor_wall, anchor_dts = now, out_dts
                            drift = 0.0
                            reanchor = False
                        start_wall = anchor_wall + float((out_dts - anchor_dts) * tb)
                        seg = _Segment(out_dts, start_wall, round(drift * 1000), frames=1)
                        continue
                elif gop_bytes > opts.segment_max_bytes:
                    # One GOP cannot fit in a segment: keep what was cut, report the stream.
                    end = SessionEnd(
                        Reason.DECODE_ERROR,
                        f"GOP larger than {opts.segment_max_bytes} bytes without a keyframe",
                        True,
                        now,
                    )
                    break
                muxer.mux(packet)
                seg.frames += 1
        finally:
            if muxer is not None and seg is not None:
                self._finish(muxer, seg, last_dts, last_kf_dts, gop_frames, frame_ticks, tb, end)
        if end is not None:
            if end.reason is Reason.LEASE_RELEASED:
                return SessionEnd(end.reason, end.detail, True, c.last_packet_at)
            return end
        return SessionEnd(
            Reason.STREAM_ENDED, "the camera ended the stream", True, c.last_packet_at
        )

    @property
    def info_extradata(self) -> bytes:
        return self.info.extradata if self.info is not None else b""

    def _finish(
        self,
        muxer: Muxer,
        seg: _Segment,
        last_dts: int | None,
        last_kf_dts: int,
        gop_frames: int,
        frame_ticks: int,
        tb: Fraction,
        end: SessionEnd | None,
    ) -> None:
        """Hand out what the session holds when it ends: nothing accepted is dropped silently."""
        oversize = end is not None and end.detail.startswith("GOP larger")
        if muxer.pending_bytes and last_kf_dts > seg.start_dts:
            # Fragments before the last keyframe: a segment ending at that keyframe.
            self._emit(muxer, seg, last_kf_dts, tb, frames=max(seg.frames - gop_frames, 1))
            start_wall = seg.start_wall + float((last_kf_dts - seg.start_dts) * tb)
            seg = _Segment(last_kf_dts, start_wall, seg.drift_ms, frames=gop_frames)
        try:
            tail = muxer.close()
        except Exception:
            log.warning("closing the muxer failed", exc_info=True)
            tail = []
        if not tail or last_dts is None:
            return
        if oversize:
            self.counters.discarded_bytes += sum(len(c) for c in tail)
            return
        end_dts = last_dts + max(frame_ticks, 1)
        self._emit_bytes(muxer, tail, seg, end_dts, tb, frames=max(seg.frames, 1))

    def _emit(
        self,
        muxer: Muxer,
        seg: _Segment,
        end_dts: int,
        tb: Fraction,
        frames: int | None = None,
    ) -> None:
        media = muxer.take()
        if media:
            self._emit_bytes(muxer, media, seg, end_dts, tb, frames=frames or seg.frames)

    def _emit_bytes(
        self,
        muxer: Muxer,
        media: list[Chunk],
        seg: _Segment,
        end_dts: int,
        tb: Fraction,
        *,
        frames: int,
    ) -> None:
        init = muxer.init or b""
        size = 0
        digest = hashlib.sha256()
        for chunk in media:
            size += len(chunk)
            digest.update(chunk)
        codec = muxer.codec
        if not self._init_sha and init:
            self._init_sha = hashlib.sha256(init).hexdigest()
            self._codec_string = codec_string(codec, init)
        duration = float((end_dts - seg.start_dts) * tb)
        # Millisecond keys: the start is rounded down to whole milliseconds everywhere. A
        # start is the key of the hand-off (``<camera>:<start>``, deduplicated by the bus), so
        # it must rise: a re-anchored wall clock (camera clock drifting ahead, a quick
        # reconnect) may not bring it back onto an earlier segment's start.
        start_ms = max(int(seg.start_wall * 1000), self.last_start_ms + 1)
        self.last_start_ms = start_ms
        start = datetime.fromtimestamp(start_ms // 1000, UTC).replace(
            microsecond=start_ms % 1000 * 1000
        )
        end = start + timedelta(seconds=duration)
        msg = segment_pb2.SegmentClosed(
            camera_id=self.camera_id,
            camera_clock_drift_ms=seg.drift_ms,
            sequence=self._sequence,
            session_id=self.session_id,
            worker_id=self.worker_id,
            idempotency_key=segment_idempotency_key(self.camera_id, start),
            init_sha256=self._init_sha,
            init_included=bool(init),
            init_segment=init,
            size_bytes=size,
            sha256=digest.hexdigest(),
            codec=codec,
            codec_string=self._codec_string,
            width=self.info.width if self.info else 0,
            height=self.info.height if self.info else 0,
            keyframe_at_start=seg.keyframe_at_start,
            frames=frames,
        )
        msg.segment_start.FromDatetime(start)
        msg.segment_end.FromDatetime(end)
        msg.duration.FromTimedelta(timedelta(seconds=duration))
        # The media goes last as raw wire bytes (field order does not matter in protobuf),
        # written straight behind the metadata: the native path writes the metadata in front
        # of the samples where they already are, so the segment is not copied at all here.
        payload = muxer.seal(msg.SerializeToString() + media_field_header(size), media)
        del media
        self._sequence += 1
        self.counters.segments += 1
        self.on_segment(
            ClosedSegment(
                camera_id=self.camera_id,
                msg_id=msg.idempotency_key,
                payload=payload,
                start=seg.start_wall,
                duration_s=duration,
                media_bytes=size,
                closed_at_mono=time.monotonic(),
            )
        )


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


_MEDIA_TAG = _varint((segment_pb2.SegmentClosed.MEDIA_BYTES_FIELD_NUMBER << 3) | 2)


def media_field_header(size: int) -> bytes:
    """Protobuf tag and length of ``SegmentClosed.media_bytes`` (length-delimited field)."""
    return _MEDIA_TAG + _varint(size)


def codec_string(codec: str, init: bytes) -> str:
    """RFC 6381 codec string from the init segment's decoder configuration record."""
    tag = b"avcC" if codec == "h264" else b"hvcC"
    at = init.find(tag)
    rec = init[at + 4 : at + 4 + 13] if at >= 0 else b""
    if codec == "h264" and len(rec) >= 4 and rec[0] == 1:
        return f"avc1.{rec[1]:02X}{rec[2]:02X}{rec[3]:02X}"
    if codec == "hevc" and len(rec) >= 13 and rec[0] == 1:
        b1 = rec[1]
        space = "ABC"[(b1 >> 6) - 1] if b1 >> 6 else ""
        tier = "H" if b1 & 0x20 else "L"
        profile = b1 & 0x1F
        compat = int.from_bytes(rec[2:6], "big")
        compat_rev = int(f"{compat:032b}"[::-1], 2)
        constraints = rec[6:12].rstrip(b"\x00")
        parts = [f"hvc1.{space}{profile}", f"{compat_rev:X}", f"{tier}{rec[12]}"]
        parts += [f"{b:X}" for b in constraints]
        return ".".join(parts)
    return {"hevc": "hvc1", "h264": "avc1"}.get(codec, codec)
