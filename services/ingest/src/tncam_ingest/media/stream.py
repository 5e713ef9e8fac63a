"""What an RTSP session takes and gives: its options, the stream it opened, finished segments,
snapshot keyframes, its counters and why it ended (plain values, shared across threads)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from tncam_ingest.domain.reasons import Reason
from tncam_ingest.media.fmp4 import Chunk

WallClock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class SessionOptions:
    """How to open and cut one stream."""

    timeout_s: float = 5.0
    segment_target_s: float = 6.0
    segment_max_bytes: int = 8 * 1024 * 1024 - 256 * 1024
    keyframe_timeout_s: float = 30.0
    max_clock_drift_s: float = 2.0
    #: The first segment is cut at the first keyframe after the target once the camera's
    #: first RTCP sender report came, or this much media later without one (ingest README).
    first_report_wait_s: float = 5.0
    #: The RTSP client (media.rtsp): pause between socket reads, so each read takes a batch.
    batch_s: float = 0.25
    #: The same while someone watches the stream live (latency matters more than CPU then).
    live_batch_s: float = 0.02


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
    time_base: Fraction = Fraction(1, 90_000)  # of packet timestamps


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
    #: Pictures dropped after lost packets (up to the next keyframe), not recorded.
    damaged: int = 0
    #: Pictures a camera sent twice with one timestamp: the repeat dropped, nothing else.
    repeated: int = 0
    #: Pictures whose presentation times were put back in the order the camera shows them
    #: (its clock stepped inside a run of B-frames: ``media.picture_order``).
    retimed: int = 0
    last_gop_frames: int = 0
    segments: int = 0
    discarded_bytes: int = 0
    #: The camera's clock (its RTCP sender reports) stepped further than MAX_CLOCK_DRIFT_S
    #: from ours, or back within it: each step is counted (and logged) once.
    clock_jumps: int = 0
    last_packet_at: float | None = None
    cpu_s: float = 0.0
