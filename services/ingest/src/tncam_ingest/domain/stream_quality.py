"""A camera's quality result: picture flags over snapshots plus stream checks over stats windows.

Pure rules, fed by the camera runner (issue 14 item 3):

- ``low_fps``: the window's frame rate is below the camera's minimum (its configuration's
  ``min_fps``, else the worker's default).
- ``bitrate_collapse``: the window's bitrate fell below ``collapse_ratio`` of the session's own
  recent level (the median of its last healthy windows, once ``baseline_windows`` of them were
  seen). Collapsed windows do not move the level, so a lasting collapse stays flagged until the
  session ends; a new session learns its level again.
- ``codec_mismatch`` / ``resolution_mismatch``: the stream is not what the registry declares
  (``expected_codec``, ``expected_resolution``; an empty declaration is not checked).
- ``frozen``: the picture stayed the same over ``frozen_snapshots`` consecutive snapshots,
  counted across reconnects (a stuck encoder keeps its picture over a new session).
- ``black``, ``blurred``: the latest snapshot's own verdicts.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass

from tncam_ingest.domain.quality import Quality

#: Every flag, in the order results list them (the registry and the API use the same names).
FLAGS = (
    "black",
    "blurred",
    "frozen",
    "low_fps",
    "bitrate_collapse",
    "codec_mismatch",
    "resolution_mismatch",
)
PICTURE_FLAGS = frozenset(FLAGS[:3])
#: Healthy windows the bitrate level is the median of.
_LEVEL_WINDOWS = 6


@dataclass(frozen=True, slots=True)
class StreamRules:
    """Thresholds of the stream checks."""

    default_min_fps: float = 5.0
    collapse_ratio: float = 0.25
    baseline_windows: int = 3
    frozen_snapshots: int = 3


@dataclass(frozen=True, slots=True)
class Window:
    """What one stats window measured."""

    fps: float
    bitrate_bps: int
    codec: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Declared:
    """What the registry declares for the camera (its ingest configuration)."""

    codec: str = ""
    resolution: str = ""
    min_fps: float = 0.0


@dataclass(frozen=True, slots=True)
class Result:
    """The camera's quality result now."""

    flags: tuple[str, ...]
    window: Window | None
    min_fps: float
    baseline_bitrate_bps: int
    frozen_snapshots: int
    last_good_at: float | None


def ordered(flags: set[str]) -> tuple[str, ...]:
    """``flags`` in the order of :data:`FLAGS`."""
    return tuple(f for f in FLAGS if f in flags)


def stream_flags(w: Window, declared: Declared, rules: StreamRules, level: float) -> set[str]:
    """The stream checks of one window against the declaration and the bitrate level (0: none)."""
    flags: set[str] = set()
    min_fps = declared.min_fps or rules.default_min_fps
    if w.fps < min_fps:
        flags.add("low_fps")
    if level > 0 and w.bitrate_bps < rules.collapse_ratio * level:
        flags.add("bitrate_collapse")
    if declared.codec and w.codec and w.codec.lower() != declared.codec.lower():
        flags.add("codec_mismatch")
    if declared.resolution and w.width and f"{w.width}x{w.height}" != declared.resolution:
        flags.add("resolution_mismatch")
    return flags


class QualityTracker:
    """One camera's quality state on this worker (lives as long as the camera runner)."""

    def __init__(self, rules: StreamRules) -> None:
        self.rules = rules
        self._levels: deque[int] = deque(maxlen=_LEVEL_WINDOWS)
        self._window: Window | None = None
        self._stream: set[str] = set()
        self._picture: set[str] = set()
        self._unchanged = 0
        self._last_good_at: float | None = None

    def new_session(self) -> None:
        """A new RTSP session: the bitrate level is learnt again, stream flags wait for data."""
        self._levels.clear()
        self._stream = set()
        self._window = None

    def level(self) -> float:
        """The session's recent bitrate level, 0 until enough healthy windows were seen."""
        if len(self._levels) < self.rules.baseline_windows:
            return 0.0
        return float(statistics.median(self._levels))

    def on_window(self, w: Window, declared: Declared) -> tuple[str, ...]:
        """A stats window: its stream flags (kept for the next result)."""
        flags = stream_flags(w, declared, self.rules, self.level())
        if "bitrate_collapse" not in flags and w.bitrate_bps > 0:
            self._levels.append(w.bitrate_bps)
        self._window, self._stream = w, flags
        return ordered(flags)

    def on_picture(self, q: Quality, taken_at: float) -> None:
        """A snapshot's verdicts: frozen counted over consecutive snapshots, last good picture."""
        self._unchanged = self._unchanged + 1 if q.frozen else 0
        picture = {f for f in ("black", "blurred") if getattr(q, f)}
        if self._unchanged + 1 >= self.rules.frozen_snapshots:
            picture.add("frozen")
        self._picture = picture
        if not picture:
            self._last_good_at = taken_at

    def result(self, declared: Declared) -> Result:
        """The result now: the latest picture verdicts and the latest window's stream flags."""
        return Result(
            flags=ordered(self._picture | self._stream),
            window=self._window,
            min_fps=declared.min_fps or self.rules.default_min_fps,
            baseline_bitrate_bps=int(self.level()),
            frozen_snapshots=self._unchanged + 1,
            last_good_at=self._last_good_at,
        )
