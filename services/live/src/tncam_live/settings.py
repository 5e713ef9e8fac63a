"""Settings of the live edge: ``TNCAM_LIVE_*``, then ``TNCAM_*``."""

from __future__ import annotations

import ipaddress
import secrets
from typing import ClassVar, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from tncam_contracts.catalog import check_token
from tncam_mesh.settings import ServiceSettings

# What aiortc uses (it has no stuns:), and of each kind only the first URL.
_ICE_SCHEMES = ("stun:", "turn:", "turns:")


def _random_replica() -> str:
    return f"live-{secrets.token_hex(6)}"


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


class LiveSettings(ServiceSettings):
    """Settings of the live edge (ADR 0022)."""

    service_name: ClassVar[str] = "live"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_LIVE_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=9106, ge=1, le=65535)
    # Names this replica on tncam.live.v1.control.<replica_id> and in its demands; a new one
    # per process by default (a restarted replica holds no sessions).
    replica_id: str = Field(default_factory=_random_replica)

    # ICE servers, comma-separated URLs (stun:host:3478, turn:host:3478?transport=udp,
    # turns:host:5349?transport=tcp); aiortc uses the first STUN and the first TURN URL.
    # None by default: never a public STUN server.
    ice_servers: str = ""
    turn_username: str | None = None
    turn_password: SecretStr | None = None
    # The addresses offered as host candidates, comma-separated; empty: every address of the
    # machine but loopback (aioice's own choice). 127.0.0.1 is allowed (tests, one machine).
    ice_host_addresses: str = ""

    # Limits: beyond them open_session fails with live.capacity (retryable, Retry-After).
    max_viewers_per_camera: int = Field(default=50, ge=1)
    max_viewers: int = Field(default=200, ge=1)
    capacity_retry_after_s: int = Field(default=5, ge=1, le=300)
    # How long open_session waits for the camera's first keyframe (live.camera_unavailable).
    first_keyframe_wait_s: float = Field(default=4.0, gt=0, le=30)
    # A viewer's queue, in frames: beyond it the viewer drops to the next keyframe.
    viewer_queue_frames: int = Field(default=120, ge=2, le=10_000)
    # A GOP longer than this is not cached (a new viewer then waits for the next keyframe).
    gop_cache_frames: int = Field(default=600, ge=1, le=10_000)
    # open_session requests one replica serves at once (each may wait for a first keyframe).
    open_session_concurrency: int = Field(default=32, ge=1, le=1000)
    # A session whose peer connection is not up after this long ends.
    connect_timeout_s: float = Field(default=30.0, gt=0, le=300)
    # An MSE session (ADR 0023) without a keepalive from the gateway for this long ends.
    mse_keepalive_timeout_s: float = Field(default=10.0, gt=0, le=120)

    # Demands (ADR 0020): renewed this often while a camera stream has viewers, lasting ttl.
    demand_interval_s: float = Field(default=1.0, gt=0, le=5)
    demand_ttl_ms: int = Field(default=3000, ge=500, le=10_000)

    # The shared H.265 -> H.264 transcode of a camera (libx264, zero latency).
    transcode_preset: Literal["ultrafast", "superfast", "veryfast"] = "veryfast"
    transcode_keyframe_interval_s: float = Field(default=1.0, gt=0, le=10)
    transcode_max_height: int = Field(default=720, ge=144, le=2160)
    transcode_bitrate: int = Field(default=1_500_000, ge=100_000, le=20_000_000)
    # NACK retransmission history per sender, in packets (aiortc keeps 128; ADR 0021).
    retransmission_history: int = Field(default=1024, ge=128, le=16_384)

    @field_validator("replica_id")
    @classmethod
    def _replica(cls, v: str) -> str:
        return check_token(v, "replica_id")

    @field_validator("ice_servers")
    @classmethod
    def _servers(cls, v: str) -> str:
        for url in _split(v):
            if not url.lower().startswith(_ICE_SCHEMES):
                raise ValueError(f"{url!r} is not a stun:, turn: or turns: URL")
        return v

    @field_validator("ice_host_addresses")
    @classmethod
    def _addresses(cls, v: str) -> str:
        for address in _split(v):
            ipaddress.ip_address(address)  # ValueError names the bad one
        return v

    @model_validator(mode="after")
    def _check_live(self) -> Self:
        turn = [u for u in self.ice_server_urls if u.lower().startswith(("turn:", "turns:"))]
        if turn and not (self.turn_username and self.turn_password):
            raise ValueError(
                "TNCAM_LIVE_TURN_USERNAME and TNCAM_LIVE_TURN_PASSWORD are required with a "
                "TURN server in TNCAM_LIVE_ICE_SERVERS"
            )
        if self.max_viewers_per_camera > self.max_viewers:
            raise ValueError("TNCAM_LIVE_MAX_VIEWERS_PER_CAMERA exceeds TNCAM_LIVE_MAX_VIEWERS")
        return self

    @property
    def ice_server_urls(self) -> tuple[str, ...]:
        """The ICE server URLs, in order."""
        return _split(self.ice_servers)

    @property
    def host_addresses(self) -> tuple[str, ...]:
        """The addresses offered as host candidates (empty: the machine's)."""
        return _split(self.ice_host_addresses)
