"""Settings of the recorder service: ``TNCAM_RECORDER_*``, then ``TNCAM_*``."""

from __future__ import annotations

import re
from typing import ClassVar, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from tncam_contracts.partitions import MAX_HANDOFF_PARTITIONS
from tncam_mesh.s3 import split_endpoint
from tncam_mesh.settings import DatabaseSettings

#: Regulation floor (R6): footage is kept at least this many days.
MIN_RETENTION_DAYS = 30
_CLASS_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class RecorderSettings(DatabaseSettings):
    """Settings of the recorder service."""

    service_name: ClassVar[str] = "recorder"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_RECORDER_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=9102, ge=1, le=65535)
    # No overflow connections: under a burst of writers each one would be a PostgreSQL backend
    # forked and closed; transactions wait for a pooled connection instead (ADR 0018).
    db_max_overflow: int = Field(default=0, ge=0, le=100)

    # Object store (shared names: one S3 for every service that needs one).
    s3_endpoint: str = "http://127.0.0.1:9000"
    s3_access_key: SecretStr
    s3_secret_key: SecretStr
    s3_region: str = "us-east-1"
    s3_timeout_s: float = Field(default=10.0, gt=0)
    bucket: str = "tncam-segments"
    #: Where ingest keeps each camera's newest snapshot (its ``SNAPSHOT_BUCKET``); read-only
    #: here, for ``get_snapshot``: only ``cameras/<camera_id>/<name>.jpg`` in it is served.
    snapshot_bucket: str = "tncam-snapshots"
    #: The S3 sites that hold the bucket (MinIO site replication, ADR 0026): named in every
    #: retention deletion record, since one versioned delete removes the version at each site.
    storage_sites: list[str] = Field(default_factory=lambda: ["primary"], min_length=1)
    #: Largest snapshot JPEG served (one NATS reply holds it whole).
    snapshot_max_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, le=8 * 1024 * 1024)

    # Retention classes: name -> days current versions live; a camera gets the smallest class
    # that covers its registry retention_days. Never below 30 days.
    retention_classes: dict[str, int] = Field(
        default_factory=lambda: {"d30": 30, "d90": 90, "d180": 180, "d365": 365}
    )
    default_retention_class: str = "d30"

    # Writing: concurrent writers (pull loops sharing one durable consumer).
    write_concurrency: int = Field(default=4, ge=1, le=64)
    consumer_max_deliver: int = Field(default=50, ge=1)
    #: Hand-off streams (ADR 0030; shared name ``TNCAM_HANDOFF_PARTITIONS``, ingest's must be
    #: the same): 1 = the single ``RECORDING_HANDOFF``; N = ``RECORDING_HANDOFF_P0..``. The
    #: writers spread over the partitions (at least one each); streams of another N still
    #: present are drained by one more writer each, found again every ``handoff_rescan_s``.
    handoff_partitions: int = Field(default=1, ge=1, le=MAX_HANDOFF_PARTITIONS)
    handoff_rescan_s: float = Field(default=30.0, gt=0)
    # While S3 is down a writer keeps its segment (not acked) and retries with this cap.
    s3_retry_cap_s: float = Field(default=5.0, gt=0)
    # A camera's retention class / commune (registry KV camera_config) is re-read after this
    # long: a changed retention applies to segments written from then on.
    camera_config_cache_s: float = Field(default=30.0, ge=0)

    # Reading.
    segment_url_template: str = "/api/v1/recordings/segments/{segment_id}.m4s"
    init_url_template: str = "/api/v1/recordings/cameras/{camera_id}/init/{init_sha256}.mp4"
    gap_tolerance_s: float = Field(default=1.5, ge=0)
    live_playlist_segments: int = Field(default=6, ge=2, le=100)
    list_limit: int = Field(default=5000, ge=1)
    report_utc_offset_hours: int = Field(default=7, ge=-12, le=14)
    object_chunk_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, le=8 * 1024 * 1024)

    # Export and certificates: Ed25519 private key, base64 of the 32-byte seed or PEM.
    signing_key: SecretStr
    export_max_seconds: float = Field(default=4 * 3600.0, gt=0)
    export_include_segments: bool = True

    # Retention sweep (backstop to lifecycle rules) and periodic gauges.
    sweep_interval_s: float = Field(default=3600.0, gt=0)
    sweep_batch: int = Field(default=500, ge=1)
    gauges_interval_s: float = Field(default=30.0, gt=0)

    @field_validator("bucket", "snapshot_bucket")
    @classmethod
    def _bucket(cls, v: str) -> str:
        if not _BUCKET_RE.match(v) or ".." in v:
            raise ValueError(f"{v!r} is not a valid S3 bucket name")
        return v

    @field_validator("retention_classes")
    @classmethod
    def _classes(cls, v: dict[str, int]) -> dict[str, int]:
        if not v:
            raise ValueError("at least one retention class is needed")
        for name, days in v.items():
            if not _CLASS_RE.match(name):
                raise ValueError(f"retention class name {name!r} must match {_CLASS_RE.pattern}")
            if days < MIN_RETENTION_DAYS:
                raise ValueError(
                    f"retention class {name} keeps {days} days; the minimum is "
                    f"{MIN_RETENTION_DAYS} (R6)"
                )
        return v

    @model_validator(mode="after")
    def _default_class_exists(self) -> Self:
        if self.default_retention_class not in self.retention_classes:
            raise ValueError(
                f"TNCAM_RECORDER_DEFAULT_RETENTION_CLASS {self.default_retention_class!r} is "
                f"not one of the retention classes {sorted(self.retention_classes)}"
            )
        for name in ("segment_url_template", "init_url_template"):
            template = getattr(self, name)
            if "://" in template and "X-Amz-" in template:
                raise ValueError(f"{name} must point to the gateway, not to the object store")
        return self

    @property
    def s3_secure(self) -> bool:
        """Whether the object store is reached over TLS."""
        return split_endpoint(self.s3_endpoint)[1]

    @property
    def s3_host(self) -> str:
        """``host:port`` of the object store, the form the minio SDK wants."""
        return split_endpoint(self.s3_endpoint)[0]
