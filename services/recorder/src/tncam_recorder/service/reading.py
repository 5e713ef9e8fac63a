"""Reading the index: segments, timelines, gap reports, HLS playlists of a camera."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import NotFoundError
from tncam_recorder.db import segments as segment_db
from tncam_recorder.db.rows import SegmentRow
from tncam_recorder.domain.playlist import PlaylistItem, UrlTemplates, render
from tncam_recorder.domain.timeline import Span, Timeline, build_timeline, clip_window, day_window
from tncam_recorder.service.context import Recorder

_MAX_LIVE_SEGMENTS = 100


async def list_segments(
    rec: Recorder, camera_id: str, start: dt.datetime, end: dt.datetime, limit: int
) -> tuple[list[SegmentRow], bool]:
    """The camera's segments overlapping [start, end), at most ``limit`` (capped by the
    settings); and whether there were more."""
    limit = min(limit or rec.settings.list_limit, rec.settings.list_limit)
    async with unit_of_work(rec.sessions) as s:
        rows = await segment_db.segments_in_range(s, camera_id, start, end, limit=limit + 1)
    return rows[:limit], len(rows) > limit


async def _timeline(rec: Recorder, camera_id: str, window: Span) -> Timeline:
    async with unit_of_work(rec.sessions) as s:
        spans = await segment_db.spans_in_range(s, camera_id, window.start, window.end)
    tolerance = dt.timedelta(seconds=rec.settings.gap_tolerance_s)
    return build_timeline(spans, window, tolerance=tolerance)


async def timeline(rec: Recorder, camera_id: str, start: dt.datetime, end: dt.datetime) -> Timeline:
    """Recorded ranges and gaps of a camera in [start, end), clipped to now."""
    return await _timeline(rec, camera_id, clip_window(start, end, rec.clock()))


async def gap_report(
    rec: Recorder, date: dt.date, camera_ids: Sequence[str]
) -> tuple[Span, list[Timeline]]:
    """The report day's window (clipped to now) and each camera's timeline in it."""
    day = day_window(date, rec.settings.report_utc_offset_hours)
    window = clip_window(day.start, day.end, rec.clock())
    return window, [await _timeline(rec, cam, window) for cam in camera_ids]


def _items(rows: Sequence[SegmentRow]) -> list[PlaylistItem]:
    return [
        PlaylistItem(str(r.segment_id), r.camera_id, r.start_at, r.end_at, r.init_sha256)
        for r in rows
    ]


def _urls(rec: Recorder) -> UrlTemplates:
    return UrlTemplates(rec.settings.segment_url_template, rec.settings.init_url_template)


async def playlist(
    rec: Recorder, camera_id: str, start: dt.datetime, end: dt.datetime
) -> tuple[str, list[SegmentRow]]:
    """The VOD playlist of a camera's range and the segments in it."""
    async with unit_of_work(rec.sessions) as s:
        rows = await segment_db.segments_in_range(
            s, camera_id, start, end, limit=rec.settings.list_limit
        )
    if not rows:
        raise NotFoundError("recording.playlist.empty", f"no recording of {camera_id} in the range")
    tolerance = dt.timedelta(seconds=rec.settings.gap_tolerance_s)
    return render(_items(rows), _urls(rec), vod=True, tolerance=tolerance), rows


async def live_playlist(rec: Recorder, camera_id: str, count: int) -> tuple[str, list[SegmentRow]]:
    """The live playlist of a camera's newest ``count`` segments (capped) and those segments."""
    count = min(count or rec.settings.live_playlist_segments, _MAX_LIVE_SEGMENTS)
    async with unit_of_work(rec.sessions) as s:
        rows = await segment_db.newest_segments(s, camera_id, count)
    if not rows:
        raise NotFoundError("recording.playlist.empty", f"no recording of {camera_id}")
    text = render(
        _items(rows),
        _urls(rec),
        vod=False,
        media_sequence=rows[0].live_seq,
        tolerance=dt.timedelta(seconds=rec.settings.gap_tolerance_s),
    )
    return text, rows
