"""Settings: per-service prefix over the shared prefix, required secrets, one-line errors."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict

from tncam_mesh.errors import ConfigurationError
from tncam_mesh.settings import DEV_ONLY_VALUE, DatabaseSettings, load_settings


class DemoSettings(DatabaseSettings):
    service_name: ClassVar[str] = "demo"
    model_config = SettingsConfigDict(
        env_prefix="TNCAM_DEMO_", extra="forbid", case_sensitive=False, frozen=True
    )


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("TNCAM_"):
            monkeypatch.delenv(key)


def test_service_prefix_wins_over_shared_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TNCAM_ENVIRONMENT", "dev")
    monkeypatch.setenv("TNCAM_NATS_URL", "nats://shared:4222")
    monkeypatch.setenv("TNCAM_HTTP_PORT", "7000")
    monkeypatch.setenv("TNCAM_DEMO_HTTP_PORT", "7001")
    monkeypatch.setenv("TNCAM_DB_PASSWORD", "p")
    s = load_settings(DemoSettings)
    assert s.nats_url == "nats://shared:4222"
    assert s.http_port == 7001
    assert s.db_user == "tncam_demo"
    assert s.db_schema == "demo"


def test_default_environment_is_prod_and_a_missing_secret_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigurationError) as err:
        load_settings(DemoSettings)
    assert "TNCAM_DEMO_DB_PASSWORD" in err.value.message
    assert "\n" not in err.value.message
    monkeypatch.setenv("TNCAM_DEMO_DB_PASSWORD", "a-real-one")
    s = load_settings(DemoSettings)
    assert s.environment == "prod"
    assert s.db_password.get_secret_value() == "a-real-one"
    assert s.http_host == "127.0.0.1"  # loopback unless told otherwise


@pytest.mark.parametrize("environment", ["dev", "test", "prod"])
def test_no_environment_has_a_default_secret_or_accepts_the_former_one(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    monkeypatch.setenv("TNCAM_ENVIRONMENT", environment)
    with pytest.raises(ConfigurationError, match="TNCAM_DEMO_DB_PASSWORD"):
        load_settings(DemoSettings)
    monkeypatch.setenv("TNCAM_DEMO_DB_PASSWORD", DEV_ONLY_VALUE)
    with pytest.raises(ConfigurationError, match="former public development default"):
        load_settings(DemoSettings)


def test_invalid_value_names_both_variables_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TNCAM_ENVIRONMENT", "dev")
    monkeypatch.setenv("TNCAM_DEMO_HTTP_PORT", "eighty")
    monkeypatch.setenv("TNCAM_DEMO_DB_PASSWORD", "p")
    with pytest.raises(ConfigurationError) as err:
        load_settings(DemoSettings)
    msg = err.value.message
    assert "\n" not in msg
    assert "TNCAM_DEMO_HTTP_PORT (or TNCAM_HTTP_PORT)" in msg
    assert "'eighty'" in msg
    assert err.value.code == "settings.load.invalid"


def test_secret_values_are_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TNCAM_ENVIRONMENT", "dev")
    monkeypatch.setenv("TNCAM_DEMO_DB_POOL_SIZE", "0")
    monkeypatch.setenv("TNCAM_DEMO_DB_PASSWORD", "s3cr3t-value")
    with pytest.raises(ConfigurationError) as err:
        load_settings(DemoSettings)
    assert "s3cr3t-value" not in err.value.message
    assert "TNCAM_DEMO_DB_POOL_SIZE" in err.value.message
    monkeypatch.delenv("TNCAM_DEMO_DB_POOL_SIZE")
    s = load_settings(DemoSettings)
    assert "s3cr3t-value" not in repr(s)


def test_secrets_dir_supplies_secret_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory
) -> None:
    from pathlib import Path

    d = Path(str(tmp_path))
    (d / "TNCAM_DEMO_DB_PASSWORD").write_text("from-a-file")
    monkeypatch.setenv("TNCAM_SECRETS_DIR", str(d))
    s = load_settings(DemoSettings)
    assert s.db_password.get_secret_value() == "from-a-file"


def test_unknown_init_field_is_refused() -> None:
    with pytest.raises(ConfigurationError) as err:
        load_settings(DemoSettings, environment="dev", db_password="p", nats_ulr="nats://typo")
    assert "nats_ulr" in err.value.message


def test_namespace_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TNCAM_ENVIRONMENT", "dev")
    monkeypatch.setenv("TNCAM_NATS_NAMESPACE", "Bad.Space")
    monkeypatch.setenv("TNCAM_DEMO_DB_PASSWORD", "p")
    with pytest.raises(ConfigurationError) as err:
        load_settings(DemoSettings)
    assert "TNCAM_DEMO_NATS_NAMESPACE (or TNCAM_NATS_NAMESPACE)" in err.value.message


def test_stream_replicas_default_to_one_and_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TNCAM_ENVIRONMENT", "dev")
    monkeypatch.setenv("TNCAM_DB_PASSWORD", "p")
    assert load_settings(DemoSettings).nats_replicas == 1
    monkeypatch.setenv("TNCAM_NATS_REPLICAS", "3")
    assert load_settings(DemoSettings).nats_replicas == 3
    monkeypatch.setenv("TNCAM_NATS_REPLICAS", "0")
    with pytest.raises(ConfigurationError, match="TNCAM_DEMO_NATS_REPLICAS"):
        load_settings(DemoSettings)
