"""Settings of the recorder service: ``TNCAM_RECORDER_*``, then ``TNCAM_*``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tncam_mesh.settings import DatabaseSettings


class RecorderSettings(DatabaseSettings):
    """Settings of the recorder service."""

    service_name: ClassVar[str] = "recorder"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_RECORDER_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=9102, ge=1, le=65535)
