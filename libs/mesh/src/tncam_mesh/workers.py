"""CPU-bound pure functions in a child process, one call at a time, with a time limit.

A thread is not enough for CPU work an outsider can make long (parsing an uploaded file): the
GIL lets the thread take the CPU from the event loop, and every other request of the service
slows down (an XLSX of 300,000 rows once raised others' latency to ~480 ms). A
``ProcessWorker`` runs the function in its own process instead: the loop keeps serving, a call
that exceeds the time limit is killed with its process (the next call starts a fresh one), and
at most ``max_waiting`` callers queue behind the running call; more are refused at once with a
retryable ``UnavailableError`` so a burst cannot pile up work nobody will wait for.

The function and its arguments cross a process boundary: a module-level function, picklable
values in and out.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from tncam_mesh.errors import UnavailableError

T = TypeVar("T")


class WorkTimeoutError(UnavailableError):
    """The call ran longer than the worker's time limit; its process was killed. Not
    retryable: the same input would take as long again."""

    default_retryable = False


def _ready() -> None:
    """A call that only proves the child process is up."""


_PR_SET_PDEATHSIG = 1


def _child_init(nice: int, parent: int) -> None:
    """In the child: lower its CPU priority and make it die with its parent. A service that is
    SIGKILLed (OOM, a node lost, a test) cannot close its pool, and a pool worker holds both
    ends of its own call pipe, so it would never see the parent go: the kernel ends it
    instead (Linux ``PR_SET_PDEATHSIG``)."""
    os.nice(nice)
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)


class ProcessWorker:
    """One child process (at a lower CPU priority, ``nice``) that runs one call at a time,
    each within ``timeout_s``."""

    def __init__(
        self, name: str, *, timeout_s: float, max_waiting: int = 1, nice: int = 10
    ) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self._max_waiting = max_waiting
        self._nice = nice
        self._waiting = 0
        self._slot = asyncio.Semaphore(1)
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    @property
    def busy(self) -> bool:
        """A call is running."""
        return self._slot.locked()

    async def start(self) -> None:
        """Start the child process now, so the first real call does not pay for it."""
        await self.run(_ready)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the child process; ``WorkTimeoutError`` past the time limit,
        ``UnavailableError`` when too many callers already wait or the process died."""
        if self._closed:
            raise UnavailableError(f"{self.name}.closed", f"{self.name}: the worker is stopped")
        if self._slot.locked() and self._waiting >= self._max_waiting:
            raise UnavailableError(
                f"{self.name}.busy",
                "Hệ thống đang xử lý một yêu cầu tương tự, hãy thử lại sau ít phút "
                "(busy with a similar request; try again shortly)",
            )
        self._waiting += 1
        try:
            await self._slot.acquire()
        finally:
            self._waiting -= 1
        try:
            return await self._call(fn, args)
        finally:
            self._slot.release()

    async def _call(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor(), fn, *args)
        try:
            return await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError as e:
            self._kill()
            raise WorkTimeoutError(
                f"{self.name}.timed_out",
                f"Quá thời gian xử lý {self.timeout_s:g} giây "
                f"(took longer than {self.timeout_s:g} s; stopped)",
            ) from e
        except BrokenProcessPool as e:  # the child died (killed, out of memory)
            self._kill()
            raise UnavailableError(
                f"{self.name}.worker_lost", f"{self.name}: the worker process ended"
            ) from e
        except asyncio.CancelledError:
            self._kill()  # nobody waits for the result any more: do not let it run on
            raise

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: a fork of a process with an event loop and threads can inherit
            # locks held by another thread.
            # Niced: on a busy machine the service's own requests come first.
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_child_init,
                initargs=(self._nice, os.getpid()),
            )
        return self._pool

    def _kill(self) -> None:
        """End the child process and forget the executor (a running call cannot be cancelled
        any other way)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list((pool._processes or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker: a running call is killed, later calls are refused."""
        self._closed = True
        self._kill()
