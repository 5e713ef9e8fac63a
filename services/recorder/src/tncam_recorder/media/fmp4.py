"""Fragmented MP4 (CMAF) helpers: box walking, and cutting an elementary stream into an init
segment plus one fragment per GOP (used by the benchmark and the tests to make real media)."""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from pathlib import Path

import av


def top_level_boxes(data: bytes) -> list[tuple[str, int, int]]:
    """(type, offset, size) of every top-level ISO-BMFF box; raises ValueError if malformed."""
    boxes: list[tuple[str, int, int]] = []
    pos = 0
    while pos < len(data):
        if len(data) - pos < 8:
            raise ValueError(f"truncated box header at {pos}")
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        if size < 8 or pos + size > len(data):
            raise ValueError(f"bad box size {size} at {pos}")
        boxes.append((kind.decode("latin-1"), pos, size))
        pos += size
    return boxes


def split_fragmented(data: bytes) -> tuple[bytes, list[bytes]]:
    """Split a fragmented MP4 into its init segment (ftyp+moov) and its moof+mdat fragments."""
    boxes = top_level_boxes(data)
    init_end = 0
    fragments: list[bytes] = []
    current: int | None = None
    for kind, offset, size in boxes:
        if kind in ("ftyp", "moov"):
            init_end = offset + size
        elif kind in ("styp", "moof", "sidx") and current is None:
            current = offset
        elif kind == "mdat" and current is not None:
            fragments.append(data[current : offset + size])
            current = None
    return data[:init_end], fragments


def fragment_elementary(
    raw: Path, *, codec: str = "hevc", fps: int = 10, frames_per_fragment: int = 10
) -> tuple[bytes, list[bytes]]:
    """Remux a raw H.265/H.264 stream into fMP4: (init, fragments), one fragment per GOP."""
    out = io.BytesIO()
    tb = Fraction(1, fps * 1000)
    with av.open(str(raw), format=codec) as src:
        stream = src.streams.video[0]
        with av.open(
            out,
            "w",
            format="mp4",
            options={"movflags": "frag_keyframe+empty_moov+default_base_moof"},
        ) as dst:
            ostream = dst.add_stream_from_template(stream)
            ostream.time_base = tb
            n = 0
            for packet in src.demux(stream):
                if packet.size == 0:
                    continue
                packet.stream = ostream
                packet.time_base = tb
                packet.pts = packet.dts = n * 1000
                packet.duration = 1000
                n += 1
                dst.mux(packet)
    return split_fragmented(out.getvalue())
