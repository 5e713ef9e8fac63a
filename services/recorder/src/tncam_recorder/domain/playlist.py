"""HLS playlists (fMP4, ``EXT-X-MAP``) whose URLs point to the gateway (pure)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

HLS_VERSION = 7  # EXT-X-MAP in media playlists without I-frames only needs 6; 7 for fMP4.


@dataclass(frozen=True, slots=True)
class PlaylistItem:
    """One media segment of a playlist."""

    segment_id: str
    camera_id: str
    start: dt.datetime
    end: dt.datetime
    init_sha256: str

    @property
    def duration(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())


@dataclass(frozen=True, slots=True)
class UrlTemplates:
    """Where the gateway serves segments and init segments."""

    segment: str
    init: str

    def segment_url(self, item: PlaylistItem) -> str:
        return self.segment.format(segment_id=item.segment_id, camera_id=item.camera_id)

    def init_url(self, item: PlaylistItem) -> str:
        return self.init.format(camera_id=item.camera_id, init_sha256=item.init_sha256)


def _pdt(t: dt.datetime) -> str:
    t = t.astimezone(dt.UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{t.microsecond // 1000:03d}Z"


def render(
    items: Sequence[PlaylistItem],
    urls: UrlTemplates,
    *,
    vod: bool,
    media_sequence: int = 0,
    tolerance: dt.timedelta = dt.timedelta(seconds=1.5),
) -> str:
    """A media playlist; a hole between segments or a new init segment is a discontinuity."""
    target = max((math.ceil(i.duration) for i in items), default=1) or 1
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{HLS_VERSION}",
        f"#EXT-X-TARGETDURATION:{target}",
        f"#EXT-X-MEDIA-SEQUENCE:{media_sequence}",
        "#EXT-X-INDEPENDENT-SEGMENTS",
    ]
    if vod:
        lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    prev: PlaylistItem | None = None
    for item in items:
        new_init = prev is None or item.init_sha256 != prev.init_sha256
        if prev is not None and (new_init or abs(item.start - prev.end) > tolerance):
            lines.append("#EXT-X-DISCONTINUITY")
        if new_init:
            lines.append(f'#EXT-X-MAP:URI="{urls.init_url(item)}"')
        if prev is None or item.start != prev.end:
            lines.append(f"#EXT-X-PROGRAM-DATE-TIME:{_pdt(item.start)}")
        lines.append(f"#EXTINF:{item.duration:.3f},")
        lines.append(urls.segment_url(item))
        prev = item
    if vod:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
