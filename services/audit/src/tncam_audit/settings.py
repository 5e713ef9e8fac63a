"""Settings of the audit service: ``TNCAM_AUDIT_*``, then ``TNCAM_*``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from tncam_mesh.settings import DatabaseSettings


class AuditSettings(DatabaseSettings):
    """Settings of the audit service."""

    service_name: ClassVar[str] = "audit"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_AUDIT_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=9105, ge=1, le=65535)
