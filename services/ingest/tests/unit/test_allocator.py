"""The glibc malloc tuning applied at start (memory per stream)."""

from __future__ import annotations

import ctypes.util
import platform

import pytest

from tncam_ingest.media.allocator import tune_malloc


def test_fixed_mmap_threshold_is_applied_on_glibc() -> None:
    applied = tune_malloc()
    is_glibc = platform.libc_ver()[0] == "glibc" and ctypes.util.find_library("c") is not None
    assert applied is is_glibc


def test_operator_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "262144")
    assert tune_malloc() is False
