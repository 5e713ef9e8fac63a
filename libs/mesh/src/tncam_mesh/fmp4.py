"""ISO-BMFF (fragmented MP4) boxes shared by the services that write fMP4 without a muxer:
ingest's CMAF segments (a fragment per GOP) and the live edge's MSE fragments (one per
access unit). Pure byte work, no codec knowledge."""

from __future__ import annotations

import struct
from collections.abc import Sequence

# trun: data offset and, per sample, duration, size and flags (sync or not); with reordered
# pictures (B-frames) version 1 and a signed composition time offset per sample too.
TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200 | 0x000400
TRUN_CTS_V1 = (1 << 24) | TRUN_FLAGS | 0x000800
TFHD_FLAGS = 0x020000  # default-base-is-moof: offsets count from the moof
SYNC = 0x02000000  # sample_depends_on = 2: depends on no other sample
NON_SYNC = 0x01010000  # depends on others, non-sync


def find_box(data: bytes, *path: bytes) -> bytes | None:
    """The payload of the first box at ``path`` (e.g. ``b"moov", b"trak", b"tkhd"``)."""
    pos, end = 0, len(data)
    for i, kind in enumerate(path):
        while pos + 8 <= end:
            size, found = struct.unpack_from(">I4s", data, pos)
            if size < 8 or pos + size > end:
                return None
            if found == kind:
                if i == len(path) - 1:
                    return data[pos + 8 : pos + size]
                pos, end = pos + 8, pos + size
                break
            pos += size
        else:
            return None
    return None


def track_of(init: bytes) -> tuple[int, int]:
    """(track ID, media timescale) of the single track of an init segment."""
    tkhd = find_box(init, b"moov", b"trak", b"tkhd")
    mdhd = find_box(init, b"moov", b"trak", b"mdia", b"mdhd")
    if tkhd is None or mdhd is None:
        raise ValueError("the init segment has no track header or media header")
    track_id = struct.unpack_from(">I", tkhd, 20 if tkhd[0] == 1 else 12)[0]
    timescale = struct.unpack_from(">I", mdhd, 20 if mdhd[0] == 1 else 12)[0]
    return int(track_id), int(timescale)


def fragment_head(
    sequence: int,
    track_id: int,
    base_time: int,
    samples: Sequence[tuple[int, int, bool]],
    offsets: Sequence[int] | None = None,
) -> bytes:
    """``moof`` + the ``mdat`` header of one fragment: ``samples`` are (duration, size, sync)
    in media timescale units, their bytes to follow the returned head in that order.
    ``offsets``: each sample's signed composition time offset (presentation minus decode time)
    when pictures are reordered (B-frames): ``trun`` version 1 with that column (ADR 0024)."""
    count = len(samples)
    if offsets is not None and len(offsets) != count:
        raise ValueError("one composition offset per sample")
    table: list[int] = []
    size = 0
    for i, (duration, length, sync) in enumerate(samples):
        table += (max(duration, 1), length, SYNC if sync else NON_SYNC)
        if offsets is not None:
            table.append(offsets[i] & 0xFFFFFFFF)
        size += length
    flags = TRUN_FLAGS if offsets is None else TRUN_CTS_V1
    trun_size = 8 + 12 + 4 * len(table)
    moof_size = 8 + 16 + 8 + 16 + 20 + trun_size
    return b"".join(
        (
            struct.pack(">I4s", moof_size, b"moof"),
            struct.pack(">I4sII", 16, b"mfhd", 0, sequence & 0xFFFFFFFF),
            struct.pack(">I4s", moof_size - 24, b"traf"),
            struct.pack(">I4sII", 16, b"tfhd", TFHD_FLAGS, track_id),
            struct.pack(">I4sIQ", 20, b"tfdt", 1 << 24, base_time),
            struct.pack(">I4sIIi", trun_size, b"trun", flags, count, moof_size + 8),
            struct.pack(f">{len(table)}I", *table),
            struct.pack(">I4s", 8 + size, b"mdat"),
        )
    )
