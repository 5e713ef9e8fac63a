"""Settings of the gateway service: ``TNCAM_GATEWAY_*``, then ``TNCAM_*``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tncam_mesh.settings import DatabaseSettings


class GatewaySettings(DatabaseSettings):
    """Settings of the gateway service."""

    service_name: ClassVar[str] = "gateway"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_GATEWAY_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=8000, ge=1, le=65535)
