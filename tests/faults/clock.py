"""A camera whose clock jumps +1 h and back (NTP stepped): what must hold for its recording.

The last camera of the platform goes through the test kit's quirks front (``clockjump``);
``jump_and_back`` steps its clock +1 h (its RTCP sender reports' NTP time and its RTP
timestamps alike), waits for segments handed off on that clock, steps it back and waits
again. ``check`` then asks, on top of every invariant of the case it ran in: no segment of
that camera handed off or stored an hour away from when it was recorded, its segments in the
window neither apart (a gap) nor over one another (an overlap), both steps counted in ingest's
log. Nothing here needs the others' faults: it can run inside another case's window.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass

from tncam_testkit.rtsp_quirks import RtspQuirks

from . import invariants as inv
from .cases import TABLE, Row, now
from .platform import Platform, wait_until

#: How far the camera's clock jumps.
JUMP_S = 3600
#: Segments of the camera handed off at each clock before the next step.
HOLD_SEGMENTS = 3
#: A segment handed off this long after its start at most (2 s segments, a loaded machine).
LATE_S = 15.0


@dataclass
class ClockJump:
    camera_id: str
    began: dt.datetime
    began_mono: float
    back_mono: float  # stepped back at
    ended: dt.datetime
    ended_mono: float


def _handed_since(observer: inv.Observer, camera: str, mono: float) -> int:
    with observer._lock:
        return sum(
            1 for h in observer.handed.values() if h.camera_id == camera and h.seen_at > mono
        )


def jump_and_back(platform: Platform, observer: inv.Observer, front: RtspQuirks) -> ClockJump:
    camera = platform.camera_ids[-1]
    began, began_mono = now(), time.monotonic()
    back_mono = began_mono
    for offset in (JUMP_S, 0):
        at = time.monotonic()
        back_mono = at
        front.set_clock(offset, rtp=True)
        wait_until(
            f"clock {offset:+d} s: segments of {camera} handed off",
            lambda at=at: max(0, HOLD_SEGMENTS - _handed_since(observer, camera, at)),
            timeout=60,
        )
    return ClockJump(camera, began, began_mono, back_mono, now(), time.monotonic())


def check(platform: Platform, observer: inv.Observer, jump: ClockJump, case: str) -> None:
    """The clock case's own checks (the case it ran in checked every invariant); its row."""
    problems: list[str] = []
    wall_now, mono_now = now(), time.monotonic()
    with observer._lock:
        handed = {
            k: h
            for k, h in observer.handed.items()
            if h.camera_id == jump.camera_id and jump.began_mono < h.seen_at <= jump.ended_mono
        }
    # Handed off (seen on the bus) within LATE_S after its start, never an hour away.
    for key, h in handed.items():
        seen = wall_now - dt.timedelta(seconds=mono_now - h.seen_at)
        if not dt.timedelta(0) <= seen - h.start <= dt.timedelta(seconds=LATE_S):
            problems.append(f"{key} starts {h.start}, handed off at {seen}")
    rows = [r for r in inv.stored_rows(platform) if r["camera_id"] == jump.camera_id]
    ahead = [r["idempotency_key"] for r in rows if r["start_at"] > wall_now]
    if ahead:
        problems.append(f"segments stored in the future: {ahead[:5]}")
    window = [r for r in rows if jump.began <= r["start_at"] <= jump.ended]
    for a, b in itertools.pairwise(window):
        apart = (b["start_at"] - a["end_at"]).total_seconds()
        if apart < 0 or apart > inv.GAP_TOLERANCE_S:
            problems.append(f"{a['end_at']} -> {b['start_at']}: {apart:+.3f} s between segments")
    stored = {r["idempotency_key"] for r in rows}
    keys = [r["idempotency_key"] for r in rows]
    lost = len([k for k in handed if k not in stored])
    duplicated = len(keys) - len(set(keys))
    # Whichever ingest worker pulls the camera logs the steps.
    logs = sorted((platform.workdir / "logs").glob("ingest-*/ingest.log"))
    log = "".join(p.read_text(errors="replace") for p in logs)
    said = f"camera {jump.camera_id}: its clock is"
    steps = [line for line in log.splitlines() if said in line]
    if not any("not believed" in s for s in steps) or not any("believed again" in s for s in steps):
        problems.append(f"the clock's steps not logged by ingest: {steps}")
    back = [h.seen_at - jump.back_mono for h in handed.values() if h.seen_at > jump.back_mono]
    TABLE.append(
        Row(
            f"camera clock +1 h, then back ({case})",
            len(handed),
            lost,
            duplicated,
            0,
            0,
            round(min(back, default=-1.0), 1),
            problems=problems,
        )
    )
    if lost or duplicated:
        problems.append(f"{lost} segments lost, {duplicated} stored twice")
    assert not problems, problems
