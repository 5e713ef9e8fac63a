"""The ingest service's Prometheus metrics (``tncam_ingest_*``), registered per process.

Labels are low-cardinality: reasons, outcomes, codecs. Per-camera series are deliberately
absent (a worker may hold hundreds of cameras); per-camera numbers travel in StreamStats.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class IngestMetrics:
    """Every ``tncam_ingest_*`` metric."""

    # long: a table of metric declarations, one per metric
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        r = registry if registry is not None else CollectorRegistry(auto_describe=True)
        self.registry = r
        self.sessions = Gauge(
            "tncam_ingest_sessions", "RTSP sessions currently streaming", registry=r
        )
        self.leases = Gauge("tncam_ingest_leases", "Camera leases held by this worker", registry=r)
        self.workers = Gauge(
            "tncam_ingest_live_workers", "Ingest workers this worker sees alive", registry=r
        )
        self.lease_events = Counter(
            "tncam_ingest_lease_events_total",
            "Lease acquisitions, releases and losses",
            ["event"],
            registry=r,
        )
        self.connects = Counter(
            "tncam_ingest_connects_total", "Successful RTSP session opens", registry=r
        )
        self.disconnects = Counter(
            "tncam_ingest_disconnects_total",
            "Sessions ended or connection attempts failed, by reason",
            ["reason"],
            registry=r,
        )
        self.open_seconds = Histogram(
            "tncam_ingest_open_seconds",
            "Time to open an RTSP stream",
            buckets=(0.25, 0.5, 1, 1.5, 2, 3, 5, 10),
            registry=r,
        )
        self.bytes_in = Counter(
            "tncam_ingest_received_bytes_total", "Compressed video bytes received", registry=r
        )
        self.packets_in = Counter(
            "tncam_ingest_received_packets_total", "Video packets (frames) received", registry=r
        )
        self.segment_seconds = Histogram(
            "tncam_ingest_segment_duration_seconds",
            "Media duration of cut segments",
            buckets=(0.5, 1, 2, 4, 6, 8, 10, 15),
            registry=r,
        )
        self.segment_bytes = Histogram(
            "tncam_ingest_segment_size_bytes",
            "Media size of cut segments",
            buckets=(64e3, 256e3, 1e6, 2e6, 4e6, 6e6, 8e6),
            registry=r,
        )
        self.handoff_seconds = Histogram(
            "tncam_ingest_handoff_latency_seconds",
            "From a segment's cut to the stream's acknowledgement",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300),
            registry=r,
        )
        self.handoff = Counter(
            "tncam_ingest_handoff_segments_total",
            "Segments handed off, by outcome (published, duplicate, spooled, dropped)",
            ["outcome"],
            registry=r,
        )
        self.spool_segments = Gauge(
            "tncam_ingest_spool_segments", "Segments waiting in the on-disk spool", registry=r
        )
        self.spool_bytes = Gauge(
            "tncam_ingest_spool_bytes", "Bytes waiting in the on-disk spool", registry=r
        )
        self.dropped = Counter(
            "tncam_ingest_dropped_segments_total",
            "Segments dropped (spool full, rejected by the bus), all audited",
            ["reason"],
            registry=r,
        )
        self.discarded_bytes = Counter(
            "tncam_ingest_discarded_bytes_total",
            "Media bytes that could not form a valid segment (GOP over the size limit)",
            registry=r,
        )
        self.damaged_access_units = Counter(
            "tncam_ingest_damaged_access_units_total",
            "Pictures not recorded after lost RTP packets (the damaged one and the rest of its"
            " GOP, up to the next keyframe)",
            registry=r,
        )
        self.repeated_access_units = Counter(
            "tncam_ingest_repeated_access_units_total",
            "Pictures a camera sent twice with one RTP timestamp: the repeat not recorded",
            registry=r,
        )
        self.retimed_pictures = Counter(
            "tncam_ingest_retimed_pictures_total",
            "Pictures whose presentation times were put back in the order the camera shows them"
            " (its clock stepped inside a run of B-frames; counted when the session ends)",
            registry=r,
        )
        self.camera_clock_jumps = Counter(
            "tncam_ingest_camera_clock_jumps_total",
            "Steps of a camera's clock (RTCP sender reports) beyond the drift allowed from ours,"
            " or back within it (counted when the session ends; each step is logged at once)",
            registry=r,
        )
        self.snapshots = Counter(
            "tncam_ingest_snapshots_total", "Snapshots taken, by outcome", ["outcome"], registry=r
        )
        self.quality_flags = Counter(
            "tncam_ingest_quality_flags_total",
            "Snapshots flagged black, blurred or frozen",
            ["flag"],
            registry=r,
        )
        self.cpu_seconds = Counter(
            "tncam_ingest_session_cpu_seconds_total",
            "CPU time spent in session threads (demux + remux)",
            registry=r,
        )
        # Live view (ADR 0020). The holders gauge is per camera, but a series exists only
        # while the camera is watched (removed when its demand lapses): bounded by the
        # cameras watched at once, not by the fleet.
        self.live_holders = Gauge(
            "tncam_ingest_live_holders",
            "Viewer-side holders (live-edge replicas) of a watched camera stream",
            ["camera_id", "stream"],
            registry=r,
        )
        self.live_access_units = Counter(
            "tncam_ingest_live_access_units_total",
            "Access units published for live view",
            ["stream"],
            registry=r,
        )
        self.live_bytes = Counter(
            "tncam_ingest_live_bytes_total",
            "Bytes of LiveAccessUnit messages published for live view",
            ["stream"],
            registry=r,
        )
        self.live_dropped = Counter(
            "tncam_ingest_live_dropped_access_units_total",
            "Access units not published because the event loop fell behind (up to a keyframe)",
            ["stream"],
            registry=r,
        )
        self.cpu_per_stream_minute = Gauge(
            "tncam_ingest_cpu_seconds_per_stream_minute",
            "Estimated CPU seconds per camera per minute of streaming (session threads)",
            registry=r,
        )
