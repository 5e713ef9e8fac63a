"""Pure recorder logic: keys, retention classes, timelines, playlists, lifecycle rules."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tncam_recorder.domain.keys import (
    init_key,
    retention_class_for,
    segment_id,
    segment_key,
)
from tncam_recorder.domain.playlist import PlaylistItem, UrlTemplates, render
from tncam_recorder.domain.retention import PURGE_RULE_ID, expiry_cutoff, lifecycle_rules
from tncam_recorder.domain.timeline import Span, build_timeline, clip_window, day_window

T0 = dt.datetime(2026, 3, 1, 8, 0, 0, 123000, tzinfo=dt.UTC)
S = dt.timedelta(seconds=1)
CLASSES = {"d30": 30, "d90": 90, "d180": 180}
# The namespace of the former, public segment id rule (uuid5 of the idempotency key).
FORMER_SEGMENT_NS = uuid.UUID("5b0f7a3e-6c1d-4f43-9a56-2f1f5c0d7a10")


def test_object_keys_follow_the_layout() -> None:
    assert segment_key("cam-001", T0) == "cameras/cam-001/2026/03/01/08/20260301T080000.123Z.m4s"
    local = T0.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert segment_key("cam-001", local) == segment_key("cam-001", T0)
    assert init_key("cam-001", "a" * 64) == f"cameras/cam-001/init/{'a' * 64}.mp4"
    with pytest.raises(ValueError, match="camera_id"):
        segment_key("../etc", T0)
    with pytest.raises(ValueError, match="64 lower-case hex"):
        init_key("cam-001", "not-a-hash")
    k1, k2 = b"1" * 32, b"2" * 32
    assert segment_id("cam-001:x", k1) == segment_id("cam-001:x", k1) != segment_id("cam-001:y", k1)
    # Keyed: another deployment (or anyone without the key) cannot compute the id.
    assert segment_id("cam-001:x", k1) != segment_id("cam-001:x", k2)
    assert segment_id("cam-001:x", k1) != uuid.uuid5(FORMER_SEGMENT_NS, "cam-001:x")
    with pytest.raises(ValueError, match="32 bytes"):
        segment_id("cam-001:x", b"short")


@pytest.mark.parametrize(
    ("days", "expected"), [(0, "d30"), (30, "d30"), (31, "d90"), (90, "d90"), (400, "d180")]
)
def test_retention_class_is_the_smallest_that_covers(days: int, expected: str) -> None:
    assert retention_class_for(days, CLASSES, "d30") == expected


def test_lifecycle_rules_per_class_and_purge() -> None:
    rules = {r.rule_id: r for r in lifecycle_rules(CLASSES)}
    assert rules["retention-d90"].expiration_days == 90
    assert rules["retention-d90"].tag == ("tncam-retention", "d90")
    purge = rules[PURGE_RULE_ID]
    assert purge.tag is None
    assert purge.noncurrent_days == 1
    assert purge.expired_delete_marker
    now = T0
    assert expiry_cutoff("d30", CLASSES, now) == now - dt.timedelta(days=30)
    # A class removed from the settings keeps the longest retention, never a shorter one.
    assert expiry_cutoff("gone", CLASSES, now) == now - dt.timedelta(days=180)


def test_timeline_merges_and_reports_gaps() -> None:
    segs = [(T0 + i * S, T0 + (i + 1) * S) for i in (0, 1, 2, 6, 7)]
    segs.append((T0 + 3 * S + dt.timedelta(milliseconds=300), T0 + 4 * S))  # 0.3 s hole: no gap
    tl = build_timeline(segs, Span(T0 - 5 * S, T0 + 10 * S), tolerance=dt.timedelta(seconds=1))
    assert [(r.start, r.end, r.segments) for r in tl.recorded] == [
        (T0, T0 + 4 * S, 4),
        (T0 + 6 * S, T0 + 8 * S, 2),
    ]
    assert [(g.start, g.end) for g in tl.gaps] == [
        (T0 - 5 * S, T0),
        (T0 + 4 * S, T0 + 6 * S),
        (T0 + 8 * S, T0 + 10 * S),
    ]
    assert tl.recorded_seconds == pytest.approx(6.0)
    assert tl.coverage == pytest.approx(6.0 / 15.0)
    empty = build_timeline([], Span(T0, T0 + S), tolerance=S / 2)
    assert [(g.start, g.end) for g in empty.gaps] == [(T0, T0 + S)]


def test_windows_never_reach_the_future_and_days_are_local() -> None:
    assert clip_window(T0, T0 + 10 * S, T0 + 3 * S) == Span(T0, T0 + 3 * S)
    assert clip_window(T0, T0 + S, T0 - S) == Span(T0, T0)
    day = day_window(dt.date(2026, 3, 1), 7)
    assert day.start == dt.datetime(2026, 2, 28, 17, tzinfo=dt.UTC)
    assert day.seconds == 86400


def test_vod_playlist_points_to_the_gateway_with_map_and_discontinuities() -> None:
    urls = UrlTemplates(
        "https://gw/api/v1/recordings/segments/{segment_id}",
        "https://gw/api/v1/recordings/cameras/{camera_id}/init/{init_sha256}",
    )
    items = [
        PlaylistItem("s1", "cam", T0, T0 + 6 * S, "a" * 64),
        PlaylistItem("s2", "cam", T0 + 6 * S, T0 + 12 * S, "a" * 64),
        PlaylistItem("s3", "cam", T0 + 20 * S, T0 + 26 * S, "a" * 64),  # hole
        PlaylistItem("s4", "cam", T0 + 26 * S, T0 + 32 * S, "b" * 64),  # new init
    ]
    text = render(items, urls, vod=True)
    lines = text.splitlines()
    assert lines[:5] == [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-TARGETDURATION:6",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in lines
    assert lines[-1] == "#EXT-X-ENDLIST"
    assert lines.count("#EXT-X-DISCONTINUITY") == 2
    assert [ln for ln in lines if ln.startswith("#EXT-X-MAP")] == [
        f'#EXT-X-MAP:URI="https://gw/api/v1/recordings/cameras/cam/init/{"a" * 64}"',
        f'#EXT-X-MAP:URI="https://gw/api/v1/recordings/cameras/cam/init/{"b" * 64}"',
    ]
    assert "https://gw/api/v1/recordings/segments/s3" in lines
    assert "#EXT-X-PROGRAM-DATE-TIME:2026-03-01T08:00:20.123Z" in lines
    live = render(items[:2], urls, vod=False, media_sequence=41)
    assert "#EXT-X-MEDIA-SEQUENCE:41" in live
    assert "#EXT-X-ENDLIST" not in live
