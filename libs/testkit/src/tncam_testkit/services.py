"""tncam services as real processes (``python -m tncam_<name>``), for e2e tests and ``make run``."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from tncam_testkit.procs import REPO_ROOT as REPO_ROOT  # re-exported: tests import it here
from tncam_testkit.procs import ManagedProcess, free_port

SERVICES = ("registry", "audit", "recorder", "ingest", "gateway", "live")
DB_SERVICES = ("registry", "recorder", "audit", "gateway")
#: Read by glibc only when a process starts: given at spawn, kept by a standby's release, so
#: ingest need not start itself again for them (ADR 0031: ``tncam_ingest.media.allocator``).
EXEC_ENV = {"ingest": {"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"}}


def migrations_dir(service: str) -> Path:
    """The Alembic script directory of a data-owning service."""
    return REPO_ROOT / "services" / service / "migrations"


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """GET ``url`` and return the status and body, HTTP errors included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback URLs
            return int(resp.status), bytes(resp.read())
    except urllib.error.HTTPError as e:
        return int(e.code), e.read()


def readiness(url: str) -> dict[str, object]:
    """The JSON body of a service's ``/readyz``."""
    _, body = http_get(f"{url}/readyz")
    data: dict[str, object] = json.loads(body)
    return data


class ServiceProcess(ManagedProcess):
    """One tncam service process, ready when its ``/readyz`` answers 200."""

    def __init__(
        self,
        service: str,
        *,
        env: Mapping[str, str],
        log_dir: Path,
        port: int | None = None,
        ready_timeout: float = 30.0,
    ) -> None:
        self.service = service
        self._ready_file: Path | None = None
        self.port = port or free_port()
        full_env = {**EXEC_ENV.get(service, {}), **env}
        own = f"TNCAM_{service.upper()}_HTTP_HOST"
        # Loopback unless the environment names another address (TNCAM_HTTP_HOST=0.0.0.0).
        self.host = full_env.get(own) or full_env.get("TNCAM_HTTP_HOST") or "127.0.0.1"
        full_env[own] = self.host
        reach = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        reach = f"[{reach}]" if ":" in reach else reach
        self.url = f"http://{reach}:{self.port}"
        full_env[f"TNCAM_{service.upper()}_HTTP_PORT"] = str(self.port)
        super().__init__(
            f"tncam-{service}",
            [sys.executable, "-m", f"tncam_{service}"],
            log_path=log_dir / f"{service}.log",
            env=full_env,
            ready=lambda: http_get(f"{self.url}/readyz", timeout=1.0)[0] == 200,
            ready_timeout=ready_timeout,
            stop_timeout=10.0,
        )

    def spawn_standby(self, ready_file: Path) -> None:
        """Start as a standby (``tncam_testkit.standby``): imported, waiting for ``release``;
        ``imported()`` tells when its imports are done."""
        self._ready_file = ready_file
        ready_file.unlink(missing_ok=True)
        self.argv = [sys.executable, "-m", "tncam_testkit.standby", self.service, str(ready_file)]
        self.spawn(stdin=subprocess.PIPE)

    def imported(self) -> bool:
        return self._ready_file is not None and self._ready_file.exists()

    def release(self, env: Mapping[str, str] | None = None) -> None:
        """Run the service in the standby, with ``env`` (and its own address) if given, and
        block until ``/readyz`` answers 200."""
        assert self.proc is not None
        assert self.proc.stdin is not None
        if env is not None:
            own = ("HTTP_HOST", "HTTP_PORT")
            keys = {f"TNCAM_{self.service.upper()}_{k}" for k in own} | set(
                EXEC_ENV.get(self.service, {})
            )
            self.env = {**env, **{k: v for k, v in self.env.items() if k in keys}}
        with contextlib.suppress(BrokenPipeError):  # it died: wait_ready says how
            self.proc.stdin.write(json.dumps(self.env).encode() + b"\n")
            self.proc.stdin.close()
        self.wait_ready()

    def stop(self) -> int | None:
        if self.proc is not None and self.proc.stdin is not None:
            self.proc.stdin.close()
        return super().stop()
