"""The compose file is valid and wires every service (docker-compose config needs no engine)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "compose"


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    client = shutil.which("docker-compose")
    assert client, "docker-compose is missing: `make setup` installs it (Debian docker-compose)"
    return subprocess.run(
        [client, "-f", str(COMPOSE / "compose.yml"), "config"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _example_env() -> dict[str, str]:
    keys = [
        line.split("=", 1)[0]
        for line in (COMPOSE / "tncam.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    return {k: f"test-{k.lower()}" for k in keys}


def test_compose_config_is_valid_with_every_secret_set() -> None:
    result = _config(_example_env())
    assert result.returncode == 0, result.stderr
    doc = yaml.safe_load(result.stdout)
    services = doc["services"]
    assert set(services) >= {
        "nats",
        "postgres",
        "minio",
        "migrate",
        "ingest",
        "recorder",
        "registry",
        "gateway",
        "audit",
        "live",
        "prometheus",
        "grafana",
    }
    for name in ("ingest", "recorder", "registry", "gateway", "audit", "live"):
        svc = services[name]
        assert svc["read_only"] is True
        assert svc["cap_drop"] == ["ALL"]
        assert svc["environment"][f"TNCAM_{name.upper()}_NATS_USER"] == f"tncam-{name}"


def test_live_edge_publishes_its_udp_port_range() -> None:
    result = _config(_example_env())
    assert result.returncode == 0, result.stderr
    live = yaml.safe_load(result.stdout)["services"]["live"]
    assert live["command"] == ["python", "-m", "tncam_live"]
    ports = live["ports"]
    assert {p["protocol"] for p in ports} == {"udp"}
    assert all(int(p["published"]) == int(p["target"]) for p in ports)
    published = sorted(int(p["target"]) for p in ports)
    assert published == list(range(40000, 40100))
    # The edge's sockets take their ports from exactly the published range, and its viewer
    # limit leaves room in it for two per viewer (with TURN), DNS and NATS.
    low, high = map(int, live["sysctls"]["net.ipv4.ip_local_port_range"].split())
    assert (low, high) == (published[0], published[-1])
    env = live["environment"]
    assert 2 * int(env["TNCAM_LIVE_MAX_VIEWERS"]) + 32 <= len(published)
    assert not any(k.startswith(("TNCAM_S3_", "TNCAM_DATABASE", "TNCAM_DB_")) for k in env)


def test_a_missing_secret_stops_compose_with_its_name() -> None:
    env = _example_env()
    del env["TNCAM_AUDIT_SIGNING_KEY"]
    result = _config(env)
    assert result.returncode != 0
    assert "TNCAM_AUDIT_SIGNING_KEY" in result.stderr
