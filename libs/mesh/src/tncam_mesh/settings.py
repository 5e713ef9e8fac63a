"""Service settings: one pydantic-settings class per service, read from the environment.

Each service reads ``TNCAM_<SERVICE>_<FIELD>`` first and falls back to the shared
``TNCAM_<FIELD>`` (so ``TNCAM_NATS_URL`` points every service at one NATS). Secrets may also
come from files in ``TNCAM_SECRETS_DIR``, each named like its variable (a Kubernetes Secret
volume whose keys are the variable names).
Secrets have no default in any environment: a missing one is a configuration error naming its
variable (``make run`` and the test kit generate fresh ones). The HTTP port binds 127.0.0.1
unless ``HTTP_HOST`` says otherwise (the container image sets ``0.0.0.0``).
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any, ClassVar, Literal, Self, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from tncam_contracts.catalog import check_namespace
from tncam_mesh.errors import ConfigurationError

Environment = Literal["dev", "test", "prod"]
SHARED_PREFIX = "TNCAM_"
# Not a credential: the public value secrets once defaulted to. Refused in every environment.
DEV_ONLY_VALUE = "insecure-dev-only"


def _default_instance() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class ServiceSettings(BaseSettings):
    """Settings every tncam service has: environment, logging, HTTP ops port, NATS."""

    service_name: ClassVar[str] = "service"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_SERVICE_", extra="forbid", case_sensitive=False, frozen=True
    )

    environment: Environment = "prod"
    instance_id: str = Field(default_factory=_default_instance, min_length=1)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    # Loopback unless told otherwise: a container sets TNCAM_HTTP_HOST=0.0.0.0 (Dockerfile).
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    nats_creds_file: Path | None = None
    nats_connect_timeout_s: float = Field(default=10.0, gt=0)
    nats_namespace: str = ""
    #: Copies of each stream and bucket this service declares: 3 on a 3-node NATS cluster,
    #: so that losing one node loses nothing (R1 streams live on one node only).
    nats_replicas: int = Field(default=1, ge=1, le=5)
    shutdown_grace_s: float = Field(default=8.0, gt=0, le=30)

    @field_validator("nats_namespace")
    @classmethod
    def _namespace(cls, v: str) -> str:
        return check_namespace(v)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _refuse_dev_secrets(self) -> Self:
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value() == DEV_ONLY_VALUE:
                raise ValueError(
                    f"{type(self).env_name(name)} is the former public development default; "
                    f"set a real secret"
                )
        return self

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable that sets ``field`` for this service."""
        prefix = str(cls.model_config.get("env_prefix", SHARED_PREFIX))
        return f"{prefix}{field}".upper()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [
            init_settings,
            env_settings,
            EnvSettingsSource(settings_cls, env_prefix=SHARED_PREFIX, case_sensitive=False),
        ]
        secrets_dir = os.environ.get("TNCAM_SECRETS_DIR")
        if secrets_dir:
            # Files are named like the variables (TNCAM_REGISTRY_DB_PASSWORD, TNCAM_DB_PASSWORD).
            sources += [
                SecretsSettingsSource(settings_cls, secrets_dir=secrets_dir),
                SecretsSettingsSource(
                    settings_cls, secrets_dir=secrets_dir, env_prefix=SHARED_PREFIX
                ),
            ]
        return tuple(sources)


class DatabaseSettings(ServiceSettings):
    """A service that owns a PostgreSQL schema: its schema, its role, its password."""

    database_url: str = "postgresql://127.0.0.1:5432/tncam"
    db_user: str = ""
    db_password: SecretStr
    db_pool_size: int = Field(default=5, ge=1, le=100)
    #: Connections beyond the pool when it is busy (each opened and closed: a PostgreSQL fork).
    db_max_overflow: int = Field(default=10, ge=0, le=100)

    @model_validator(mode="after")
    def _default_db_user(self) -> Self:
        if not self.db_user:
            object.__setattr__(self, "db_user", f"tncam_{self.service_name}")
        return self

    @property
    def db_schema(self) -> str:
        """The schema this service owns."""
        return self.service_name


def describe_errors(cls: type[ServiceSettings], exc: ValidationError) -> str:
    """One line naming each bad setting by its environment variable."""
    parts: list[str] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        field = loc[0] if loc else ""
        msg = str(err.get("msg", "invalid"))
        if field in cls.model_fields:
            shared = f"{SHARED_PREFIX}{field}".upper()
            own = cls.env_name(field)
            name = own if own == shared else f"{own} (or {shared})"
            value = err.get("input")
            hidden = "secret" in field or "password" in field or field.endswith("key")
            shown = "" if hidden or value is None else value
            got = (
                f" (got {shown!r})"
                if shown not in ("", None) and not isinstance(shown, dict)
                else ""
            )
            parts.append(f"{name}: {msg}{got}")
        elif field:
            parts.append(f"{field}: {msg}")
        else:
            parts.append(msg.removeprefix("Value error, "))
    return "; ".join(parts)


S = TypeVar("S", bound=ServiceSettings)


#: The exit code of a service started with an invalid setting.
EXIT_CONFIG = 2


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Build settings from the environment, raising ConfigurationError with one clear line."""
    try:
        return cls(**overrides)
    except ValidationError as e:
        raise ConfigurationError(
            "settings.load.invalid", f"invalid setting: {describe_errors(cls, e)}"
        ) from e


def settings_or_exit(cls: type[S]) -> S:
    """The service's settings from the environment, or exit EXIT_CONFIG with one line on
    stderr naming the bad setting.

    Each ``python -m tncam_<name>`` calls it before it imports the service's code (seconds of
    imports: SQLAlchemy, NATS, PDF fonts ...), so that an operator who mistyped a setting is
    told at once rather than after the service has loaded.
    """
    try:
        return load_settings(cls)
    except ConfigurationError as e:
        print(f"tncam-{cls.service_name}: {e.message}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
