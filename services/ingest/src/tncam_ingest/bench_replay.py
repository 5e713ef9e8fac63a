"""The synthetic packet source of ``tncam_ingest.bench_scale``: recorded RTP, replayed.

A camera's interleaved RTP is recorded once (``record``: whole GOPs, RTCP left out) and
replayed by :class:`ReplayClient`, an :class:`RtspClient` whose bytes come from the recording at
camera rate instead of a socket, looped with sequence numbers and timestamps continued (one
patched copy per loop, shared by every camera of the process: ``Replay``). Everything after
the socket read is the service's own code (``RtspClient.access_units`` and what follows).
"""

from __future__ import annotations

import bisect
import json
import math
import socket
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tncam_ingest.media.rtsp import RtspClient, StreamDescription
from tncam_ingest.media.session import RtspSession

_RTP = struct.Struct(">HI")  # sequence number, timestamp (at offset 2 of the RTP header)


@dataclass(frozen=True)
class Recording:
    """Whole GOPs of one camera's interleaved RTP (channel 0), ready to loop."""

    codec: str
    payload_type: int
    clock_rate: int
    parameter_sets: tuple[bytes, ...]
    data: bytes
    offsets: tuple[int, ...]  # where each interleaved frame starts in ``data``
    ticks: tuple[int, ...]  # each packet's RTP timestamp minus the first one's
    ts0: int
    period_ticks: int  # the first keyframe of the next loop, after the first of this one

    @property
    def period_s(self) -> float:
        return self.period_ticks / self.clock_rate

    def description(self) -> StreamDescription:
        return StreamDescription(
            self.codec, self.payload_type, self.clock_rate, self.parameter_sets, "replay"
        )

    def loop(self, k: int) -> bytes:
        """Loop ``k``: sequence numbers and timestamps continue those of loop ``k - 1``."""
        buf = bytearray(self.data)
        n, base = len(self.offsets), self.ts0 + k * self.period_ticks
        for j, off in enumerate(self.offsets):
            _RTP.pack_into(buf, off + 6, (k * n + j) & 0xFFFF, (base + self.ticks[j]) & 0xFFFFFFFF)
        return bytes(buf)

    def save(self, path: Path) -> None:
        path.write_bytes(self.data)
        meta = {
            "codec": self.codec,
            "payload_type": self.payload_type,
            "clock_rate": self.clock_rate,
            "parameter_sets": [ps.hex() for ps in self.parameter_sets],
            "ts0": self.ts0,
            "period_ticks": self.period_ticks,
        }
        path.with_suffix(".json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, path: Path) -> Recording:
        meta = json.loads(path.with_suffix(".json").read_text())
        data = path.read_bytes()
        return cls(
            meta["codec"],
            meta["payload_type"],
            meta["clock_rate"],
            tuple(bytes.fromhex(h) for h in meta["parameter_sets"]),
            data,
            *_index(data, meta["ts0"]),
            meta["ts0"],
            meta["period_ticks"],
        )


def _index(data: bytes, ts0: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Where each interleaved frame of ``data`` starts, and its timestamp after ``ts0``."""
    offsets, ticks = [], []
    pos = 0
    while pos + 4 <= len(data):
        offsets.append(pos)
        ticks.append((_RTP.unpack_from(data, pos + 6)[1] - ts0) & 0xFFFFFFFF)
        pos += 4 + ((data[pos + 2] << 8) | data[pos + 3])
    return tuple(offsets), tuple(ticks)


def _starts_keyframe(payload: bytes, hevc: bool) -> bool:
    """Does this RTP payload begin an access unit with parameter sets or an IRAP/IDR picture?"""
    if hevc:
        t = (payload[0] >> 1) & 0x3F
        if t == 49:
            t = payload[2] & 0x3F
        elif t == 48 and len(payload) > 4:
            t = (payload[4] >> 1) & 0x3F
        return 16 <= t <= 21 or 32 <= t <= 34
    t = payload[0] & 0x1F
    if t == 28:
        t = payload[1] & 0x1F
    elif t == 24 and len(payload) > 3:
        t = payload[3] & 0x1F
    return t in (5, 7, 8)


def whole_gops(raw: bytes, desc: StreamDescription) -> Recording:
    """The packets of ``raw`` (interleaved frames) from its first keyframe to its last."""
    frames: list[tuple[bytes, int, bool]] = []  # (RTP packet, timestamp, starts a keyframe AU)
    pos, au_start = 0, True
    while pos + 4 <= len(raw) and raw[pos] == 0x24:
        end = pos + 4 + ((raw[pos + 2] << 8) | raw[pos + 3])
        if end > len(raw):
            break
        if raw[pos + 1] == 0:  # video RTP; RTCP (channel 1) is left out
            pkt = raw[pos + 4 : end]
            key = au_start and _starts_keyframe(pkt[12:], desc.codec == "hevc")
            frames.append((pkt, _RTP.unpack_from(pkt, 2)[1], key))
            au_start = bool(pkt[1] & 0x80)  # marker: the next packet starts an access unit
        pos = end
    keys = [i for i, f in enumerate(frames) if f[2]]
    if len(keys) < 2:
        raise RuntimeError("the recording holds less than one whole GOP")
    kept, ts0 = frames[keys[0] : keys[-1]], frames[keys[0]][1]
    data = bytearray()
    for pkt, _ts, _key in kept:
        data += b"\x24\x00" + len(pkt).to_bytes(2, "big") + pkt
    return Recording(
        desc.codec,
        desc.payload_type,
        desc.clock_rate,
        desc.parameter_sets,
        bytes(data),
        *_index(bytes(data), ts0),
        ts0,
        (frames[keys[-1]][1] - ts0) & 0xFFFFFFFF,
    )


class _Capture(RtspClient):
    """An RTSP client that keeps the raw interleaved bytes after PLAY."""

    def capture(self, seconds: float) -> tuple[StreamDescription, bytes]:
        desc = self.open()
        raw = bytearray()
        deadline = time.monotonic() + seconds
        while True:
            raw += self._buf[self._pos : self._fill]
            self._pos = self._fill
            if time.monotonic() > deadline:
                return desc, bytes(raw)
            self._recv_some()


def record(url: str, seconds: float) -> Recording:
    client = _Capture(url, timeout_s=10.0)
    try:
        desc, raw = client.capture(seconds)
    finally:
        client.close()
    return whole_gops(raw, desc)


class Replay:
    """The endless stream of a recording: patched loops made once, shared by all cameras."""

    def __init__(self, rec: Recording) -> None:
        self.rec = rec
        self.times = [t / rec.clock_rate for t in rec.ticks]
        self._loops: dict[int, bytes] = {}
        self._lock = threading.Lock()

    def position(self, t: float) -> int:
        """Bytes of the endless stream sent by media time ``t`` (whole packets)."""
        rec = self.rec
        k = math.floor(t / rec.period_s)
        j = bisect.bisect_right(self.times, t - k * rec.period_s)
        return k * len(rec.data) + (rec.offsets[j] if j < len(rec.offsets) else len(rec.data))

    def loop(self, k: int) -> bytes:
        with self._lock:
            data = self._loops.get(k)
            if data is None:
                data = self._loops[k] = self.rec.loop(k)
                for old in [i for i in self._loops if i < k - 2]:
                    del self._loops[old]
            return data


class ReplayClient(RtspClient):
    """An RTSP client whose bytes come from a :class:`Replay` at camera rate, not a socket."""

    def __init__(self, source: Replay, phase_s: float, batch_s: float) -> None:
        super().__init__("rtsp://replay.invalid/cam", batch_s=batch_s)
        self._source, self._phase = source, phase_s
        self._t0 = 0.0
        self._sent = 0

    def open(self) -> StreamDescription:
        self._sock = socket.socket()  # never connected: access_units only sets its timeout
        self._t0 = time.monotonic()
        self._sent = self._source.position(self._phase)
        self.description = self._source.rec.description()
        return self.description

    def _send(self, method: str, uri: str, headers: dict[str, str] | None = None) -> None:
        """Keep-alives and TEARDOWN go nowhere."""

    def _recv_some(self) -> int:
        space = self._make_room()
        src = self._source
        due = src.position(self._phase + time.monotonic() - self._t0)
        n = min(space, due - self._sent)
        size = len(src.rec.data)
        copied = 0
        while copied < n:
            k, lo = divmod(self._sent + copied, size)
            hi = min(size, lo + n - copied)
            self._buf[self._fill + copied : self._fill + copied + hi - lo] = src.loop(k)[lo:hi]
            copied += hi - lo
        self._sent += n
        self._fill += n
        self._more = n == space
        return n


@dataclass
class ReplaySession(RtspSession):
    """An :class:`RtspSession` fed by a :class:`ReplayClient`."""

    source: Replay | None = None
    phase_s: float = 0.0

    def _new_client(self, batch_s: float) -> RtspClient:
        assert self.source is not None
        return ReplayClient(self.source, self.phase_s, batch_s)
