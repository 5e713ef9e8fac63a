"""The segmenting half of an RTSP session: access units in, ``SegmentClosed`` messages out.

Cuts a segment at the first keyframe after the target duration (early when the next GOP
would exceed the size limit), in decode (arrival) order, with segment times from presentation
times (B-frames arrive out of presentation order: ADR 0024), bridges timestamp discontinuities
so the muxer's timeline stays monotonic, anchors segment starts to the wall clock and
re-anchors when the camera's clock drifts, and hands each finished segment out whole (no
per-packet hand-off). It runs in the session's thread; :class:`RtspSession`
(``media.session``) opens the stream and mixes it in.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from tncam_ingest.domain.reasons import Reason
from tncam_ingest.media.fmp4 import Chunk, Muxer
from tncam_ingest.media.live import LiveTap
from tncam_ingest.media.segment_message import (
    codec_string,
    measure,
    media_field_header,
    segment_closed,
)
from tncam_ingest.media.stream import (
    ClosedSegment,
    Counters,
    SessionEnd,
    SessionOptions,
    SnapshotPacket,
    StreamInfo,
    WallClock,
)

log = logging.getLogger("tncam.ingest.session")

#: Pictures in a row that may present before the newest one (B-frames) before a step back is
#: taken for a discontinuity: H.265 and H.264 decoders hold at most 16 pictures.
MAX_REORDERED = 16


def _unknown_time(_pts: int) -> float:
    """The capture time of a picture that carries no camera clock."""
    return 0.0


def _shifted(clock: Callable[[int], float], offset: int) -> Callable[[int], float]:
    """``clock`` of timestamps that carry the segmenter's discontinuity ``offset``."""
    return lambda pts: clock(pts - offset)


@dataclass(slots=True)
class _Anchor:
    """A camera timestamp and the wall clock it stands for: segment starts derive from it."""

    wall: float
    pts: int
    #: Taken from the camera's RTCP sender reports rather than the local clock at arrival.
    camera: bool = False


@dataclass
class _Segment:
    start_pts: int
    start_wall: float
    drift_ms: int
    frames: int = 0
    keyframe_at_start: bool = True


class Segmenter:
    """Segmenting, mixed into :class:`RtspSession`, whose fields these are."""

    camera_id: str
    worker_id: str
    session_id: str
    options: SessionOptions
    counters: Counters
    info: StreamInfo | None
    on_segment: Callable[[ClosedSegment], None]
    on_snapshot: Callable[[SnapshotPacket], None]
    wall: WallClock
    last_start_ms: int
    snapshot_wanted: bool
    live: LiveTap | None
    _stop: threading.Event
    _sequence: int
    _init_sha: str
    _codec_string: str
    _cpu0: float
    _clock_off: bool

    # long: the per-packet state machine of the hot path; its state lives in locals on purpose
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
        # The first segment waits this long for the camera's first sender report (see below).
        first_ticks = target_ticks + int(opts.first_report_wait_s * ticks_per_s)
        max_jump = int(max(opts.timeout_s, 2.0) * ticks_per_s)
        max_bytes = opts.segment_max_bytes
        frame_ticks = 0  # typical step between presentation times, learned
        offset = 0  # added to camera timestamps after a discontinuity
        newest: int | None = None  # the newest presentation time (B-frames present earlier)
        behind = 0  # pictures in a row that present before it (B-frames)
        muxer: Muxer | None = None
        seg: _Segment | None = None
        anchor = _Anchor(0.0, 0)
        reanchor = False
        gop_frames = 0
        gop_bytes = 0
        last_gop_bytes = 0
        last_kf_pts = 0
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
                pts = packet.pts  # presentation time: the camera's RTP timestamp
                size = packet.size
                if pts is None:
                    pts = packet.dts
                    if pts is None:
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
                # Timestamps: learn the frame step; a step back is a B-frame while it stays
                # within the read timeout and few pictures in a row; otherwise, like a jump
                # longer than the read timeout, it is a discontinuity (camera restart, clock
                # reset), bridged so that the muxer's timeline stays monotonic. A keyframe
                # never presents before a picture decoded ahead of it (H.265 IRAP, H.264 IDR):
                # a keyframe stepping back is a clock step (LIVE555 re-timing), not a B-frame.
                out_pts = pts + offset
                if newest is not None:
                    delta = out_pts - newest
                    if delta < 0 and -delta <= max_jump and behind < MAX_REORDERED and not key:
                        behind += 1  # presented before the newest picture: reordered
                    elif delta <= 0 or delta > max_jump:
                        c.gaps += 1
                        offset += newest + max(frame_ticks, 1) - out_pts
                        out_pts = pts + offset
                        reanchor = True
                        behind = 0
                    else:
                        # ``behind`` + 1 pictures took the newest time ``delta`` further.
                        n = behind + 1
                        behind = 0
                        if frame_ticks and delta * 2 > frame_ticks * 3 * n:
                            c.gaps += 1  # frames missing
                        else:
                            step = delta // n
                            frame_ticks = step if not frame_ticks else (frame_ticks * 7 + step) // 8
                    if offset:
                        packet.pts = out_pts
                        if packet.dts is not None:
                            packet.dts = packet.dts + offset
                if not behind:
                    newest = out_pts
                live = self.live  # the one check per access unit while nobody watches
                if live is not None:
                    store = getattr(packet, "store", None)  # native: the camera's clock
                    clock = store.capture_time if store is not None else _unknown_time
                    if live.wants_gop:  # just started: the current GOP first
                        gop = muxer.current_gop() if muxer else []
                        live.replay(gop, out_pts, now, _shifted(clock, offset))
                    live.put(bytes(packet), out_pts, key, now, clock(pts))

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
                        self._snapshot(packet, codec, now)
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
                    camera = self._camera_wall(packet, pts, now)
                    anchor = _Anchor(now if camera is None else camera, out_pts, camera is not None)
                    seg = _Segment(out_pts, anchor.wall, 0, frames=1)
                    muxer.mux(packet)
                    last_kf_pts = out_pts
                    continue
                assert seg is not None
                if key:
                    last_kf_pts = out_pts
                    # Half a frame short is long enough: a camera's 90 kHz timestamps jitter.
                    long_enough = out_pts - seg.start_pts >= target_ticks - frame_ticks // 2
                    if long_enough and self._sequence == 0 and not anchor.camera:
                        # The first cut waits (bounded) for the camera's first sender report:
                        # cut then, the first segment is re-based on the camera's clock (and
                        # the session with it) without going back on one handed out.
                        store = getattr(packet, "store", None)
                        if store is not None and store.sender_clock is None:
                            long_enough = out_pts - seg.start_pts >= first_ticks - frame_ticks // 2
                    # Cut early rather than let the next GOP push the segment over the limit.
                    too_big = muxer.pending_bytes + 2 * last_gop_bytes > max_bytes
                    if long_enough or too_big or reanchor:
                        muxer.mux(packet)
                        camera = self._camera_wall(packet, pts, now)
                        seg = self._cut(
                            muxer, seg, anchor, out_pts, now, tb, reanchor=reanchor, camera=camera
                        )
                        reanchor = False
                        continue
                elif gop_bytes > max_bytes:
                    # One GOP cannot fit in a segment: keep what was cut, report the stream.
                    end = SessionEnd(
                        Reason.DECODE_ERROR,
                        f"GOP larger than {max_bytes} bytes without a keyframe",
                        True,
                        now,
                    )
                    break
                muxer.mux(packet)
                seg.frames += 1
        finally:
            if muxer is not None and seg is not None:
                self._finish(muxer, seg, newest, last_kf_pts, gop_frames, frame_ticks, tb, end)
        return self._ended(end)

    def _ended(self, end: SessionEnd | None) -> SessionEnd:
        """The end of a stream that was segmented: the camera's last packet time filled in."""
        last = self.counters.last_packet_at
        if end is None:
            return SessionEnd(Reason.STREAM_ENDED, "the camera ended the stream", True, last)
        if end.reason is Reason.LEASE_RELEASED:
            return SessionEnd(end.reason, end.detail, True, last)
        return end

    def _snapshot(self, packet: Any, codec: str, now: float) -> None:
        """Hand the keyframe out for a snapshot (the event loop asked for one)."""
        self.snapshot_wanted = False
        self.on_snapshot(SnapshotPacket(bytes(packet), codec, self.info_extradata, now))

    def _cut(
        self,
        muxer: Muxer,
        seg: _Segment,
        anchor: _Anchor,
        pts: int,
        now: float,
        tb: Fraction,
        *,
        reanchor: bool,
        camera: float | None = None,
    ) -> _Segment:
        """Close ``seg`` at the keyframe at ``pts`` (just muxed) and start the next segment.

        Segment starts follow the camera's clock from the anchor; the anchor moves to now
        after a discontinuity or when the camera's clock drifted too far from the wall clock.
        ``camera``: the keyframe's capture time from the camera's RTCP sender reports (None
        without one, or when it is further than ``MAX_CLOCK_DRIFT_S`` from the local clock).
        The first sender report of a session re-bases its first segment, not yet handed out,
        so the session's segments still join exactly; a re-anchored clock takes it too. The
        first cut waits for that report (``first_report_wait_s`` of media past the target at
        most: ``_loop``), so a report that comes after the target still anchors the session.
        """
        if camera is not None and not anchor.camera and self._sequence == 0:
            seg.start_wall = camera - float((pts - seg.start_pts) * tb)
            anchor.wall, anchor.pts, anchor.camera = camera, pts, True
        drift = anchor.wall + float((pts - anchor.pts) * tb) - now
        if drift > self.options.max_clock_drift_s and self._sequence == 0 and not anchor.camera:
            # More media than time went by since the session's first picture: it was read
            # late (a backlog read at once: the host stalled as the session started, or the
            # camera flushed its buffer). Nothing is handed out yet: the first segment is
            # re-based to end now rather than the next one moved back over it.
            seg.start_wall -= drift
            anchor.wall -= drift
            drift = 0.0
        # The end is where the next segment starts on this anchor, computed the same way.
        self._emit(muxer, seg, pts, tb, end_wall=anchor.wall + float((pts - anchor.pts) * tb))
        if reanchor or abs(drift) > self.options.max_clock_drift_s:
            end_wall = anchor.wall + float((pts - anchor.pts) * tb)
            anchor.wall, anchor.pts = (now, pts) if camera is None else (camera, pts)
            anchor.camera = camera is not None
            drift = 0.0 if camera is None else camera - now
            # A clock a little behind the one it replaces (the camera's capture time after
            # our arrival time, at a timestamp jump) would put the next segment over the end
            # of the one just cut: it starts where that one ended instead.
            back = end_wall - anchor.wall
            if 0 < back <= self.options.max_clock_drift_s:
                anchor.wall = end_wall
        start_wall = anchor.wall + float((pts - anchor.pts) * tb)
        return _Segment(pts, start_wall, round(drift * 1000), frames=1)

    def _camera_wall(self, packet: Any, pts: int, now: float) -> float | None:
        """When the camera captured ``packet`` (camera timestamp ``pts``, before any offset)
        by its RTCP sender reports; None without them or when the camera's clock is
        further than ``MAX_CLOCK_DRIFT_S`` from ours (a wrong camera clock: ours is used)."""
        store = getattr(packet, "store", None)
        if store is None or store.sender_clock is None:
            return None
        t: float = store.capture_time(pts)
        off = abs(t - now) > self.options.max_clock_drift_s
        if off != self._clock_off:  # the camera's clock stepped away, or back
            self._clock_off = off
            self.counters.clock_jumps += 1
            log.warning(
                "camera %s: its clock is %+.1f s from ours (%s)",
                self.camera_id,
                t - now,
                "not believed: ours is used" if off else "believed again",
                extra={"camera_id": self.camera_id, "camera_clock_offset_s": round(t - now, 1)},
            )
        return None if off else t

    @property
    def info_extradata(self) -> bytes:
        return self.info.extradata if self.info is not None else b""

    def _finish(
        self,
        muxer: Muxer,
        seg: _Segment,
        newest: int | None,
        last_kf_pts: int,
        gop_frames: int,
        frame_ticks: int,
        tb: Fraction,
        end: SessionEnd | None,
    ) -> None:
        """Hand out what the session holds when it ends: nothing accepted is dropped silently."""
        oversize = end is not None and end.detail.startswith("GOP larger")
        if muxer.pending_bytes and last_kf_pts > seg.start_pts:
            # Fragments before the last keyframe: a segment ending at that keyframe.
            start_wall = seg.start_wall + float((last_kf_pts - seg.start_pts) * tb)
            frames = max(seg.frames - gop_frames, 1)
            self._emit(muxer, seg, last_kf_pts, tb, frames=frames, end_wall=start_wall)
            seg = _Segment(last_kf_pts, start_wall, seg.drift_ms, frames=gop_frames)
        try:
            tail = muxer.close()
        except Exception:
            log.warning("closing the muxer failed", exc_info=True)
            tail = []
        if not tail or newest is None:
            return
        if oversize:
            self.counters.discarded_bytes += sum(len(c) for c in tail)
            return
        end_pts = newest + max(frame_ticks, 1)
        self._emit_bytes(muxer, tail, seg, end_pts, tb, frames=max(seg.frames, 1))

    def _emit(
        self,
        muxer: Muxer,
        seg: _Segment,
        end_pts: int,
        tb: Fraction,
        frames: int | None = None,
        end_wall: float | None = None,
    ) -> None:
        media = muxer.take()
        if media:
            self._emit_bytes(
                muxer, media, seg, end_pts, tb, frames=frames or seg.frames, end_wall=end_wall
            )

    def _span(
        self, seg: _Segment, end_pts: int, tb: Fraction, end_wall: float | None
    ) -> tuple[int, float]:
        """The segment's start (Unix ms) and duration (s), from presentation times."""
        duration = float((end_pts - seg.start_pts) * tb)
        # Millisecond keys: the start is rounded down to whole milliseconds everywhere. A
        # start is the key of the hand-off (``<camera>:<start>``, deduplicated by the bus), so
        # it must rise: a re-anchored wall clock (camera clock drifting ahead, a quick
        # reconnect) may not bring it back onto an earlier segment's start.
        start_ms = max(int(seg.start_wall * 1000), self.last_start_ms + 1)
        self.last_start_ms = start_ms
        # The end, rounded down like the next segment's start, so that the two join exactly
        # even when the camera's timestamps are not whole milliseconds (a 90 kHz clock).
        if end_wall is None:
            end_wall = seg.start_wall + duration
        return start_ms, max(int(end_wall * 1000) - int(seg.start_wall * 1000), 1) / 1000

    def _emit_bytes(
        self,
        muxer: Muxer,
        media: list[Chunk],
        seg: _Segment,
        end_pts: int,
        tb: Fraction,
        *,
        frames: int,
        end_wall: float | None = None,
    ) -> None:
        init = muxer.init or b""
        size, sha256 = measure(media)
        codec = muxer.codec
        if not self._init_sha and init:
            self._init_sha = hashlib.sha256(init).hexdigest()
            self._codec_string = codec_string(codec, init)
        start_ms, duration = self._span(seg, end_pts, tb, end_wall)
        msg = segment_closed(
            self.camera_id,
            start_ms,
            duration,
            session_id=self.session_id,
            worker_id=self.worker_id,
            sequence=self._sequence,
            drift_ms=seg.drift_ms,
            init=init,
            init_sha256=self._init_sha,
            size=size,
            sha256=sha256,
            codec=codec,
            codec_string=self._codec_string,
            width=self.info.width if self.info else 0,
            height=self.info.height if self.info else 0,
            keyframe_at_start=seg.keyframe_at_start,
            frames=frames,
        )
        # The media goes last as raw wire bytes (field order does not matter in protobuf),
        # written straight behind the metadata: the native path writes the metadata in front
        # of the samples where they already are, so the segment is not copied at all here.
        payload = muxer.seal(msg.SerializeToString() + media_field_header(size), media)
        del media
        self._sequence += 1
        self.counters.segments += 1
        self.counters.retimed = muxer.retimed
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
