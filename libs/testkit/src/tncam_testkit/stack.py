"""``make run``: the whole platform on one machine, with a simulated camera fleet.

Starts NATS, PostgreSQL, an S3 store (MinIO, or SeaweedFS when MinIO could not be built) and
the camera simulator — unless ``TNCAM_NATS_URL`` / ``TNCAM_DATABASE_URL`` /
``TNCAM_S3_ENDPOINT`` point at existing ones — migrates the schemas, starts the six services,
prints every URL and waits. Ctrl-C (or SIGTERM) stops everything it started, in reverse order,
and nothing else. State lives in ``var/stack`` and is wiped at each start.

Every secret is generated at each start (passwords and every key: JWT, MFA, camera
credentials, export and audit signing): no service has a default key. Everything listens on
127.0.0.1 only; ``TNCAM_HTTP_HOST=0.0.0.0 make run`` exposes the six services (the
infrastructure it starts stays on loopback; the live edge's media needs
``TNCAM_LIVE_ICE_HOST_ADDRESSES`` set to the machine's address too).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Protocol

from sqlalchemy.engine import make_url

from tncam_mesh.errors import ConfigurationError
from tncam_mesh.migrate_cli import MissingEnvError, admin_url_from_env
from tncam_mesh.redact import mask_url
from tncam_testkit.cameras import CameraSimulator
from tncam_testkit.database import migrate_all
from tncam_testkit.keys import service_keys
from tncam_testkit.nats import NatsServer
from tncam_testkit.postgres import PostgresServer
from tncam_testkit.procs import free_port, port_open, start_together
from tncam_testkit.s3 import MinioServer, SeaweedServer, minio_binary
from tncam_testkit.services import REPO_ROOT, SERVICES, ServiceProcess

DEFAULT_PORTS = {
    "gateway": 8000,
    "ingest": 9101,
    "recorder": 9102,
    "registry": 9103,
    "audit": 9105,
    "live": 9106,
}
DEMO_COMMUNES = ("01", "02", "03", "04")  # from shared/data/communes.csv
SITE_KINDS = ("service_center", "committee_hq", "square")


class Stoppable(Protocol):
    def stop(self) -> object: ...


def _step(what: str) -> Callable[[], None]:
    print(f"==> {what} ...", end="", flush=True)
    started = time.monotonic()

    def done() -> None:
        print(f" ok ({time.monotonic() - started:.1f} s)", flush=True)

    return done


def _port(preferred: int) -> int:
    return preferred if not port_open(preferred) else free_port()


class Stack:
    """Everything ``make run`` starts, remembered so that it can be stopped in reverse."""

    def __init__(
        self,
        state_dir: Path,
        *,
        cameras: int,
        h264: tuple[int, ...],
        ready_timeout: float = 30.0,
    ) -> None:
        self.state_dir = state_dir
        self.ready_timeout = ready_timeout  # per service; the soak on a loaded machine waits longer
        self.cameras = cameras
        self.h264 = h264
        self.started: list[tuple[str, Stoppable]] = []
        self.env: dict[str, str] = {}
        self.urls: list[tuple[str, str]] = []
        self.services: dict[str, ServiceProcess] = {}
        self.admin_lines: list[str] = []
        self.admin_dsn = ""  # PostgreSQL as its admin (the soak reads table sizes with it)

    def _keep(self, name: str, thing: Stoppable) -> None:
        self.started.append((name, thing))

    def start(self) -> None:
        """Start or connect to every piece, in dependency order."""
        if self.state_dir.exists():
            shutil.rmtree(self.state_dir)
        self.state_dir.mkdir(parents=True)
        (self.state_dir / "logs").mkdir()
        self.env = {
            "TNCAM_ENVIRONMENT": "dev",
            "TNCAM_INGEST_SPOOL_DIR": str(self.state_dir / "ingest-spool"),
            "TNCAM_LOG_FORMAT": os.environ.get("TNCAM_LOG_FORMAT", "json"),
            "TNCAM_HTTP_HOST": os.environ.get("TNCAM_HTTP_HOST", "127.0.0.1"),
            # The live edge's media (ICE host candidates) on loopback too, unless told otherwise
            # (e.g. the machine's address, for viewers on other machines).
            "TNCAM_LIVE_ICE_HOST_ADDRESSES": os.environ.get(
                "TNCAM_LIVE_ICE_HOST_ADDRESSES", "127.0.0.1"
            ),
        }
        # Fresh keys at each start; one set in the environment is kept (and checked).
        self.env.update({k: os.environ.get(k, v) for k, v in service_keys().items()})
        self._start_nats()
        self._start_postgres()
        self._start_s3()
        self._start_cameras()
        self._start_services()

    def _start_nats(self) -> None:
        url = os.environ.get("TNCAM_NATS_URL")
        if url:
            self.urls.append(("NATS (external)", mask_url(url)))
        else:
            done = _step("starting NATS (JetStream, sync_interval always)")
            nats = NatsServer(self.state_dir / "nats", port=_port(4222), monitor_port=_port(8222))
            nats.start()
            self._keep("NATS", nats)
            done()
            url = nats.url
            self.urls += [("NATS", url), ("NATS monitoring", nats.monitor_url)]
        self.env["TNCAM_NATS_URL"] = url

    def _start_postgres(self) -> None:
        base = os.environ.get("TNCAM_DATABASE_URL")
        if base:
            try:
                admin = admin_url_from_env(os.environ).render_as_string(False)
            except MissingEnvError as e:
                raise SystemExit(
                    f"TNCAM_DATABASE_URL is set but has no admin credentials ({e}): put them in "
                    "the URL or set TNCAM_DB_ADMIN_USER and TNCAM_DB_ADMIN_PASSWORD"
                ) from None
            except ConfigurationError as e:
                raise SystemExit(f"TNCAM_DATABASE_URL: {e.message}") from None
            base = make_url(base).set(username=None, password=None).render_as_string(False)
            self.urls.append(("PostgreSQL (external)", base))
        else:
            done = _step("starting PostgreSQL")
            pg = PostgresServer(self.state_dir / "postgres", port=_port(5432), fast=False)
            pg.start()
            self._keep("PostgreSQL", pg)
            done()
            admin = pg.dsn()
            base = f"postgresql://127.0.0.1:{pg.port}/{pg.database}"
            self.urls.append(("PostgreSQL", f"{base} (admin {pg.admin_user})"))
        done = _step("migrating schemas registry, recorder, audit, gateway")
        self.admin_dsn = admin
        migrated = asyncio.run(migrate_all(admin, base))
        done()
        self.env.update(migrated.env())

    def _start_s3(self) -> None:
        endpoint = os.environ.get("TNCAM_S3_ENDPOINT")
        if endpoint:
            self.urls.append(("S3 (external)", endpoint))
            for key in ("TNCAM_S3_ENDPOINT", "TNCAM_S3_ACCESS_KEY", "TNCAM_S3_SECRET_KEY"):
                if key in os.environ:
                    self.env[key] = os.environ[key]
            return
        workdir = self.state_dir / "s3"
        server: MinioServer | SeaweedServer
        if minio_binary() is not None:
            done = _step("starting MinIO")
            server = MinioServer(workdir, port=_port(9000), console_port=_port(9001))
        else:
            print("    (MinIO is not built: run scripts/build-minio.sh; using SeaweedFS)")
            done = _step("starting SeaweedFS")
            server = SeaweedServer(workdir)
        server.start()
        self._keep(server.endpoint.backend, server)
        done()
        ep = server.endpoint
        self.urls.append((f"S3 ({ep.backend})", ep.url))
        self.env.update(
            {
                "TNCAM_S3_ENDPOINT": ep.url,
                "TNCAM_S3_ACCESS_KEY": ep.access_key,
                "TNCAM_S3_SECRET_KEY": ep.secret_key,
            }
        )

    def _start_cameras(self) -> None:
        done = _step(f"starting {self.cameras} simulated cameras (RTSP, H.265)")
        sim = CameraSimulator(
            self.state_dir / "cameras",
            cameras=self.cameras,
            h264_cameras=self.h264,
            port=_port(8554),
        )
        sim.start()
        self._keep("cameras", sim)
        done()
        fleet = self.state_dir / "cameras.csv"
        with fleet.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["code", "name", "commune_code", "site_kind", "rtsp_url", "codec"])
            for n in range(1, self.cameras + 1):
                commune = DEMO_COMMUNES[(n - 1) % len(DEMO_COMMUNES)]
                kind = SITE_KINDS[(n - 1) % len(SITE_KINDS)]
                codec = "h264" if n in self.h264 else "h265"
                w.writerow(
                    [f"CAM-{commune}-{n:03d}", f"Camera {n}", commune, kind, sim.url(n), codec]
                )
        self.urls.append(("camera fleet", f"{sim.url(1)} … {sim.url(self.cameras)} ({fleet})"))
        # POST …/cameras/camN/down (or /up) takes a camera off the network and back.
        self.urls.append(("camera control", f"http://127.0.0.1:{sim.control_port}/cameras"))

    def _write_env_file(self) -> Path:
        """The stack's settings, secrets included, for tools run by hand (mode 0600)."""
        path = self.state_dir / "stack.env"
        path.touch(mode=0o600)
        path.write_text("".join(f"export {k}={shlex.quote(v)}\n" for k, v in self.env.items()))
        return path

    def _bootstrap_admin(self) -> None:
        """The first province_admin (TNCAM_BOOTSTRAP_ADMIN_USER/_PASSWORD, else generated)."""
        done = _step("creating the first province_admin account")
        tncam = Path(sys.executable).with_name("tncam")
        result = subprocess.run(
            [str(tncam), "accounts", "bootstrap"],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"tncam accounts bootstrap failed: {result.stderr.strip()}")
        done()
        path = self.state_dir / "admin.txt"
        path.touch(mode=0o600)
        path.write_text(result.stdout)
        self.admin_lines = [line for line in result.stdout.splitlines() if line.strip()]

    def _start_services(self) -> None:
        self._bootstrap_admin()
        self.urls.append(("settings (source it)", str(self._write_env_file())))
        # All at once: their start-ups (imports, connecting) overlap instead of adding up.
        done = _step(f"starting {', '.join(SERVICES)}")
        procs = [
            ServiceProcess(
                service,
                env={**os.environ, **self.env},
                log_dir=self.state_dir / "logs",
                port=_port(DEFAULT_PORTS[service]),
                ready_timeout=self.ready_timeout,
            )
            for service in SERVICES
        ]
        start_together(procs)
        for proc in procs:
            self._keep(proc.service, proc)
            self.services[proc.service] = proc
        done()

    def import_fleet(self) -> None:
        """Register the simulated cameras, as an operator would: ``tncam cameras import``."""
        fleet = self.state_dir / "cameras.csv"
        if not fleet.exists():
            return
        done = _step(f"importing the camera fleet ({fleet.name}) into the registry")
        tncam = Path(sys.executable).with_name("tncam")
        result = subprocess.run(
            [str(tncam), "cameras", "import", str(fleet)],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"tncam cameras import failed: {result.stdout}{result.stderr}")
        done()
        print(f"    {result.stdout.strip()}")

    def stop(self) -> None:
        """Stop everything this stack started, newest first."""
        while self.started:
            name, thing = self.started.pop()
            print(f"==> stopping {name}", flush=True)
            with contextlib.suppress(Exception):
                thing.stop()

    def print_urls(self) -> None:
        """The table of URLs a person needs."""
        print("\ntncam is running (Ctrl-C stops everything)\n")
        width = max(len(n) for n, _ in self.urls) + 2
        for name, proc in self.services.items():
            print(f"  {name:<{width}} {proc.url}/livez  {proc.url}/readyz  {proc.url}/metrics")
        gw = self.services.get("gateway")
        if gw is not None:
            print(f"  {'gateway API':<{width}} {gw.url}/api/v1/docs")
            print(f"  {'console':<{width}} {gw.url}/console/  (sign in as the first account)")
        for name, url in self.urls:
            print(f"  {name:<{width}} {url}")
        if self.admin_lines:
            print(f"\n  first account ({self.state_dir / 'admin.txt'}):")
            for line in self.admin_lines:
                print(f"    {line}")
        print(f"\n  logs: {self.state_dir / 'logs'}\n", flush=True)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def main(argv: list[str] | None = None) -> int:
    """Run the local stack until interrupted."""
    parser = argparse.ArgumentParser(prog="make run", description=__doc__)
    parser.add_argument("--cameras", type=int, default=8, help="simulated cameras (default 8)")
    parser.add_argument(
        "--h264", type=int, action="append", help="camera numbers that send H.264 (default: last)"
    )
    parser.add_argument("--state-dir", type=Path, default=REPO_ROOT / "var" / "stack")
    args = parser.parse_args(argv)
    if args.cameras < 1:
        parser.error("--cameras must be at least 1")
    stack = Stack(args.state_dir, cameras=args.cameras, h264=tuple(args.h264 or [args.cameras]))
    with _stop_on_signals() as stop:
        try:
            stack.start()
            stack.import_fleet()
        except BaseException as e:
            print(f"\nerror: {e}", file=sys.stderr)
            stack.stop()
            return 1
        stack.print_urls()
        while not stop.wait(1.0):
            for name, proc in stack.services.items():
                if not proc.running:
                    print(f"error: {name} exited; see {proc.log_path}", file=sys.stderr)
                    stop.set()
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
