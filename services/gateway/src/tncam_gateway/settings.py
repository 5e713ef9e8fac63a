"""Settings of the gateway service: ``TNCAM_GATEWAY_*``, then ``TNCAM_*``."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from tncam_mesh.settings import DatabaseSettings

MIB = 1024 * 1024


class GatewaySettings(DatabaseSettings):
    """Settings of the gateway service."""

    service_name: ClassVar[str] = "gateway"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_GATEWAY_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=8000, ge=1, le=65535)

    # Tokens. The signing key is symmetric (HS256, pinned); at least 32 bytes, no default.
    jwt_signing_key: SecretStr
    jwt_issuer: str = "https://tncam.thainguyen.gov.vn"
    jwt_audience: str = "tncam-api"
    access_token_ttl_s: int = Field(default=600, ge=30, le=3600)
    refresh_token_ttl_s: int = Field(default=8 * 3600, ge=60, le=30 * 24 * 3600)
    session_max_age_s: int = Field(default=12 * 3600, ge=60, le=30 * 24 * 3600)
    # How long an account/session check is cached: the bound on refusing a disabled account.
    revocation_cache_s: float = Field(default=2.0, ge=0.0, le=5.0)

    # Passwords (NIST SP 800-63B) and their age (regulation Art. 9: regular change).
    password_min_length: int = Field(default=12, ge=8, le=64)
    password_max_age_days: int = Field(default=180, ge=0)  # 0: no age limit
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=8 * 1024)
    argon2_parallelism: int = Field(default=1, ge=1)
    # Key encrypting TOTP secrets at rest (AES-GCM, derived with HKDF).
    mfa_encryption_key: SecretStr
    totp_issuer: str = "tncam Thái Nguyên"

    # Progressive lockout per account name and per source address.
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_address_threshold: int = Field(default=20, ge=1)
    lockout_base_s: float = Field(default=30.0, gt=0)
    lockout_max_s: float = Field(default=3600.0, gt=0)

    # Account review (Art. 17.1): accounts unused this long are listed for disabling.
    account_inactive_days: int = Field(default=90, ge=1)

    # API protection.
    rate_limit_user_per_minute: int = Field(default=600, ge=1)
    rate_limit_address_per_minute: int = Field(default=1200, ge=1)
    #: PTZ commands per account (a joystick sends a move and a stop per gesture).
    ptz_per_minute: int = Field(default=120, ge=1)
    ptz_burst: int = Field(default=10, ge=1)
    max_request_bytes: int = Field(default=1 * MIB, ge=1024)
    max_upload_bytes: int = Field(default=10 * MIB, ge=1024)
    cors_origins: list[str] = Field(default_factory=list)
    # Proxies whose X-Forwarded-For is believed (the ingress); others are the client.
    trusted_proxies: list[str] = Field(default_factory=list)
    rpc_timeout_s: float = Field(default=5.0, gt=0, le=60)

    # Footage (docs/adr/0016): playback tokens bind camera, range, purpose and user.
    playback_token_ttl_s: int = Field(default=600, ge=30, le=3600)
    playback_max_range_s: int = Field(default=4 * 3600, ge=60, le=24 * 3600)
    # A near-live token covers segments that started at most this long before it was issued.
    live_window_s: int = Field(default=120, ge=10, le=3600)
    # Exports (docs/adr/0017): the recorder builds them synchronously; downloadable once.
    export_rpc_timeout_s: float = Field(default=120.0, gt=0, le=900)
    export_download_window_s: int = Field(default=2 * 3600, ge=60, le=7 * 24 * 3600)
    export_max_range_s: int = Field(default=4 * 3600, ge=60, le=24 * 3600)

    # Live view (docs/adr/0022): a live token opens one WHEP session on the live edge.
    live_token_ttl_s: int = Field(default=600, ge=30, le=3600)
    # How long the live edge may take to answer an offer, and a trickle or close.
    live_open_timeout_s: float = Field(default=10.0, gt=0, le=60)
    live_control_timeout_s: float = Field(default=2.0, gt=0, le=10)
    # Retry-After of a 503 when the live edge is at capacity or unreachable.
    live_retry_after_s: int = Field(default=5, ge=1, le=300)
    # How often the end rules run (expiry, logout, disabled account, revoked grant).
    # MSE over WebSocket (docs/adr/0023): fragments queued per socket before it drops to the
    # next keyframe, and the keepalive to the live replica.
    live_ws_queue_frames: int = Field(default=50, ge=2, le=1000)
    live_ws_keepalive_s: float = Field(default=2.0, gt=0, le=30)
    live_end_interval_s: float = Field(default=1.0, ge=0.2, le=4.0)

    @model_validator(mode="after")
    def _key_strength(self) -> Self:
        for name in ("jwt_signing_key", "mfa_encryption_key"):
            value: SecretStr = getattr(self, name)
            if len(value.get_secret_value().encode()) < 32:
                raise ValueError(f"{type(self).env_name(name)} must be at least 32 bytes")
        return self
