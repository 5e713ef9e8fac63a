"""Settings of the ingest service: ``TNCAM_INGEST_*``, then ``TNCAM_*``."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from tncam_contracts.catalog import MAX_SEGMENT_MESSAGE_BYTES, MIB
from tncam_contracts.partitions import MAX_HANDOFF_PARTITIONS
from tncam_mesh.settings import ServiceSettings

# Room in a SegmentClosed for the init segment and the other fields next to the media bytes.
_SEGMENT_ENVELOPE_BYTES = 256 * 1024


class IngestSettings(ServiceSettings):
    """Settings of the ingest service."""

    service_name: ClassVar[str] = "ingest"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_INGEST_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=9101, ge=1, le=65535)

    # --- leases
    #: Worker id in leases and events; defaults to the instance id (pod name - pid).
    worker_id: str = ""
    #: How often leases are renewed and free cameras claimed (the lease TTL is 10 s).
    lease_renew_s: float = Field(default=3.0, gt=0, le=5)
    #: Stop a session when its lease could not be renewed for this long (below the TTL, so
    #: the session is gone before another worker can take the camera).
    lease_fence_s: float = Field(default=8.0, gt=0, lt=10)

    # --- RTSP
    #: RTSP socket timeout (connect, each answer, silence while streaming), seconds.
    rtsp_timeout_s: float = Field(default=5.0, gt=0, le=60)
    #: The RTSP reader (ingest's own, ADR 0009; PyAV's was removed, ADR 0029): pause between
    #: socket reads (each read then takes a batch of packets).
    rtsp_batch_s: float = Field(default=0.25, ge=0, le=0.5)
    #: The same while a stream is watched live (ADR 0020): lower latency, more reads.
    live_batch_s: float = Field(default=0.02, ge=0, le=0.5)
    #: Reconnect backoff: first delay, cap (full jitter in between).
    reconnect_initial_s: float = Field(default=1.0, gt=0)
    reconnect_max_s: float = Field(default=60.0, gt=0)
    #: No keyframe for this long: the stream is reported broken (decode_error) and reopened.
    keyframe_timeout_s: float = Field(default=30.0, gt=0)

    # --- segments
    #: Target segment duration: cut at the first keyframe after it.
    segment_target_s: float = Field(default=6.0, ge=2, le=10)
    #: Cut early (at a keyframe) when a segment would grow past this many media bytes.
    segment_max_bytes: int = Field(
        default=MAX_SEGMENT_MESSAGE_BYTES - _SEGMENT_ENVELOPE_BYTES, ge=MIB
    )
    #: Re-anchor the wall clock of a session when the camera clock drifted this far.
    max_clock_drift_s: float = Field(default=2.0, gt=0)
    #: The first segment of a session waits this long (of media, past the target) for the
    #: camera's first RTCP sender report, so that it anchors the session on the camera's
    #: clock. RFC 3550 (6.2, 6.3.1): a sender's first report comes within 1.5 x 5 s / (e - 3/2)
    #: = 6.2 s of its start, so 5 s past a target of at least 2 s covers every sender that
    #: follows it; a camera that never reports has a first segment up to this much longer.
    first_report_wait_s: float = Field(default=5.0, ge=0, le=10)

    # --- hand-off and spool
    #: Bounded on-disk spool for segments the bus refused; drained in order.
    spool_dir: Path = Path("/var/lib/tncam-ingest/spool")
    spool_max_bytes: int = Field(default=2 * 1024 * MIB, ge=MIB)
    #: How long one publish waits for the stream's acknowledgement.
    publish_timeout_s: float = Field(default=10.0, gt=0)
    #: Hand-off streams (ADR 0030; shared name ``TNCAM_HANDOFF_PARTITIONS``, the recorder's
    #: must be the same): 1 = the single ``RECORDING_HANDOFF``; N = ``RECORDING_HANDOFF_P0..``.
    handoff_partitions: int = Field(default=1, ge=1, le=MAX_HANDOFF_PARTITIONS)

    # --- health events
    stats_interval_s: float = Field(default=10.0, gt=0)
    snapshot_interval_s: float = Field(default=60.0, gt=0)
    #: Picture-quality thresholds (luma 0-255, Laplacian variance at 320 px width).
    black_mean_luma: float = Field(default=20.0, ge=0, le=255)
    black_max_stddev: float = Field(default=12.0, ge=0)
    blur_min_laplacian: float = Field(default=30.0, ge=0)
    frozen_max_diff: float = Field(default=0.5, ge=0)
    #: Stream checks (issue 14): frame-rate floor when the camera has no minimum of its own,
    #: bitrate collapse (below this fraction of the session's recent level, learnt over this
    #: many stats windows), frozen = the same picture over this many consecutive snapshots.
    quality_min_fps: float = Field(default=5.0, ge=0)
    quality_bitrate_collapse_ratio: float = Field(default=0.25, gt=0, lt=1)
    quality_bitrate_baseline_windows: int = Field(default=3, ge=1, le=6)
    quality_frozen_snapshots: int = Field(default=3, ge=2)

    # --- object store (snapshots); empty endpoint = snapshots carry metrics only
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: SecretStr = SecretStr("")
    s3_secure: bool = False
    s3_region: str = ""
    snapshot_bucket: str = "tncam-snapshots"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.reconnect_initial_s > self.reconnect_max_s:
            raise ValueError("reconnect_initial_s must not exceed reconnect_max_s")
        if self.lease_renew_s * 2 >= self.lease_fence_s:
            raise ValueError("lease_fence_s must be at least twice lease_renew_s")
        return self

    @property
    def worker(self) -> str:
        """This worker's id."""
        return self.worker_id or self.instance_id
