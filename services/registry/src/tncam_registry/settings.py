"""Settings of the registry service: ``TNCAM_REGISTRY_*``, then ``TNCAM_*``."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from tncam_mesh.settings import DatabaseSettings


class YearOverride(BaseModel):
    """The government's announced changes to one year's calendar (make-up days, extra days off)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days_off: tuple[dt.date, ...] = ()
    working_days: tuple[dt.date, ...] = ()


class RegistrySettings(DatabaseSettings):
    """Settings of the registry service."""

    service_name: ClassVar[str] = "registry"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_REGISTRY_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=9103, ge=1, le=65535)

    #: Key that encrypts camera credentials at rest (AES-256-GCM; the key is derived from this
    #: secret with HKDF-SHA256). Changing it makes stored credentials unreadable.
    credentials_key: SecretStr

    #: "Unstable": more than this many disconnects in the last 24 h ...
    unstable_max_disconnects_24h: int = Field(default=3, ge=0)
    #: ... or an uptime below this fraction over the observed part of the last 24 h.
    unstable_min_uptime: float = Field(default=0.9, ge=0.0, le=1.0)
    #: A camera lost longer than this gets a fault ticket (3 working days to fix).
    fault_after_s: float = Field(default=300.0, gt=0)
    #: A camera released by an ingest worker (lease moved, worker stopped) that no worker
    #: reconnects within this time is reported lost.
    handover_grace_s: float = Field(default=30.0, gt=0)
    #: How often time-based state is re-evaluated (unstable ending, fault tickets, deadlines).
    sweep_interval_s: float = Field(default=5.0, gt=0)
    #: How often the Prometheus gauges (cameras by state, overdue items, ...) are recomputed.
    gauge_interval_s: float = Field(default=30.0, gt=0)
    #: How often the camera_config KV bucket is reconciled with the database (0 = only at start).
    kv_reconcile_interval_s: float = Field(default=600.0, ge=0)

    #: Reading and checking one import file may take this long; a slower one is refused
    #: (``parse_timeout``) and its worker process killed.
    import_parse_timeout_s: float = Field(default=60.0, gt=0)

    #: Per-year calendar overrides as JSON, e.g.
    #: ``{"2026": {"days_off": ["2026-01-02"], "working_days": ["2026-01-10"]}}``.
    calendar_overrides: dict[int, YearOverride] = Field(default_factory=dict)

    # ------------------------------------------------ notifications (docs/adr/0025)
    #: SMTP server of the notification e-mails; empty = e-mail notices wait (and are retried)
    #: until one is configured.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    #: STARTTLS before AUTH (required unless ``smtp_tls`` = "none", for a local relay only).
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    #: A CA bundle (PEM) the SMTP server's certificate is checked against (default: system).
    smtp_ca_file: str = ""
    smtp_user: str = ""
    smtp_password: SecretStr | None = None
    smtp_from: str = "tncam <khong-tra-loi@tncam.invalid>"
    smtp_timeout_s: float = Field(default=15.0, gt=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    #: A notice that failed this many times is given up on (status "dead").
    notify_max_attempts: int = Field(default=12, ge=1, le=100)
    #: Wait after the first failure; doubles after each, up to ``notify_backoff_max_s``
    #: (defaults: 12 tries span about 40 minutes, so a 10-minute mail outage loses nothing).
    notify_backoff_base_s: float = Field(default=5.0, gt=0)
    notify_backoff_max_s: float = Field(default=300.0, gt=0)
    #: How often due notices are looked for.
    notify_dispatch_interval_s: float = Field(default=2.0, gt=0)
    #: How often deadlines (due in 3 working days, overdue) and the digest are looked at.
    notify_deadline_interval_s: float = Field(default=900.0, gt=0)
    #: The central operator's digest of a day is sent from this local hour (0-23).
    notify_digest_hour: int = Field(default=7, ge=0, le=23)
