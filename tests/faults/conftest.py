"""The fault suite's platform (one per module) and the table printed at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tncam_testkit.cameras import CameraSimulator
from tncam_testkit.rtsp_quirks import RtspQuirks
from tncam_testkit.services import REPO_ROOT

from .cases import TABLE
from .invariants import Observer
from .platform import Platform, start_platform, stop_platform

#: Simulated cameras under load during every case (all H.265).
CAMERAS = 4


@pytest.fixture(scope="module")
def fault_cameras(
    tmp_path_factory: pytest.TempPathFactory, camera_fleet: CameraSimulator
) -> Iterator[CameraSimulator]:
    """The module's own fleet (its clips are the session's), so that no other test's mounts
    are touched while ingest reconnects."""
    with CameraSimulator(
        tmp_path_factory.mktemp("fault-cameras"),
        cameras=CAMERAS,
        h264_cameras=(),
        clips=camera_fleet.clips,
    ) as sim:
        yield sim


@pytest.fixture(scope="module")
def quirks_front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RtspQuirks]:
    """The quirks front the last camera goes through (``clockjump``: its clock can be set)."""
    with RtspQuirks(tmp_path_factory.mktemp("quirks")) as front:
        yield front


class _Observed:
    observer: Observer | None = None


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory,
    fault_cameras: CameraSimulator,
    quirks_front: RtspQuirks,
) -> Iterator[Platform]:
    def observe(p: Platform) -> None:
        # Before the fleet is imported: it sees every event type from the first.
        _Observed.observer = Observer(p)
        _Observed.observer.start()

    try:
        urls = [fault_cameras.url(n) for n in range(1, CAMERAS + 1)]
        urls[-1] = quirks_front.url("clockjump", urls[-1])
        p = start_platform(tmp_path_factory.mktemp("faults"), fault_cameras, urls, observe)
    except BaseException:
        if _Observed.observer is not None:
            _Observed.observer.stop()
            _Observed.observer = None
        raise
    try:
        yield p
    finally:
        if _Observed.observer is not None:
            _Observed.observer.stop()
            _Observed.observer = None
        stop_platform(p)


@pytest.fixture(scope="module")
def observer(platform: Platform) -> Observer:
    """Every event of the platform's namespace since before the fleet was imported."""
    assert _Observed.observer is not None
    return _Observed.observer


def _table() -> str:
    head = (
        "case",
        "handed off",
        "lost",
        "duplicated",
        "dropped",
        "audit events",
        "recovery s",
        "crash restarts",
    )
    rows = [
        (
            r.case + (" (FAILED)" if r.problems else ""),
            str(r.handed),
            str(r.lost),
            str(r.duplicated),
            str(r.dropped),
            str(r.audit_events),
            f"{r.recovery_s:.1f}",
            str(r.crash_restarts),
        )
        for r in TABLE
    ]
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=True)]
    lines = [
        "  ".join(x.ljust(w) for x, w in zip(line, widths, strict=True)) for line in [head, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TABLE:
        return
    text = _table()
    terminalreporter.write_sep("=", "fault suite: lost, duplicated, recovery time per case")
    terminalreporter.write(text)
    out = Path(REPO_ROOT) / "var" / "faults.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    terminalreporter.write_line(f"(also written to {out})")
