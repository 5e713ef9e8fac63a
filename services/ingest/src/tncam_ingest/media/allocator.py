"""glibc malloc tuning for the session threads (memory per stream).

Each session thread allocates multi-megabyte buffers once per segment (the muxer's fragment
buffer, the serialized ``SegmentClosed``) and frees them a few seconds later. glibc's
*dynamic* mmap threshold rises to the size of the largest block freed (up to 32 MiB), after
which these buffers come from the per-thread arenas, where the holes they leave are rarely
given back: resident memory grows to several segments per stream. A fixed threshold keeps
every block of ``threshold`` bytes or more in its own mapping, returned to the kernel on
free (and ``realloc``'d with ``mremap``, without copying). Measured with
``python -m tncam_ingest.bench`` at N = 64: PSS per stream down by about a third, same CPU.

Operators can still set ``MALLOC_MMAP_THRESHOLD_`` themselves: then this does nothing.

``TUNABLES`` (ADR 0031): glibc's per-thread caches (tcache) are turned off. Each of the 64+
session threads keeps up to 7 freed chunks of each of 64 small sizes for itself, counted as in
use; with them the heap in use grew under a steady load (+1.1 to +4 MB per 10 minutes at 64
cameras, not levelling off in 40 minutes), without them it did not, at the same CPU. glibc
reads tunables only when a program starts, so ``exec_with_tunables`` starts the process again
with them when its environment lacks them.

``Trimmer`` (``malloc_trim(0)`` every so often) is the steady-load benchmark's experiment
(``bench_rss --trim-s``), not applied by the service: a trim a minute did not change the RSS
slope (README, "Memory under a steady load").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import sys
import threading
import time
from typing import Any

log = logging.getLogger("tncam.ingest.allocator")

M_MMAP_THRESHOLD = -3  # <malloc.h>
#: glibc tunables ingest runs with, unless the environment already sets each (ADR 0031).
TUNABLES = {"glibc.malloc.tcache_count": "0"}
DEFAULT_MMAP_THRESHOLD = 128 * 1024


@functools.cache
def libc() -> Any:
    """glibc, loaded once; None elsewhere (musl, macOS) or if it cannot be loaded."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim.argtypes = (ctypes.c_size_t,)
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def malloc_trim() -> bool:
    """Give every arena's free whole pages back to the kernel (blocking: call it in a thread);
    True if glibc released any memory."""
    c = libc()
    return bool(c is not None and c.malloc_trim(0))


class Trimmer:
    """``malloc_trim(0)`` every ``interval_s`` in a daemon thread of its own (never on the
    event loop: it takes each arena's lock in turn); counts the rounds and their time."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self.rounds = 0
        self.seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="malloc-trim", daemon=True)

    def start(self) -> Trimmer:
        if libc() is not None:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            t = time.perf_counter()
            malloc_trim()
            self.seconds += time.perf_counter() - t
            self.rounds += 1


def tune_malloc(mmap_threshold: int = DEFAULT_MMAP_THRESHOLD) -> bool:
    """Fix glibc's mmap threshold (before the session threads start); True if applied."""
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    applied = bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold))
    if not applied:
        log.warning("mallopt(M_MMAP_THRESHOLD, %d) refused", mmap_threshold)
    return applied


def _is_glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (ValueError, OSError):  # not glibc: the name is unknown there
        return False


def tunables_env(environ: dict[str, str]) -> dict[str, str] | None:
    """``environ`` with ``TUNABLES`` added to ``GLIBC_TUNABLES``, or None when each is set
    already (by a start before, or by the operator: theirs is kept) or the libc is not glibc."""
    current = environ.get("GLIBC_TUNABLES", "")
    have = {part.partition("=")[0] for part in current.split(":") if part}
    missing = [f"{k}={v}" for k, v in TUNABLES.items() if k not in have]
    if not missing or not _is_glibc():
        return None
    return {**environ, "GLIBC_TUNABLES": ":".join(filter(None, [current, *missing]))}


def exec_with_tunables(argv: list[str]) -> None:
    """Replace this process by ``argv`` with ``TUNABLES`` in its environment, unless it has
    them (then return). Call first thing, before threads or connections exist."""
    env = tunables_env(dict(os.environ))
    if env is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)  # noqa: S606 - this program again, its own argv


def tune_process(argv: list[str]) -> None:
    """glibc as ingest runs it, first thing in the service and in each benchmark's child:
    started again by ``argv`` with ``TUNABLES`` if needed, then the fixed mmap threshold."""
    exec_with_tunables(argv)
    tune_malloc()
