"""The bench's camera: a 1080p25 H.265 clip (~4 Mbit/s, a keyframe every 2 s) published on
the live access-unit subject in real time, each picture stamped with its capture time.

The capture time travels twice: in ``LiveAccessUnit.capture_time_unix_ns`` (as ingest sets
it) and inside the picture's own bytes, as a prefix SEI NAL unit (user data unregistered) put
in front of the first slice. The edge passes the access unit through untouched, so a viewer
finds the stamp in what it decodes and glass-to-glass is measured, not estimated. The stamp
is ASCII (a fixed 16-byte tag and 16 hex digits), so it never needs emulation prevention.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import av
from nats.aio.client import Client

from tncam.live.v1 import live_pb2
from tncam_contracts.catalog import live_access_unit_subject

FPS = 25
GOP_FRAMES = 2 * FPS  # a keyframe every 2 s
TICKS = 90_000 // FPS
CLIP_CACHE = Path(os.environ.get("TNCAM_BENCH_CACHE", Path.home() / ".cache" / "tncam-bench"))
STAMP_TAG = b"tncam-bench-g2g!"  # 16 bytes: the SEI's "UUID"
_STAMP_LEN = len(STAMP_TAG) + 16
# Prefix SEI (type 39), payload type 5 (user data unregistered), its size, then the payload
# and the RBSP stop bit.
_SEI_HEAD = b"\x00\x00\x00\x01" + bytes([39 << 1, 1, 5, _STAMP_LEN])


@dataclass(frozen=True)
class AccessUnit:
    data: bytes
    keyframe: bool


def encode_clip(dest: Path, bitrate: str = "4M", seconds: int = 8) -> Path:
    """A 1080p25 H.265 clip (testsrc2: motion and detail) at ``bitrate``, cached.

    Same recipe and file name as ``make bench-ingest``'s, so the two benches share it.
    """
    dest.mkdir(parents=True, exist_ok=True)
    clip = dest / f"testsrc2_1920x1080_{FPS}fps_{seconds}s_gop{GOP_FRAMES}_{bitrate}.h265"
    if clip.exists():
        return clip
    kbits = bitrate.rstrip("M") + "000"
    x265 = (
        f"keyint={GOP_FRAMES}:min-keyint={GOP_FRAMES}:scenecut=0:bframes=0:open-gop=0:"
        f"repeat-headers=1:vbv-maxrate={kbits}:vbv-bufsize={kbits}:log-level=error"
    )
    tmp = clip.with_name(clip.name + ".tmp")
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate={FPS}"),
            *("-t", str(seconds), "-pix_fmt", "yuv420p", "-c:v", "libx265"),
            *("-preset", "ultrafast", "-b:v", bitrate, "-x265-params", x265),
            *("-f", "hevc", str(tmp)),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    tmp.replace(clip)
    return clip


def read_access_units(clip: Path) -> list[AccessUnit]:
    """The clip's access units (Annex-B) in order."""
    with av.open(str(clip), format="hevc") as container:
        return [
            AccessUnit(bytes(p), bool(p.is_keyframe))
            for p in container.demux(container.streams.video[0])
            if p.size
        ]


def _first_slice_at(data: bytes) -> int:
    """Offset of the start code in front of the access unit's first slice (VCL NAL unit)."""
    pos = data.find(b"\x00\x00\x01")
    while pos >= 0 and pos + 3 < len(data):
        if (data[pos + 3] >> 1) & 0x3F < 32:
            return pos - 1 if pos > 0 and data[pos - 1] == 0 else pos
        pos = data.find(b"\x00\x00\x01", pos + 3)
    return len(data)


def stamp(data: bytes, capture_ns: int) -> bytes:
    """``data`` with a prefix SEI carrying ``capture_ns`` in front of its first slice."""
    at = _first_slice_at(data)
    sei = _SEI_HEAD + STAMP_TAG + f"{capture_ns:016x}".encode() + b"\x80"
    return data[:at] + sei + data[at:]


def read_stamp(data: bytes) -> int | None:
    """The capture time stamped in ``data`` (any framing around the SEI), or None."""
    at = data.find(STAMP_TAG)
    if at < 0:
        return None
    digits = data[at + len(STAMP_TAG) : at + _STAMP_LEN]
    try:
        return int(digits, 16) if len(digits) == 16 else None
    except ValueError:
        return None


async def publish(
    nc: Client, namespace: str, camera_id: str, units: list[AccessUnit], stop: asyncio.Event
) -> int:
    """Publish ``units`` in a loop at FPS (absolute schedule), stamped; the count published."""
    subject = live_access_unit_subject(camera_id, live_pb2.LIVE_STREAM_MAIN, namespace)
    session = uuid.uuid4().hex[:8]
    started = time.monotonic()
    seq = 0
    for seq, unit in zip(itertools.count(), itertools.cycle(units)):
        if stop.is_set():
            break
        delay = started + seq / FPS - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        now = time.time_ns()
        message = live_pb2.LiveAccessUnit(
            camera_id=camera_id,
            stream=live_pb2.LIVE_STREAM_MAIN,
            codec="hevc",
            pts=seq * TICKS,
            dts=seq * TICKS,
            keyframe=unit.keyframe,
            capture_time_unix_ns=now,
            received_time_unix_ns=now,
            sequence=seq,
            width=1920,
            height=1080,
            data=stamp(unit.data, now),
            session_id=session,
        )
        await nc.publish(subject, message.SerializeToString())
    return seq
