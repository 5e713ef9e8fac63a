"""``malloc_trim``: the free pages kept in glibc's arenas go back to the kernel."""

from __future__ import annotations

import os
import time

from tncam_ingest.media.allocator import Trimmer, malloc_trim

MB = 1_000_000


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_malloc_trim_returns_free_arena_pages() -> None:
    blocks = [bytes(2048) for _ in range(24_000)]  # ~49 MB of malloc'd chunks (< mmap threshold)
    pinned = blocks[-1]  # the arena's top stays in use: free() alone keeps the hole
    del blocks
    kept = _rss()
    assert malloc_trim() is True
    assert kept - _rss() > 30 * MB
    assert pinned


def test_trimmer_trims_periodically_until_stopped() -> None:
    trimmer = Trimmer(0.01).start()
    deadline = time.monotonic() + 5
    while trimmer.rounds < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    trimmer.stop()
    rounds = trimmer.rounds
    assert rounds >= 3
    assert trimmer.seconds > 0
    time.sleep(0.05)
    assert trimmer.rounds == rounds
