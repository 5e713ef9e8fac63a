"""Settings of the registry service: ``TNCAM_REGISTRY_*``, then ``TNCAM_*``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tncam_mesh.settings import DatabaseSettings


class RegistrySettings(DatabaseSettings):
    """Settings of the registry service."""

    service_name: ClassVar[str] = "registry"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_REGISTRY_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=9103, ge=1, le=65535)
