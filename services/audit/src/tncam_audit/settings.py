"""Settings of the audit service: ``TNCAM_AUDIT_*``, then ``TNCAM_*``."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from tncam_audit.domain.note import NoteError, Signer, Verifier, check_name
from tncam_mesh.s3 import split_endpoint
from tncam_mesh.settings import DatabaseSettings

DEFAULT_ORIGIN = "tncam.thainguyen.gov.vn/audit"


class AuditSettings(DatabaseSettings):
    """Settings of the audit service."""

    service_name: ClassVar[str] = "audit"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_AUDIT_", extra="forbid", case_sensitive=False, frozen=True
    )

    http_port: int = Field(default=9105, ge=1, le=65535)

    # The log's identity: the origin line of every checkpoint and the signing key's name.
    log_origin: str = DEFAULT_ORIGIN
    # Ed25519 key in signed-note form ``PRIVATE+KEY+<origin>+<id>+<base64>`` (``tncam audit
    # keygen`` makes one). No default in any environment.
    signing_key: SecretStr
    # Verifier keys of earlier signing keys (after a rotation), comma-separated.
    previous_verifier_keys: str = ""

    # Sequencer: how many events one transaction appends at most, and the consumer.
    batch_max: int = Field(default=1000, ge=1, le=10_000)
    fetch_timeout_s: float = Field(default=1.0, gt=0, le=30)
    consumer_ack_wait_s: float = Field(default=30.0, ge=1, le=600)
    consumer_max_ack_pending: int = Field(default=20_000, ge=1)
    # A second replica retries the writer lock this often.
    leader_retry_s: float = Field(default=2.0, gt=0, le=60)

    # A checkpoint is signed every N events or M seconds (if anything was appended).
    checkpoint_every_events: int = Field(default=10_000, ge=1)
    checkpoint_every_s: float = Field(default=60.0, gt=0)

    # Object store for the object-locked checkpoint copies. Empty endpoint: not configured
    # (accepted in dev and test only; see ADR 0013).
    s3_endpoint: str = ""
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    checkpoint_bucket: str = "tncam-audit-checkpoints"
    checkpoint_prefix: str = "checkpoints/"
    # Compliance-mode retention of each checkpoint copy.
    checkpoint_retention_days: int = Field(default=3650, ge=1)
    anchor_interval_s: float = Field(default=5.0, gt=0)

    # Scheduled full verification.
    verify_interval_s: float = Field(default=3600.0, gt=0)
    # Breach register: how often overdue breaches are looked for.
    breach_check_interval_s: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _check_audit(self) -> Self:
        check_name(self.log_origin)
        self.signer()  # a malformed key fails at start, naming the variable
        for text in self._previous():
            Verifier.parse(text)
        if self.s3_endpoint:
            if not self.s3_access_key or not self.s3_secret_key:
                raise ValueError(
                    "TNCAM_AUDIT_S3_ACCESS_KEY and TNCAM_AUDIT_S3_SECRET_KEY (or TNCAM_S3_*) "
                    "are required with an S3 endpoint"
                )
        elif self.environment == "prod":
            raise ValueError(
                "TNCAM_AUDIT_S3_ENDPOINT (or TNCAM_S3_ENDPOINT) is required in prod: "
                "checkpoints must be written to an object-locked store"
            )
        return self

    def _previous(self) -> list[str]:
        return [k.strip() for k in self.previous_verifier_keys.split(",") if k.strip()]

    def signer(self) -> Signer:
        """The checkpoint signing key."""
        raw = self.signing_key.get_secret_value()
        try:
            signer = Signer.parse(raw)
        except NoteError as e:
            raise ValueError(f"TNCAM_AUDIT_SIGNING_KEY: {e}") from None
        if signer.name != self.log_origin:
            raise ValueError(
                f"TNCAM_AUDIT_SIGNING_KEY is named {signer.name!r}, the log origin is "
                f"{self.log_origin!r}"
            )
        return signer

    def verifiers(self) -> list[Verifier]:
        """Keys whose checkpoints are trusted: the current one and earlier ones."""
        return [self.signer().verifier, *(Verifier.parse(k) for k in self._previous())]

    @property
    def s3_host(self) -> str:
        """``host:port`` of the S3 endpoint (the form the minio SDK wants)."""
        return split_endpoint(self.s3_endpoint)[0]

    @property
    def s3_secure(self) -> bool:
        """Whether the endpoint is HTTPS."""
        return split_endpoint(self.s3_endpoint)[1]
