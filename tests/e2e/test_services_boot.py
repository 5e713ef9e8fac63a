"""Every service as a real process: they boot, report ready, and stop cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tncam_contracts.catalog import (
    AUDIT_STREAM,
    CAMERA_STREAM,
    DEADLETTER_STREAM,
    RECORDING_HANDOFF_STREAM,
    RECORDING_STREAM,
    REGISTRY_STREAM,
)
from tncam_testkit.nats import NatsServer
from tncam_testkit.procs import free_port, start_together
from tncam_testkit.services import DB_SERVICES, SERVICES, ServiceProcess, http_get, readiness

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def boot_env(mesh_env: dict[str, str], namespace_module: str) -> dict[str, str]:
    return {**mesh_env, "TNCAM_NATS_NAMESPACE": namespace_module, "TNCAM_SHUTDOWN_GRACE_S": "8"}


@pytest.fixture(scope="module")
def namespace_module() -> str:
    return f"e2e{os.getpid()}"


@pytest.fixture(scope="module")
def mesh(
    boot_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServiceProcess]]:
    logs = tmp_path_factory.mktemp("mesh-logs")
    procs = {service: ServiceProcess(service, env=boot_env, log_dir=logs) for service in SERVICES}
    try:
        start_together(list(procs.values()))
        yield procs
    finally:
        for proc in procs.values():
            proc.stop()


def test_every_service_is_live_ready_and_exports_metrics(mesh: dict[str, ServiceProcess]) -> None:
    for service, proc in mesh.items():
        status, body = http_get(f"{proc.url}/livez")
        assert status == 200, (service, body)
        ready = readiness(proc.url)
        assert ready["status"] == "ok", (service, ready)
        checks = ready["checks"]
        assert isinstance(checks, dict)
        assert checks["nats"]["ok"] is True
        if service in DB_SERVICES:
            assert checks["database"]["ok"] is True, (service, checks)
            assert checks["schema"]["ok"] is True, (service, checks)
        status, metrics = http_get(f"{proc.url}/metrics")
        assert status == 200
        text = metrics.decode()
        assert 'tncam_build_info{instance="' in text
        assert f'service="{service}"' in text
        assert "tncam_mesh_nats_connected 1.0" in text
        assert "tncam_mesh_ready 1.0" in text  # set by the /readyz call above


def test_services_declare_the_streams_they_produce(
    mesh: dict[str, ServiceProcess], nats_server: NatsServer, namespace_module: str
) -> None:
    status, body = http_get(f"{nats_server.monitor_url}/jsz?streams=true")
    assert status == 200
    names = {
        s["name"]
        for account in json.loads(body).get("account_details", [])
        for s in account.get("stream_detail", [])
    }
    expected = {
        spec.scoped(namespace_module).name
        for spec in (
            CAMERA_STREAM,
            RECORDING_HANDOFF_STREAM,
            RECORDING_STREAM,
            REGISTRY_STREAM,
            AUDIT_STREAM,
            DEADLETTER_STREAM,
        )
    }
    assert expected <= names


def test_sigterm_stops_each_service_within_10_s_with_exit_0(
    mesh: dict[str, ServiceProcess],
) -> None:
    for service, proc in mesh.items():
        assert proc.proc is not None
        popen = proc.proc
        started = time.monotonic()
        popen.send_signal(signal.SIGTERM)
        code = popen.wait(timeout=15)
        elapsed = time.monotonic() - started
        assert code == 0, (service, proc.log_tail())
        assert elapsed < 10.0, (service, elapsed)
        log = proc.log_path.read_text()
        assert '"msg": "stopped"' in log, service
        proc.stop()


def _run_with(env: dict[str, str], service: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", f"tncam_{service}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_invalid_setting_exits_2_with_one_line_naming_it(boot_env: dict[str, str]) -> None:
    result = _run_with({**boot_env, "TNCAM_REGISTRY_HTTP_PORT": "not-a-port"}, "registry")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TNCAM_REGISTRY_HTTP_PORT" in lines[0]
    assert "not-a-port" in lines[0]


def test_missing_secret_outside_dev_exits_2_naming_it(boot_env: dict[str, str]) -> None:
    env = {k: v for k, v in boot_env.items() if k != "TNCAM_RECORDER_DB_PASSWORD"}
    env["TNCAM_ENVIRONMENT"] = "prod"
    result = _run_with(env, "recorder")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TNCAM_RECORDER_DB_PASSWORD" in lines[0]
    assert env["TNCAM_REGISTRY_DB_PASSWORD"] not in result.stderr


def test_unreachable_nats_exits_1_with_a_clear_error(
    boot_env: dict[str, str],
) -> None:
    env = {**boot_env, "TNCAM_NATS_URL": "nats://127.0.0.1:9", "TNCAM_NATS_CONNECT_TIMEOUT_S": "1"}
    env["TNCAM_INGEST_HTTP_PORT"] = str(free_port())
    result = _run_with(env, "ingest")
    assert result.returncode == 1
    assert "could not connect to NATS" in result.stderr
