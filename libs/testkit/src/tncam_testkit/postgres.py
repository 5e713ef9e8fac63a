"""A real PostgreSQL cluster in a work directory, for tests and the local dev stack."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pwd
import re
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tncam_mesh.db import quote_identifier, scram_sha256_verifier
from tncam_testkit.pgbin import find_bindir
from tncam_testkit.procs import ManagedProcess, ServerStartError, StartStop, free_port

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
# PostgreSQL refuses to run as root; when we are root its processes run as this OS user.
SERVICE_OS_USER = "postgres"
_SQL_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# sun_path is 108 bytes on Linux; PostgreSQL appends "/.s.PGSQL.<port>" to the directory.
_MAX_SOCKET_DIR = 90
# Under the system temp dir: where clusters live whose workdir the postgres user cannot reach.
RELOCATION_DIR = "tncam-postgres"
_SWEEP_GRACE_SECONDS = 600


class PostgresServer(StartStop):
    """One PostgreSQL cluster under ``workdir``: password (SCRAM) auth, 127.0.0.1 only.

    ``fast=True`` turns durability off (fsync, synchronous commit, full-page writes) and is
    only for throwaway test clusters; the dev stack passes ``fast=False``. The admin password
    is new on every ``start()``; an existing data directory is reused and its admin password
    rotated. As root, the server runs as the ``postgres`` OS user; if that user cannot reach
    ``workdir`` (pytest's 0700 temp root), the cluster lives in a root-owned directory under
    the system temp dir and ``workdir/data`` links to it.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        fast: bool = True,
        database: str = "tncam",
        admin_user: str = "postgres",
        bindir: Path | None = None,
        ready_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        for name in (database, admin_user):
            if not _SQL_NAME.fullmatch(name):
                raise ValueError(f"{name!r} must match {_SQL_NAME.pattern}")
        self.workdir = workdir.resolve()
        self.data_dir = self.workdir / "data"
        self.socket_dir = self.workdir / "run"
        self.log_path = self.workdir / "postgres.log"
        self.fast = fast
        self.database = database
        self._admin_user = admin_user
        self._requested_port = port
        self._bindir = bindir
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self._port: int | None = None
        self._admin_password: str | None = None
        self._proc: ManagedProcess | None = None
        self._os_user: pwd.struct_passwd | None = None
        self._active_bindir: Path | None = None
        self.startup_seconds: float | None = None

    # -- public surface -------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("PostgresServer is not started")
        return self._port

    @property
    def admin_user(self) -> str:
        return self._admin_user

    @property
    def admin_password(self) -> str:
        if self._admin_password is None:
            raise RuntimeError("PostgresServer is not started")
        return self._admin_password

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.running

    @property
    def pid(self) -> int | None:
        """The postmaster's process id while it runs."""
        return self._proc.pid if self._proc is not None else None

    def dsn(
        self,
        database: str | None = None,
        *,
        user: str | None = None,
        password: str | None = None,
    ) -> str:
        """A ``postgresql://`` URL for ``user`` (default: the admin) on 127.0.0.1."""
        user = self.admin_user if user is None else user
        password = self.admin_password if password is None else password
        database = self.database if database is None else database
        return (
            f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}"
            f"@{HOST}:{self.port}/{quote(database, safe='')}"
        )

    def sqlalchemy_url(
        self,
        database: str | None = None,
        *,
        user: str | None = None,
        password: str | None = None,
    ) -> str:
        """The same as ``dsn`` with the ``postgresql+asyncpg://`` driver prefix."""
        plain = self.dsn(database, user=user, password=password)
        return "postgresql+asyncpg://" + plain.removeprefix("postgresql://")

    def start(self) -> None:
        """Initialise the cluster if needed, start it, wait until it answers, create the db."""
        if self._proc is not None:
            raise RuntimeError("PostgresServer is already started")
        began = time.monotonic()
        bindir = self._active_bindir = self._bindir or find_bindir()
        self._os_user = _service_os_user()
        self._prepare_dirs()
        self._admin_password = secrets.token_urlsafe(32)
        if (self.data_dir / "PG_VERSION").exists():
            self._rotate_admin_password(bindir)
        else:
            self._initdb(bindir)
        self._port = self._requested_port or free_port(HOST)
        self._proc = ManagedProcess(
            "postgres",
            [*self._drop_privileges(), str(bindir / "postgres"), *self._server_args()],
            log_path=self.log_path,
            env=self._env(),
            cwd=self.data_dir,
            ready=lambda: self._accepting(bindir),
            ready_timeout=self.ready_timeout,
            stop_signal=signal.SIGINT,  # PostgreSQL's "fast" shutdown, the same as pg_ctl -m fast
            stop_timeout=self.stop_timeout,
        )
        try:
            self._proc.start()
            self._ensure_database(bindir)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        log.info("PostgreSQL on %s:%d ready in %.2f s", HOST, self._port, self.startup_seconds)

    def stop(self) -> None:
        """Fast shutdown via ``pg_ctl stop -m fast``, bounded; SIGKILL if it hangs."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.running and self._active_bindir is not None:
            bindir = self._active_bindir
            with contextlib.suppress(subprocess.TimeoutExpired, OSError):
                self._run(
                    [
                        str(bindir / "pg_ctl"),
                        "stop",
                        "-D",
                        str(self.data_dir),
                        "-m",
                        "fast",
                        "-w",
                        "-t",
                        str(int(self.stop_timeout)),
                    ],
                    timeout=self.stop_timeout + 5,
                    check=False,
                )
        # Reaps the child and closes the log; only signals if pg_ctl could not stop it.
        proc.stop()

    # -- steps ----------------------------------------------------------------------------

    def _prepare_dirs(self) -> None:
        """Create the directories and give them to the OS user PostgreSQL runs as."""
        try:
            self.workdir.mkdir(parents=True, exist_ok=True)
        except PermissionError as e:
            raise ServerStartError(f"cannot create workdir {self.workdir}: {e.strerror}") from e
        os_user = self._os_user
        if os_user is None:
            for d in (self.data_dir, self.socket_dir):
                if d.exists() and d.stat().st_uid != os.geteuid():
                    raise ServerStartError(
                        f"{d} belongs to uid {d.stat().st_uid}, not to you (uid {os.geteuid()});"
                        " PostgreSQL only runs on directories its own user owns: remove it,"
                        " chown it to yourself, or choose another workdir"
                    )
        elif not _reachable(self.workdir, os_user):
            home = _relocate(self.workdir)
            self.data_dir, self.socket_dir = home / "data", home / "run"
        for d in (self.data_dir, self.socket_dir):
            try:
                d.mkdir(exist_ok=True)
            except PermissionError as e:
                raise ServerStartError(
                    f"cannot create {d} ({e.strerror}): {self.workdir} must be writable by"
                    f" uid {os.geteuid()}; fix its ownership or choose another workdir"
                ) from e
            if os_user is not None and d.stat().st_uid != os_user.pw_uid:
                _chown_tree(d, os_user.pw_uid, os_user.pw_gid)
            d.chmod(0o700)  # initdb and postgres insist on 0700 (or 0750) for the data dir

    def _initdb(self, bindir: Path) -> None:
        """Run initdb with SCRAM auth and the admin password read from a short-lived file."""
        pwfile = self.socket_dir / "initdb.pw"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(self.admin_password + "\n")
            if self._os_user is not None:
                os.chown(pwfile, self._os_user.pw_uid, self._os_user.pw_gid)
            argv = [
                str(bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                self.admin_user,
                f"--pwfile={pwfile}",
                "-A",
                "scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-instructions",
            ]
            if self.fast:
                argv.append("--no-sync")
            self._run(argv, timeout=120)
        finally:
            pwfile.unlink(missing_ok=True)

    def _rotate_admin_password(self, bindir: Path) -> None:
        """Set a fresh admin password in single-user mode: the old one is never stored."""
        statement = (
            f"ALTER ROLE {quote_identifier(self.admin_user)} "
            f"PASSWORD '{scram_sha256_verifier(self.admin_password)}';\n"
        )
        argv = [
            str(bindir / "postgres"),
            "--single",
            "-D",
            str(self.data_dir),
            # A failing statement would otherwise be logged with its text.
            "-c",
            "log_min_error_statement=panic",
            "template1",
        ]
        result = self._run(argv, timeout=60, check=False, stdin=statement)
        output = result.stdout + result.stderr
        if result.returncode != 0 or "ERROR:" in output:
            raise ServerStartError(f"could not reset the admin password:\n{output[-2000:]}")

    def _server_args(self) -> list[str]:
        """Command-line settings: they win over postgresql.conf, so a reused cluster obeys too."""
        socket_dirs = str(self.socket_dir)
        if len(socket_dirs) > _MAX_SOCKET_DIR:
            # A deep workdir cannot hold a Unix socket; TCP on 127.0.0.1 is all we use anyway.
            socket_dirs = ""
        settings = {
            "listen_addresses": HOST,
            "port": str(self._port),
            "unix_socket_directories": socket_dirs,
            "password_encryption": "scram-sha-256",
        }
        if self.fast:
            # Throwaway test clusters only: a crash loses data, which a test run does not mind.
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        args = ["-D", str(self.data_dir)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        return args

    def _accepting(self, bindir: Path) -> bool:
        """pg_isready: true only once the server accepts connections, not while it recovers."""
        result = subprocess.run(
            [str(bindir / "pg_isready"), "-q", "-h", HOST, "-p", str(self.port), "-t", "1"],
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=5,
            check=False,
        )
        return result.returncode == 0

    def _ensure_database(self, bindir: Path) -> None:
        """Create the application database if it does not exist yet."""
        # The name was validated against _SQL_NAME in __init__, so inlining it is safe.
        name = self.database
        exists = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608
        script = f"SELECT 'CREATE DATABASE {quote_identifier(name)}' WHERE NOT EXISTS ({exists})"
        script += "\\gexec\n"
        argv = [str(bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        argv += ["-h", HOST, "-p", str(self.port), "-U", self.admin_user, "-d", "postgres"]
        env = self._env() | {"PGPASSWORD": self.admin_password}
        result = subprocess.run(
            argv, input=script, env=env, capture_output=True, text=True, timeout=30, check=False
        )
        if result.returncode != 0:
            raise ServerStartError(f"could not create database {self.database}:\n{result.stderr}")

    # -- helpers --------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        """Our environment without PG* variables, which would redirect the client tools."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return env

    def _drop_privileges(self) -> list[str]:
        """A prefix that runs the server as the postgres OS user, with its groups, when root."""
        if self._os_user is None:
            return []
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            raise ServerStartError("running as root needs setpriv (util-linux) to drop privileges")
        # setpriv execs in place (same pid), so signals from ManagedProcess reach postgres.
        return [
            setpriv,
            f"--reuid={self._os_user.pw_uid}",
            f"--regid={self._os_user.pw_gid}",
            "--init-groups",
            "--",
        ]

    def _run(
        self, argv: list[str], *, timeout: float, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a server tool as the PostgreSQL OS user; raise with its output on failure."""
        kwargs: dict[str, Any] = {}
        if self._os_user is not None:
            kwargs = {
                "user": self._os_user.pw_uid,
                "group": self._os_user.pw_gid,
                "extra_groups": _groups_of(self._os_user),
            }
        result = subprocess.run(
            argv,
            input=stdin,
            env=self._env(),
            cwd=self.data_dir if self.data_dir.is_dir() else self.workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,
        )
        if check and result.returncode != 0:
            raise ServerStartError(
                f"{Path(argv[0]).name} failed with code {result.returncode}:\n"
                f"{result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
        return result


def _service_os_user() -> pwd.struct_passwd | None:
    """The OS user PostgreSQL runs as: ``postgres`` when we are root, else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_OS_USER)
    except KeyError:
        raise ServerStartError(
            f"running as root, PostgreSQL needs the {SERVICE_OS_USER!r} OS user "
            "(apt-get install postgresql creates it; or run the tests as a normal user)"
        ) from None


def _groups_of(user: pwd.struct_passwd) -> list[int]:
    return os.getgrouplist(user.pw_name, user.pw_gid)


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def _reachable(path: Path, user: pwd.struct_passwd) -> bool:
    """True if ``user`` has search (x) permission on ``path`` and every directory above it."""
    groups = set(_groups_of(user))
    for directory in [path, *path.parents]:
        st = directory.stat()
        if st.st_uid == user.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def _relocate(workdir: Path) -> Path:
    """A home for the cluster that the postgres OS user can reach, linked from ``workdir``.

    pytest's temp root is 0700 root and every pytest session resets it, so chmod-ing it is
    racy; instead the cluster lives under a root-owned 0711 directory in the system temp dir,
    at a path derived from ``workdir`` (a restart finds it again), with ``workdir/data`` and
    ``workdir/run`` as symlinks for people. Homes whose workdir is gone are removed.
    """
    base = Path(tempfile.gettempdir()) / RELOCATION_DIR
    with contextlib.suppress(FileExistsError):
        base.mkdir(mode=0o711)
    st = base.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0:
        raise ServerStartError(f"{base} must be a directory owned by root (found otherwise)")
    base.chmod(0o711)
    home = base / hashlib.sha256(str(workdir).encode()).hexdigest()[:16]
    _sweep(base, keep=home)
    home.mkdir(mode=0o711, exist_ok=True)
    (home / "workdir").write_text(str(workdir))
    for name in ("data", "run"):
        link = workdir / name
        if link.is_symlink() and Path(os.readlink(link)) == home / name:
            continue
        if link.exists() or link.is_symlink():
            raise ServerStartError(
                f"{workdir} is not reachable by the {SERVICE_OS_USER!r} OS user and already has"
                f" a {name!r} entry; make its parent directories searchable (chmod o+x) or"
                " choose another workdir"
            )
        link.symlink_to(home / name)
    return home


def _sweep(base: Path, *, keep: Path) -> None:
    """Remove relocated clusters whose workdir no longer links to them and that are not live."""
    for home in base.iterdir():
        if home == keep or not home.is_dir():
            continue
        # Young homes may still be being set up by another process (no link yet).
        if time.time() - home.stat().st_mtime < _SWEEP_GRACE_SECONDS:
            continue
        with contextlib.suppress(OSError, ValueError):
            owner = Path((home / "workdir").read_text())
            link = owner / "data"
            if link.is_symlink() and Path(os.readlink(link)) == home / "data":
                continue
            pid_file = home / "data" / "postmaster.pid"
            if pid_file.exists() and _alive(int(pid_file.read_text().split()[0])):
                continue
            log.info("removing stale relocated PostgreSQL cluster %s (was %s)", home, owner)
            shutil.rmtree(home, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = ["PostgresServer", "ServerStartError", "find_bindir"]
