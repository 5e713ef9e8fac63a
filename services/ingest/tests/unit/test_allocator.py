"""The glibc malloc tuning applied at start (memory per stream)."""

from __future__ import annotations

import ctypes.util
import json
import os
import platform
import subprocess
import sys

import pytest

from tncam_ingest.media.allocator import tunables_env, tune_malloc


def is_glibc() -> bool:
    return platform.libc_ver()[0] == "glibc" and ctypes.util.find_library("c") is not None


def test_fixed_mmap_threshold_is_applied_on_glibc() -> None:
    assert tune_malloc() is is_glibc()


def test_operator_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "262144")
    assert tune_malloc() is False


def test_tunables_are_added_to_the_operators_and_never_replace_them() -> None:
    if not is_glibc():
        assert tunables_env({}) is None
        return
    assert tunables_env({"PATH": "/bin"}) == {
        "PATH": "/bin",
        "GLIBC_TUNABLES": "glibc.malloc.tcache_count=0",
    }
    env = tunables_env({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"})
    assert env is not None
    assert env["GLIBC_TUNABLES"] == "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0"
    # Set already (by the start before this one, or by the operator): no second start.
    assert tunables_env({"GLIBC_TUNABLES": "glibc.malloc.tcache_count=7"}) is None
    assert tunables_env({"GLIBC_TUNABLES": "a=1:glibc.malloc.tcache_count=0"}) is None


# A child that starts as ingest does, then frees a 600-byte chunk (above the fast bins, inside
# the per-thread cache's sizes) and prints its environment's tunables and the bytes that glibc
# counted as freed: 0 while the thread's cache keeps the chunk.
_PROBE = """
import ctypes, ctypes.util, json, os, sys
from tncam_ingest.bench_rss import mallinfo
from tncam_ingest.media.allocator import tune_process
tune_process([sys.executable, *sys.orig_argv[1:]])
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)
p = libc.malloc(600)
before = mallinfo()["heap_used"]
libc.free(p)
print(json.dumps([os.environ.get("GLIBC_TUNABLES"), before - mallinfo()["heap_used"]]))
"""


def _probe(tunables: str | None) -> tuple[str | None, int]:
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    if tunables is not None:
        env["GLIBC_TUNABLES"] = tunables
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, check=True, capture_output=True, text=True
    ).stdout
    got, freed = json.loads(out)
    return got, int(freed)


def test_ingest_starts_again_without_per_thread_caches() -> None:
    tunables, freed = _probe(None)
    assert tunables == "glibc.malloc.tcache_count=0"
    assert freed >= 600  # back in the arena at once
    # The operator's setting is kept (glibc's default: 7 per size), and the chunk stays cached.
    tunables, freed = _probe("glibc.malloc.tcache_count=7")
    assert tunables == "glibc.malloc.tcache_count=7"
    assert freed == 0


def _imports_of_a_start(env_tunables: str | None) -> list[str]:
    """The modules ``python -m tncam_ingest`` imported, in order, over all its starts (a bad
    setting makes it exit 2 once its settings are read)."""
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    env |= {"PYTHONPROFILEIMPORTTIME": "1", "TNCAM_HANDOFF_PARTITIONS": "abc"}
    if env_tunables is not None:
        env["GLIBC_TUNABLES"] = env_tunables
    proc = subprocess.run(
        [sys.executable, "-m", "tncam_ingest"], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "TNCAM_INGEST_HANDOFF_PARTITIONS" in proc.stderr
    return [
        line.rpartition("|")[2].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    ]


def test_python_m_tncam_ingest_starts_again_before_the_services_imports() -> None:
    mods = _imports_of_a_start(None)
    assert mods.count("tncam_ingest.media.allocator") == 2  # a second start
    assert mods.count("tncam_ingest.settings") == 1  # only in the second one
    assert mods.index("tncam_ingest.settings") > max(
        i for i, m in enumerate(mods) if m == "tncam_ingest.media.allocator"
    )
    assert (
        _imports_of_a_start("glibc.malloc.tcache_count=7").count("tncam_ingest.media.allocator")
        == 1
    )
