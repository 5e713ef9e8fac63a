"""What every camera of a worker shares: the service's context, built once per worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tncam_ingest.bus.camera_events import CameraEvents
from tncam_ingest.bus.live import LiveBus
from tncam_ingest.clients.registry import RegistryClient
from tncam_ingest.domain.quality import Thresholds
from tncam_ingest.domain.stream_quality import StreamRules
from tncam_ingest.media.stream import ClosedSegment, SessionOptions
from tncam_ingest.metrics import IngestMetrics
from tncam_ingest.settings import IngestSettings
from tncam_ingest.storage.snapshots import SnapshotStore
from tncam_mesh.bus import Bus


class SegmentSink(Protocol):
    """Where finished segments go (the hand-off)."""

    def submit(self, seg: ClosedSegment) -> None: ...


@dataclass(frozen=True, slots=True)
class IngestContext:
    """The adapters and settings the use cases of one worker share."""

    worker_id: str
    options: SessionOptions
    metrics: IngestMetrics
    events: CameraEvents
    live_bus: LiveBus
    registry: RegistryClient
    handoff: SegmentSink
    snapshots: SnapshotStore | None
    thresholds: Thresholds
    stream_rules: StreamRules
    stats_interval_s: float
    snapshot_interval_s: float
    reconnect_initial_s: float
    reconnect_max_s: float


def session_options(s: IngestSettings) -> SessionOptions:
    """The session options from the settings."""
    return SessionOptions(
        timeout_s=s.rtsp_timeout_s,
        segment_target_s=s.segment_target_s,
        segment_max_bytes=s.segment_max_bytes,
        keyframe_timeout_s=s.keyframe_timeout_s,
        max_clock_drift_s=s.max_clock_drift_s,
        first_report_wait_s=s.first_report_wait_s,
        batch_s=s.rtsp_batch_s,
        live_batch_s=s.live_batch_s,
    )


def build_context(
    s: IngestSettings,
    bus: Bus,
    metrics: IngestMetrics,
    handoff: SegmentSink,
    snapshots: SnapshotStore | None,
) -> IngestContext:
    """The context of a worker from its settings and adapters."""
    ns, worker_id = s.nats_namespace, s.worker
    return IngestContext(
        worker_id=worker_id,
        options=session_options(s),
        metrics=metrics,
        events=CameraEvents(bus.js, namespace=ns, worker_id=worker_id),
        live_bus=LiveBus(bus.nc, ns),
        registry=RegistryClient(bus, namespace=ns, worker_id=worker_id),
        handoff=handoff,
        snapshots=snapshots,
        thresholds=Thresholds(
            black_mean_luma=s.black_mean_luma,
            black_max_stddev=s.black_max_stddev,
            blur_min_laplacian=s.blur_min_laplacian,
            frozen_max_diff=s.frozen_max_diff,
        ),
        stream_rules=StreamRules(
            default_min_fps=s.quality_min_fps,
            collapse_ratio=s.quality_bitrate_collapse_ratio,
            baseline_windows=s.quality_bitrate_baseline_windows,
            frozen_snapshots=s.quality_frozen_snapshots,
        ),
        stats_interval_s=s.stats_interval_s,
        snapshot_interval_s=s.snapshot_interval_s,
        reconnect_initial_s=s.reconnect_initial_s,
        reconnect_max_s=s.reconnect_max_s,
    )
