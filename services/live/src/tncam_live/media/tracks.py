"""A viewer's video track: shared frames out of a bounded queue, as ``av.Packet`` (passthrough).

aiortc's sender calls ``recv()`` once DTLS is up; only then does the track ask to be attached
to its channel (which queues the cached GOP first, from its keyframe), so a viewer starts on
the newest keyframe whatever the time its handshake took. The queue is the viewer's own: a
viewer that falls behind drops to the next keyframe and never slows the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from av.packet import Packet

from tncam_live.domain.frame_queue import FrameQueue
from tncam_live.media.payload_cache import LiveFrame


class ViewerTrack(MediaStreamTrack):
    """Frames pushed by a channel, handed to one RTP sender as they come."""

    kind = "video"

    def __init__(
        self,
        *,
        queue_frames: int,
        on_start: Callable[[ViewerTrack], None],
        on_end: Callable[[ViewerTrack], None],
        on_first_frame: Callable[[], None],
        on_drop: Callable[[int], None],
    ) -> None:
        super().__init__()
        self._queue: FrameQueue[LiveFrame] = FrameQueue(queue_frames)
        self._ready = asyncio.Event()
        self._on_start = on_start
        self._on_end = on_end
        self._on_first_frame = on_first_frame
        self._on_drop = on_drop
        self.started = False
        self.frames_sent = 0

    def push(self, frame: LiveFrame) -> None:
        """Queue a frame (the channel calls this for every frame while attached)."""
        dropped = self._queue.offer(frame)
        if dropped:
            self._on_drop(dropped)
        if len(self._queue):
            self._ready.set()

    async def recv(self) -> Packet[Any]:
        """The next frame's packet; waits for one."""
        if not self.started:
            self.started = True
            self._on_start(self)
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            frame = self._queue.take()
            if frame is not None:
                break
            self._ready.clear()
            await self._ready.wait()
        if self.frames_sent == 0:
            self._on_first_frame()
        self.frames_sent += 1
        return frame.packet

    def stop(self) -> None:
        """End the track (the sender stops, or the session ends); detaches it once."""
        if self.readyState == "live":
            super().stop()
            self._ready.set()
            if self.started:
                self._on_end(self)

    @property
    def dropped(self) -> int:
        """Frames this viewer lost by falling behind."""
        return self._queue.dropped
