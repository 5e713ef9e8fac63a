"""Decode one keyframe (in a worker thread): luma for the quality checks and a JPEG."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
import numpy as np

from tncam_ingest.domain.quality import CHECK_WIDTH, Luma
from tncam_ingest.media.stream import SnapshotPacket


@dataclass(frozen=True, slots=True)
class DecodedSnapshot:
    """The decoded picture: checks-size luma, JPEG bytes and the full size."""

    luma: Luma
    jpeg: bytes
    width: int
    height: int


class SnapshotDecodeError(Exception):
    """The keyframe did not decode."""


def decode_snapshot(pkt: SnapshotPacket, *, jpeg_quality: int = 4) -> DecodedSnapshot:
    """Decode ``pkt`` (blocking, CPU-bound: call in a thread)."""
    dec: Any = av.CodecContext.create(pkt.codec, "r")
    if pkt.extradata:
        dec.extradata = pkt.extradata
    dec.thread_count = 1
    try:
        frames = list(dec.decode(av.Packet(pkt.data)))
        frames += list(dec.decode(None))
    except av.FFmpegError as e:
        raise SnapshotDecodeError(f"keyframe did not decode: {e}") from e
    if not frames:
        raise SnapshotDecodeError("keyframe gave no picture")
    frame = frames[0]
    width, height = int(frame.width), int(frame.height)
    check_h = max(2, round(height * CHECK_WIDTH / max(width, 1) / 2) * 2)
    small = frame.reformat(width=CHECK_WIDTH, height=check_h, format="gray")
    luma = np.ascontiguousarray(small.to_ndarray(), dtype=np.uint8)
    enc: Any = av.CodecContext.create("mjpeg", "w")
    enc.width = width
    enc.height = height
    enc.pix_fmt = "yuvj420p"
    enc.time_base = Fraction(1, 25)
    # Fixed quantiser (like ffmpeg -q:v): 2 best .. 31 worst.
    enc.qmin = jpeg_quality
    enc.qmax = jpeg_quality
    packets = list(enc.encode(frame.reformat(format="yuvj420p")))
    packets += list(enc.encode(None))
    jpeg = b"".join(bytes(p) for p in packets)
    return DecodedSnapshot(luma=luma, jpeg=jpeg, width=width, height=height)
