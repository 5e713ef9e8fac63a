"""Real fMP4 media for the tests (a copy of the recorder's helper: services never import each
other): an init segment plus one fragment per GOP, cut from an elementary stream."""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from pathlib import Path

import av


def _boxes(data: bytes) -> list[tuple[str, int, int]]:
    boxes: list[tuple[str, int, int]] = []
    pos = 0
    while pos < len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        boxes.append((kind.decode("latin-1"), pos, size))
        pos += size
    return boxes


def fragment(raw: Path, *, codec: str = "hevc", fps: int = 10) -> tuple[bytes, list[bytes]]:
    """(init, fragments) of a raw H.265/H.264 stream remuxed into fMP4, one fragment per GOP."""
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
    data = out.getvalue()
    init_end, current, fragments = 0, None, []
    for kind, offset, size in _boxes(data):
        if kind in ("ftyp", "moov"):
            init_end = offset + size
        elif kind in ("styp", "moof", "sidx") and current is None:
            current = offset
        elif kind == "mdat" and current is not None:
            fragments.append(data[current : offset + size])
            current = None
    return data[:init_end], fragments
