"""NatsServer: a real nats-server with JetStream on disk under the test's directory."""

from __future__ import annotations

import asyncio
import json
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import StorageType

from tncam_testkit.nats import NatsServer, nats_server_binary, write_config
from tncam_testkit.procs import free_port

pytestmark = pytest.mark.integration


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback monitor
        return json.load(resp)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    with NatsServer(tmp_path_factory.mktemp("nats")) as s:
        yield s


def test_starts_with_jetstream_stored_in_workdir(server: NatsServer) -> None:
    assert server.url == f"nats://127.0.0.1:{server.port}"
    varz = _get_json(f"{server.monitor_url}/varz")
    assert varz["host"] == "127.0.0.1"
    assert varz["port"] == server.port
    assert varz["max_payload"] == 8 * 1024 * 1024 + 64 * 1024
    js = varz["jetstream"]["config"]
    assert js["sync_always"] is True
    assert Path(js["store_dir"]).is_relative_to(server.workdir / "js")
    health = _get_json(f"{server.monitor_url}/healthz?js-enabled-only=true")
    assert health["status"] == "ok"


def test_write_config_is_valid_for_the_server(tmp_path: Path) -> None:
    conf = tmp_path / "dev" / "nats.conf"
    write_config(
        conf,
        port=free_port(),
        monitor_port=free_port(),
        store_dir=tmp_path / "store dir with spaces",
        max_payload=1024 * 1024,
    )
    result = subprocess.run(
        [nats_server_binary(), "-c", str(conf), "-t"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sync_interval: always" in conf.read_text()


async def test_restart_keeps_stream_messages(tmp_path: Path) -> None:
    server = NatsServer(tmp_path)
    server.start()
    try:
        nc = await nats.connect(server.url, connect_timeout=2, allow_reconnect=False)
        try:
            js = nc.jetstream()
            await js.add_stream(name="KEEP", subjects=["keep.>"], storage=StorageType.FILE)
            for i in range(3):
                await js.publish("keep.one", f"m{i}".encode())
        finally:
            await nc.close()

        # The server blocks while it stops and starts; keep the event loop free meanwhile.
        await asyncio.to_thread(server.restart)

        nc = await nats.connect(server.url, connect_timeout=2, allow_reconnect=False)
        try:
            js = nc.jetstream()
            info = await js.stream_info("KEEP")
            assert info.state.messages == 3
            last = await js.get_last_msg("KEEP", "keep.one")
            assert last.data == b"m2"
        finally:
            await nc.close()
    finally:
        assert server.stop() == 0  # a clean SIGTERM shutdown
    assert not server.running
    assert any((tmp_path / "js").rglob("*.blk")), "stream data lives under the workdir"
