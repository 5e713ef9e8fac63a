"""The live edge's own metrics (``tncam_live_*``), registered on the process registry.

Labels stay low-cardinality: a codec path, a limit, a reason; never a camera or a viewer.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from tncam_live.domain.codec_path import CodecPath

#: Time to first frame: from open_session's request to the first frame handed to the sender.
TTFF_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


class LiveMetrics:
    """Viewers, sessions, fan-outs, transcodes, first frames, drops, refusals, packetizing."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._sessions(registry)
        self._media(registry)
        for path in CodecPath:
            self.viewers.labels(codec_path=path.value)
            self.sessions_opened.labels(codec_path=path.value)
        for limit in ("camera", "replica"):
            self.capacity_refusals.labels(limit=limit)
        for stage in ("viewer", "transcode"):
            self.dropped_frames.labels(stage=stage)

    def _sessions(self, r: CollectorRegistry) -> None:
        self.viewers = Gauge(
            "tncam_live_viewers", "Sessions held, by codec path", ["codec_path"], registry=r
        )
        self.sessions_opened = Counter(
            "tncam_live_sessions_opened_total",
            "Sessions opened (answered), by codec path",
            ["codec_path"],
            registry=r,
        )
        self.sessions_ended = Counter(
            "tncam_live_sessions_ended_total",
            "Sessions ended, by reason (closed, expired, peer_failed, peer_closed, "
            "connect_timeout, shutdown)",
            ["reason"],
            registry=r,
        )
        self.open_failures = Counter(
            "tncam_live_open_failures_total",
            "open_session requests refused or failed, by error code",
            ["code"],
            registry=r,
        )
        self.capacity_refusals = Counter(
            "tncam_live_capacity_refusals_total",
            "Sessions refused for capacity, by limit (camera, replica)",
            ["limit"],
            registry=r,
        )
        self.ttff = Histogram(
            "tncam_live_time_to_first_frame_seconds",
            "From open_session to the first frame handed to the viewer's RTP sender",
            ["codec_path"],
            buckets=TTFF_BUCKETS,
            registry=r,
        )

    def _media(self, r: CollectorRegistry) -> None:
        self.fanouts = Gauge(
            "tncam_live_fanouts",
            "Camera streams this replica receives (one fan-out each)",
            registry=r,
        )
        self.transcoders = Gauge(
            "tncam_live_transcoders", "Shared H.265 -> H.264 transcodes running", registry=r
        )
        self.dropped_frames = Counter(
            "tncam_live_dropped_frames_total",
            "Frames a viewer (or a transcode) did not get because it fell behind, by stage",
            ["stage"],
            registry=r,
        )
        self.access_units = Counter(
            "tncam_live_access_units_total",
            "Access units received from ingest, by stream",
            ["stream"],
            registry=r,
        )
        self.sequence_gaps = Counter(
            "tncam_live_sequence_gaps_total",
            "Access units missing in ingest's sequence (lost on the bus or dropped by ingest)",
            registry=r,
        )
        self.packetizations = Counter(
            "tncam_live_packetizations_total",
            "Frames packetized into RTP payloads (once per frame and codec), by codec",
            ["codec"],
            registry=r,
        )
        self.packet_reuses = Counter(
            "tncam_live_packetization_reuses_total",
            "Frames sent to a viewer with payloads already packetized for another, by codec",
            ["codec"],
            registry=r,
        )
        self.transcode_seconds = Histogram(
            "tncam_live_transcode_frame_seconds",
            "Decode and encode time of one frame in a shared transcode",
            buckets=(0.002, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32),
            registry=r,
        )
