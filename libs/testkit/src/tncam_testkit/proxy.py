"""A real reverse proxy (Debian's nginx) in front of a local HTTP server, as an ingress would
be: it appends the client's address to ``X-Forwarded-For`` and reaches the upstream from an
address of its own (``proxy_bind``), so a test can tell the proxy hop from a direct client."""

from __future__ import annotations

import shutil
from pathlib import Path

from tncam_testkit.procs import ManagedProcess, ServerStartError, StartStop, free_port, port_open


def nginx_binary() -> str:
    """Debian's ``nginx`` (package nginx-light, see scripts/install-system.sh)."""
    found = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
    if found is None:
        raise ServerStartError("nginx not found (apt-get install nginx-light)")
    return found


def write_config(path: Path, *, port: int, upstream: str, bind_address: str) -> None:
    """One server on 127.0.0.1:``port`` proxying everything to ``upstream`` (host:port)."""
    run = path.parent
    path.write_text(
        f"""# Written by tncam_testkit.proxy; a local reverse proxy, as the ingress would be.
daemon off;
master_process off;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log {run}/access.log;
  client_body_temp_path {run}/body;
  proxy_temp_path {run}/proxy;
  fastcgi_temp_path {run}/fastcgi;
  uwsgi_temp_path {run}/uwsgi;
  scgi_temp_path {run}/scgi;
  client_max_body_size 20m;
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://{upstream};
      proxy_bind {bind_address};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
""",
        encoding="utf-8",
    )


class ReverseProxy(StartStop):
    """One nginx process under ``workdir`` forwarding 127.0.0.1:``port`` to ``upstream``,
    connecting to it from ``bind_address`` (any 127.0.0.0/8 address works on Linux)."""

    def __init__(self, workdir: Path, *, upstream: str, bind_address: str = "127.0.0.2") -> None:
        self.workdir = workdir
        self.upstream = upstream
        self.bind_address = bind_address
        self.port = free_port()
        self.config_path = workdir / "nginx.conf"
        self._proc = ManagedProcess(
            "nginx",
            [nginx_binary(), "-p", str(workdir), "-c", str(self.config_path)],
            log_path=workdir / "nginx.out",
            ready=lambda: port_open(self.port),
            ready_timeout=15.0,
            stop_timeout=5.0,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Write the config and start nginx; return once it accepts connections."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        write_config(
            self.config_path, port=self.port, upstream=self.upstream, bind_address=self.bind_address
        )
        self._proc.start()

    def stop(self) -> int | None:
        """Stop nginx (SIGTERM: fast shutdown); return its exit code."""
        return self._proc.stop()

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of nginx's error log."""
        try:
            text = (self.workdir / "error.log").read_text(errors="replace")
        except FileNotFoundError:
            return self._proc.log_tail(lines)
        return "\n".join(text.splitlines()[-lines:])
