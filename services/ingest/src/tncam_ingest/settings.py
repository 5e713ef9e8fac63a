"""Settings of the ingest service: ``TNCAM_INGEST_*``, then ``TNCAM_*``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tncam_mesh.settings import ServiceSettings


class IngestSettings(ServiceSettings):
    """Settings of the ingest service."""

    service_name: ClassVar[str] = "ingest"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_INGEST_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=9101, ge=1, le=65535)
