"""Real server processes for tests and the local stack: start, wait until ready, stop."""

from __future__ import annotations

import abc
import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

#: The repository checkout this test kit runs from (libs/testkit/src/tncam_testkit/..).
REPO_ROOT = Path(__file__).resolve().parents[4]


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def bindable(port: int, host: str = "127.0.0.1") -> bool:
    """True when ``host:port`` can be bound right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def distinct_free_ports(count: int, taken: set[int] | None = None) -> list[int]:
    """``count`` free ports, distinct from each other and from ``taken``."""
    # free_port() releases its socket at once, so two calls may hand out the same port.
    seen = set(taken or ())
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in seen:
            seen.add(port)
            ports.append(port)
    return ports


def write_private(path: Path, text: str) -> None:
    """Write a file that holds a secret: created 0600, never chmod-ed after the fact."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


class StartStop(abc.ABC):
    """A server of the test kit: ``start()``/``stop()``, and ``with`` for both."""

    @abc.abstractmethod
    def start(self) -> object:
        """Start the server and wait until it is ready."""

    @abc.abstractmethod
    def stop(self) -> object:
        """Stop the server (idempotent)."""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ServerStartError(RuntimeError):
    """A server process exited or did not become ready; the message carries its log tail."""

    @property
    def port_clash(self) -> bool:
        """Whether the server said its port was taken (free_port raced another process)."""
        text = str(self).lower()
        return "address already in use" in text or "is not available" in text


class ManagedProcess(StartStop):
    """One child process with its log in a file, a readiness probe and a bounded stop."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        ready: Callable[[], bool],
        ready_timeout: float = 30.0,
        stop_signal: int = signal.SIGTERM,
        stop_timeout: float = 10.0,
        user: str | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self._ready = ready
        self.ready_timeout = ready_timeout
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self.user = user
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        """Start the process and block until its readiness probe passes."""
        self.spawn()
        self.wait_ready()

    def spawn(self, *, stdin: int = subprocess.DEVNULL) -> None:
        """Start the process without waiting for it (``wait_ready`` does)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=stdin,
            env=self.env,
            cwd=self.cwd,
            user=self.user,
            start_new_session=True,  # Ctrl-C in the terminal reaches the runner, not each child
        )

    def wait_ready(self, timeout: float | None = None) -> None:
        """Block until the spawned process is ready, at most ``timeout`` (``ready_timeout``)
        from now; stop it and raise ServerStartError if it exits or the time is up."""
        assert self.proc is not None, "spawn() first"
        timeout = self.ready_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerStartError(
                    f"{self.name} exited with code {self.proc.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError):
                if self._ready():
                    return
            time.sleep(0.1)
        self.stop()
        raise ServerStartError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> int | None:
        """Signal the process, wait ``stop_timeout`` seconds, then kill it; return its exit code."""
        proc, self.proc = self.proc, None
        code: int | None = None
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(self.stop_signal)
                try:
                    proc.wait(self.stop_timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            code = proc.returncode
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        return self.proc.pid if self.proc is not None else None

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the process log, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def start_together(procs: Sequence[ManagedProcess]) -> None:
    """Start ``procs`` at once and wait until each is ready: their start-ups (imports,
    connecting) overlap instead of adding up. They share the CPU while they start, so each may
    take as long as all of them would one after the other. On failure all of them are stopped."""
    budget = sum(proc.ready_timeout for proc in procs)
    try:
        for proc in procs:
            proc.spawn()
        started = time.monotonic()
        for proc in procs:
            proc.wait_ready(max(proc.ready_timeout, budget - (time.monotonic() - started)))
    except BaseException:
        for proc in procs:
            proc.stop()
        raise
