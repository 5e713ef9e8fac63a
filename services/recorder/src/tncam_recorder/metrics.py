"""The recorder's own metrics (``tncam_recorder_*``), registered in the process registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0, 300.0)


class RecorderMetrics:
    """Write rate, latency, buffer age, storage by retention class, holds, deletions."""

    # long: a table of metric declarations, one entry per metric
    def __init__(self, registry: CollectorRegistry) -> None:
        self.segments_written = Counter(
            "tncam_recorder_segments_written_total",
            "Segments stored and indexed, by result (stored, duplicate)",
            ["result"],
            registry=registry,
        )
        self.bytes_written = Counter(
            "tncam_recorder_written_bytes_total",
            "Media bytes stored in the object store",
            registry=registry,
        )
        self.write_latency = Histogram(
            "tncam_recorder_write_latency_seconds",
            "From the segment's end (ingest wall clock) to indexed",
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.store_duration = Histogram(
            "tncam_recorder_store_duration_seconds",
            "Time to store and index one segment once received",
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.s3_unavailable = Counter(
            "tncam_recorder_s3_unavailable_total",
            "Write attempts that found the object store unavailable (segment kept in the bus)",
            registry=registry,
        )
        self.buffer_messages = Gauge(
            "tncam_recorder_buffer_messages",
            "Segments waiting in the hand-off stream (not yet stored and acked)",
            registry=registry,
        )
        self.buffer_age = Gauge(
            "tncam_recorder_buffer_age_seconds",
            "Age of the oldest segment waiting in the hand-off stream (0 when empty)",
            registry=registry,
        )
        self.partition_messages = Gauge(
            "tncam_recorder_handoff_partition_messages",
            "Segments waiting in one hand-off stream (partition 0.., or all: the single stream)",
            ["partition"],
            registry=registry,
        )
        self.partition_age = Gauge(
            "tncam_recorder_handoff_partition_age_seconds",
            "Age of the oldest segment waiting in one hand-off stream (0 when empty)",
            ["partition"],
            registry=registry,
        )
        self.stale_partitions = Gauge(
            "tncam_recorder_handoff_stale_partitions",
            "Hand-off streams of another partition count still present (drained; ADR 0030)",
            registry=registry,
        )
        self.storage_bytes = Gauge(
            "tncam_recorder_storage_bytes",
            "Indexed media bytes by retention class",
            ["retention_class"],
            registry=registry,
        )
        self.storage_segments = Gauge(
            "tncam_recorder_storage_segments",
            "Indexed segments by retention class",
            ["retention_class"],
            registry=registry,
        )
        self.holds_active = Gauge(
            "tncam_recorder_legal_holds_active",
            "Legal holds not yet released",
            registry=registry,
        )
        self.segments_held = Gauge(
            "tncam_recorder_held_segments",
            "Segments under at least one active legal hold",
            registry=registry,
        )
        self.segments_deleted = Counter(
            "tncam_recorder_segments_deleted_total",
            "Segments deleted with all their versions, by reason (retention, decommission)",
            ["reason"],
            registry=registry,
        )
        self.rpc = Histogram(
            "tncam_recorder_rpc_duration_seconds",
            "Recorder operations, by operation and outcome",
            ["operation", "outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
