"""The ``SegmentClosed`` message of a finished segment: its fields, and the media field's header
so the samples can follow the metadata as raw wire bytes without being copied."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import segment_idempotency_key


def measure(media: Iterable[bytes | memoryview]) -> tuple[int, str]:
    """Size and SHA-256 (hex) of a segment's media, chunk by chunk (nothing joined)."""
    size = 0
    digest = hashlib.sha256()
    for chunk in media:
        size += len(chunk)
        digest.update(chunk)
    return size, digest.hexdigest()


def segment_closed(
    camera_id: str,
    start_ms: int,
    duration_s: float,
    *,
    session_id: str,
    worker_id: str,
    sequence: int,
    drift_ms: int,
    init: bytes,
    init_sha256: str,
    size: int,
    sha256: str,
    codec: str,
    codec_string: str,
    width: int,
    height: int,
    keyframe_at_start: bool,
    frames: int,
) -> segment_pb2.SegmentClosed:
    """The message's metadata (the media bytes are appended behind it, see ``seal``)."""
    start = datetime.fromtimestamp(start_ms // 1000, UTC).replace(
        microsecond=start_ms % 1000 * 1000
    )
    msg = segment_pb2.SegmentClosed(
        camera_id=camera_id,
        camera_clock_drift_ms=drift_ms,
        sequence=sequence,
        session_id=session_id,
        worker_id=worker_id,
        idempotency_key=segment_idempotency_key(camera_id, start),
        init_sha256=init_sha256,
        init_included=bool(init),
        init_segment=init,
        size_bytes=size,
        sha256=sha256,
        codec=codec,
        codec_string=codec_string,
        width=width,
        height=height,
        keyframe_at_start=keyframe_at_start,
        frames=frames,
    )
    msg.segment_start.FromDatetime(start)
    msg.segment_end.FromDatetime(start + timedelta(seconds=duration_s))
    msg.duration.FromTimedelta(timedelta(seconds=duration_s))
    return msg


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


_MEDIA_TAG = _varint((segment_pb2.SegmentClosed.MEDIA_BYTES_FIELD_NUMBER << 3) | 2)


def media_field_header(size: int) -> bytes:
    """Protobuf tag and length of ``SegmentClosed.media_bytes`` (length-delimited field)."""
    return _MEDIA_TAG + _varint(size)


def codec_string(codec: str, init: bytes) -> str:
    """RFC 6381 codec string from the init segment's decoder configuration record."""
    tag = b"avcC" if codec == "h264" else b"hvcC"
    at = init.find(tag)
    rec = init[at + 4 : at + 4 + 13] if at >= 0 else b""
    if codec == "h264" and len(rec) >= 4 and rec[0] == 1:
        return f"avc1.{rec[1]:02X}{rec[2]:02X}{rec[3]:02X}"
    if codec == "hevc" and len(rec) >= 13 and rec[0] == 1:
        b1 = rec[1]
        space = "ABC"[(b1 >> 6) - 1] if b1 >> 6 else ""
        tier = "H" if b1 & 0x20 else "L"
        profile = b1 & 0x1F
        compat = int.from_bytes(rec[2:6], "big")
        compat_rev = int(f"{compat:032b}"[::-1], 2)
        constraints = rec[6:12].rstrip(b"\x00")
        parts = [f"hvc1.{space}{profile}", f"{compat_rev:X}", f"{tier}{rec[12]}"]
        parts += [f"{b:X}" for b in constraints]
        return ".".join(parts)
    return {"hevc": "hvc1", "h264": "avc1"}.get(codec, codec)
