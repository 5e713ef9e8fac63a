"""Timelines and gaps from the segment index (pure, clock passed in)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open time range [start, end)."""

    start: dt.datetime
    end: dt.datetime

    @property
    def seconds(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())


@dataclass(frozen=True, slots=True)
class Recorded:
    """A stretch of continuous recording."""

    start: dt.datetime
    end: dt.datetime
    segments: int


@dataclass(frozen=True, slots=True)
class Timeline:
    """Recorded stretches and gaps of one camera inside ``window``."""

    window: Span
    recorded: tuple[Recorded, ...]
    gaps: tuple[Span, ...]

    @property
    def recorded_seconds(self) -> float:
        return sum((r.end - r.start).total_seconds() for r in self.recorded)

    @property
    def gap_seconds(self) -> float:
        return sum(g.seconds for g in self.gaps)

    @property
    def coverage(self) -> float:
        total = self.window.seconds
        return 0.0 if total <= 0 else min(1.0, self.recorded_seconds / total)


def clip_window(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> Span:
    """[start, min(end, now)): a range never reaches into the future."""
    return Span(start, max(start, min(end, now)))


def build_timeline(
    segments: Iterable[tuple[dt.datetime, dt.datetime]],
    window: Span,
    *,
    tolerance: dt.timedelta,
) -> Timeline:
    """Merge segments into stretches (holes up to ``tolerance`` are no gap) and list the gaps.

    Segments are clipped to the window; overlapping segments (a redelivered cut, two sessions)
    merge. A gap shorter than ``tolerance`` at either window edge is not reported either.
    """
    clipped = sorted(
        (max(s, window.start), min(e, window.end))
        for s, e in segments
        if e > window.start and s < window.end
    )
    recorded: list[Recorded] = []
    cur_start: dt.datetime | None = None
    cur_end: dt.datetime | None = None
    count = 0
    for s, e in clipped:
        if cur_start is None or cur_end is None:
            cur_start, cur_end, count = s, e, 1
        elif s - cur_end <= tolerance:
            cur_end = max(cur_end, e)
            count += 1
        else:
            recorded.append(Recorded(cur_start, cur_end, count))
            cur_start, cur_end, count = s, e, 1
    if cur_start is not None and cur_end is not None:
        recorded.append(Recorded(cur_start, cur_end, count))

    gaps: list[Span] = []
    cursor = window.start
    for r in recorded:
        if r.start - cursor > tolerance:
            gaps.append(Span(cursor, r.start))
        cursor = max(cursor, r.end)
    if window.end - cursor > tolerance:
        gaps.append(Span(cursor, window.end))
    return Timeline(window, tuple(recorded), tuple(gaps))


def day_window(date: dt.date, utc_offset_hours: int) -> Span:
    """The calendar ``date`` in the province's time zone, as a UTC span."""
    tz = dt.timezone(dt.timedelta(hours=utc_offset_hours))
    start = dt.datetime.combine(date, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    return Span(start, start + dt.timedelta(days=1))
