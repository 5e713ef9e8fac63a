"""Remux recorded fMP4 segments into one MP4 (no re-encoding), on the wall-clock time line."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av


@dataclass(frozen=True)
class Part:
    """One recorded segment: its init segment, its fragment, its start from the export start."""

    init: Path
    media: Path
    offset_s: float


class RemuxError(ValueError):
    """The segments cannot be put into one MP4."""


def remux(parts: Sequence[Part], out: Path) -> int:
    """Write ``parts`` into ``out`` as one MP4 (moov at the front); returns packets written.

    Each segment's timestamps are moved to its wall-clock offset from the export start, so a
    gap in the recording stays a gap in the file and sessions with restarted clocks line up.
    """
    if not parts:
        raise RemuxError("nothing to remux")
    written = 0
    with av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as dst:
        ostream = None
        last_dts: int | None = None
        for part in parts:
            data = part.init.read_bytes() + part.media.read_bytes()
            with av.open(io.BytesIO(data), mode="r", format="mp4") as src:
                if not src.streams.video:
                    raise RemuxError(f"{part.media.name}: no video stream")
                stream = src.streams.video[0]
                if ostream is None:
                    ostream = dst.add_stream_from_template(stream)
                    ostream.time_base = stream.time_base
                tb = stream.time_base
                if tb is None:
                    raise RemuxError(f"{part.media.name}: no time base")
                offset = int(Fraction(part.offset_s).limit_denominator(1000) / tb)
                first: int | None = None
                for packet in src.demux(stream):
                    if packet.size == 0 or packet.dts is None:
                        continue
                    if first is None:
                        first = packet.dts
                    pts = packet.pts if packet.pts is not None else packet.dts
                    dts = packet.dts - first + offset
                    if last_dts is not None and dts <= last_dts:
                        shift = last_dts + 1 - dts
                        dts += shift
                        pts += shift
                    packet.stream = ostream
                    packet.time_base = tb
                    packet.dts = dts
                    packet.pts = pts - first + offset
                    last_dts = dts
                    dst.mux(packet)
                    written += 1
    return written


def probe(path: Path) -> tuple[int, float]:
    """(decodable video frames, duration in seconds) of a media file: a sanity check."""
    frames = 0
    with av.open(str(path), mode="r") as src:
        stream = src.streams.video[0]
        for _ in src.decode(stream):
            frames += 1
        tb = stream.time_base
        duration = float(stream.duration * tb) if stream.duration and tb else 0.0
    return frames, duration
