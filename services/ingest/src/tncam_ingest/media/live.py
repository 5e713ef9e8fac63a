"""The session thread's side of live view (ADR 0020): access units of a watched stream,
framed as ``LiveAccessUnit`` messages, into a bounded queue the event loop publishes from.

A session checks one attribute per access unit (``live``: None while nobody watches). While
someone watches, the thread does the per-picture work itself (Annex-B, parameter sets in
front of each keyframe, serialization) so that the event loop only publishes; it wakes the
loop once per batch, not once per picture. When the loop falls behind (the queue is full), new
pictures are dropped up to the next keyframe, so a receiver never gets a picture whose
references it lacks; the dropped ones are counted and leave a gap in ``sequence``.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable
from fractions import Fraction

from tncam.live.v1 import live_pb2
from tncam_ingest.domain.live import ParameterSets, split_annexb
from tncam_ingest.media.reorder import DecodeClock

#: The clock of ``LiveAccessUnit`` timestamps.
LIVE_CLOCK = 90_000
#: Queued bytes per watched stream before new pictures are dropped (to the next keyframe).
MAX_QUEUED_BYTES = 8 * 1024 * 1024


class LiveTap:
    """One watched stream of one camera: ``put`` from the session thread, ``take`` from the
    event loop. ``signal`` (thread-safe) wakes the loop when the queue stops being empty."""

    def __init__(
        self,
        camera_id: str,
        stream: int,
        signal: Callable[[], None],
        *,
        max_queued_bytes: int = MAX_QUEUED_BYTES,
    ) -> None:
        self.camera_id = camera_id
        self.stream = stream
        self.max_queued_bytes = max_queued_bytes
        self._signal = signal
        self._lock = threading.Lock()
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._signalled = False
        #: Pictures dropped because the loop fell behind (written by the thread, read by the loop).
        self.dropped = 0
        # The publishing session, set by ``restart`` (in the session thread or the loop).
        self.session_id = ""
        self._sequence = 0
        self._wait_keyframe = True
        #: Set by ``restart``: the session thread hands over the current GOP first (``replay``).
        self.wants_gop = False
        self._ps = ParameterSets("hevc")
        #: Decode times of the published pictures (RTP carries presentation times only).
        self._decode = DecodeClock()
        self._codec = "hevc"
        self._scale = Fraction(1)
        self._width = 0
        self._height = 0

    def restart(
        self, codec: str, extradata: bytes, width: int, height: int, time_base: Fraction
    ) -> None:
        """A new publishing session (a new RTSP session, or publishing turned on): a new
        ``session_id``, sequence from 0, nothing until a keyframe."""
        ps = ParameterSets(codec)
        if extradata.startswith((b"\x00\x00\x01", b"\x00\x00\x00\x01")):
            ps.learn(split_annexb(extradata))  # the SDP's parameter sets (Annex-B)
        self._codec, self._ps = codec, ps
        self._scale = time_base * LIVE_CLOCK
        self._width, self._height = width, height
        self._sequence = 0
        self._decode = DecodeClock()
        self.session_id = str(uuid.uuid4())
        self._wait_keyframe = True
        self.wants_gop = True

    def replay(
        self,
        gop: list[tuple[int, bool, bytes]],
        now_pts: int,
        now_s: float,
        captured: Callable[[int], float] = lambda _dts: 0.0,
    ) -> None:
        """The pictures from the newest keyframe up to now (session thread), so that a viewer
        starts at once instead of waiting for the camera's next keyframe. Their received time
        is estimated from their timestamps (they arrived before ``now_s``); ``captured`` gives
        a picture's capture time from its timestamp. ``gop``: (pts, keyframe, Annex-B) in
        decode order."""
        self.wants_gop = False
        if not self._wait_keyframe:
            return
        for pts, keyframe, data in gop:
            received = now_s - float((now_pts - pts) * self._scale) / LIVE_CLOCK
            self.put(data, pts, keyframe, received, captured(pts))

    def resize(self, width: int, height: int) -> None:
        """The picture size, once known (session thread)."""
        self._width, self._height = width, height

    def put(
        self, data: bytes, pts: int, keyframe: bool, received_s: float, captured_s: float = 0.0
    ) -> None:
        """One access unit in Annex-B, in decode (arrival) order (``pts``, its presentation
        time, in the session's time base; ``captured_s`` the camera's capture time in Unix
        seconds, 0 if unknown). Its decode time is derived here (ADR 0024). Session thread."""
        if self._wait_keyframe:
            if not keyframe:
                if self._sequence:  # dropped after a backlog: a gap the receiver sees
                    self._sequence += 1
                    self.dropped += 1
                return
            self._wait_keyframe = False
        units = split_annexb(data)
        if keyframe:
            data = self._ps.keyframe(units)
        else:
            self._ps.learn(units)  # a camera may resend parameter sets between keyframes
        scale = self._scale
        msg = live_pb2.LiveAccessUnit(
            camera_id=self.camera_id,
            stream=self.stream,  # type: ignore[arg-type]
            codec=self._codec,
            pts=int(pts * scale),
            dts=int(self._decode(pts) * scale),
            keyframe=keyframe,
            capture_time_unix_ns=int(captured_s * 1e9),
            received_time_unix_ns=int(received_s * 1e9),
            sequence=self._sequence,
            width=self._width,
            height=self._height,
            data=data,
            session_id=self.session_id,
        ).SerializeToString()
        self._sequence += 1
        with self._lock:
            if self._queued_bytes + len(msg) > self.max_queued_bytes:
                # The loop fell behind: drop up to the next keyframe (what is queued stays
                # decodable: it ends before this picture).
                self.dropped += 1
                self._wait_keyframe = True
                return
            self._queue.append(msg)
            self._queued_bytes += len(msg)
            wake = not self._signalled
            self._signalled = True
        if wake:
            self._signal()

    def take(self) -> list[bytes]:
        """Everything queued, oldest first (event loop)."""
        with self._lock:
            out = list(self._queue)
            self._queue.clear()
            self._queued_bytes = 0
            self._signalled = False
        return out

    @property
    def queued_bytes(self) -> int:
        """Bytes waiting for the loop."""
        return self._queued_bytes
