"""Real JPEG stills for tests, made and read back with PyAV (FFmpeg's mjpeg codec, as ingest)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av


def make_jpeg(width: int, height: int) -> bytes:
    """A baseline JPEG of ``width`` x ``height`` (even sizes): gradients, so not a flat image."""
    rgba = bytearray(width * height * 4)
    for y in range(height):
        for x in range(width):
            i = (y * width + x) * 4
            rgba[i : i + 4] = (x * 255 // max(width - 1, 1), y * 255 // max(height - 1, 1), 96, 255)
    frame = av.VideoFrame.from_bytes(bytes(rgba), width, height, format="rgba")
    enc: Any = av.CodecContext.create("mjpeg", "w")
    enc.width, enc.height, enc.pix_fmt = width, height, "yuvj420p"
    enc.time_base = Fraction(1, 25)
    packets = [*enc.encode(frame.reformat(format="yuvj420p")), *enc.encode(None)]
    return b"".join(bytes(p) for p in packets)


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) of the picture ``data`` decodes to; ValueError if it is no JPEG."""
    if not (data.startswith(b"\xff\xd8") and data.endswith(b"\xff\xd9")):
        raise ValueError("no JPEG SOI/EOI markers")
    dec: Any = av.CodecContext.create("mjpeg", "r")
    frames = [*dec.decode(av.Packet(data)), *dec.decode(None)]
    if not frames:
        raise ValueError("no picture decoded")
    return int(frames[0].width), int(frames[0].height)
