"""Picture order counts read from real encoders' streams (libx265, libx264 through PyAV): the
order they give is the order the encoder presents its pictures in."""

from __future__ import annotations

import io
import struct

import av
import numpy as np
import pytest

from tncam_ingest.media.picture_order import PictureOrder, presentation_times


def encode(codec: str, bframes: int, frames: int = 40, gop: int = 12) -> list[tuple[bytes, int]]:
    """(MP4 sample, presentation index) of each access unit, in decode order."""
    out = av.open(io.BytesIO(), "w", format="hevc" if codec == "libx265" else "h264")
    if codec == "libx265":
        opts = {"x265-params": f"keyint={gop}:min-keyint={gop}:bframes={bframes}:log-level=error"}
    else:
        opts = {"bf": str(bframes), "g": str(gop), "x264-params": "scenecut=0:log-level=error"}
    stream = out.add_stream(codec, rate=25, options=opts)
    stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
    aus: list[tuple[bytes, int]] = []
    for i in range(frames + 1):
        frame = None
        if i < frames:
            img = np.full((64, 64, 3), (i * 37) % 255, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
        aus += [(sample(bytes(p)), int(p.pts)) for p in stream.encode(frame)]
    out.close()
    return aus


def sample(annexb: bytes) -> bytes:
    """Annex-B -> each NAL unit behind its 4-byte length (how the depacketizer stores it)."""
    parts = annexb.replace(b"\x00\x00\x00\x01", b"\x00\x00\x01").split(b"\x00\x00\x01")
    return b"".join(struct.pack(">I", len(p)) + p for p in (p.rstrip(b"\x00") for p in parts) if p)


def keys_of(aus: list[tuple[bytes, int]], hevc: bool) -> tuple[PictureOrder, list[object]]:
    order = PictureOrder(hevc)
    keys: list[object] = []
    for data, _ in aus:
        order.parameter_sets(data)
        keys.append(order.key(data) if order.may_reorder else None)
    return order, keys


@pytest.mark.parametrize("codec", ["libx265", "libx264"])
def test_picture_order_counts_give_the_encoders_presentation_order(codec: str) -> None:
    aus = encode(codec, bframes=3)
    shown = [p for _, p in aus]
    assert shown != sorted(shown)  # the stream reorders: the test means something
    order, keys = keys_of(aus, codec == "libx265")
    assert order.may_reorder
    assert None not in keys
    assert sorted(range(len(aus)), key=keys.__getitem__) == sorted(
        range(len(aus)), key=shown.__getitem__
    )


@pytest.mark.parametrize("codec", ["libx265", "libx264"])
def test_a_stream_without_b_frames_is_known_not_to_reorder(codec: str) -> None:
    aus = encode(codec, bframes=0, frames=10)
    order, keys = keys_of(aus, codec == "libx265")
    assert not order.may_reorder
    assert keys == [None] * len(aus)


def test_presentation_times_follow_the_picture_order() -> None:
    # Decode order I0 P4 B2 B1 B3 (POC 0 4 2 1 3); the clock stepped +57 ms (~1.4 pictures
    # of 40 ms) from B2 on: B3 (120 + 57) would be shown after P4 (160).
    ms = [0, 160, 80 + 57, 40 + 57, 120 + 57]
    keys = [(1, 0), (1, 4), (1, 2), (1, 1), (1, 3)]
    assert presentation_times(ms, keys) == [0, 177, 137, 97, 160]
    # Times that agree with the order are kept as they are.
    assert presentation_times([0, 160, 80, 40, 120], keys) == [0, 160, 80, 40, 120]
    # No reordering: shown in decode order; equal times are pulled one tick apart.
    assert presentation_times([0, 40, 97, 80, 160], None) == [0, 40, 80, 97, 160]
    assert presentation_times([0, 40, 40], None) == [0, 40, 41]
