"""A channel: the frames of one video (a camera stream, or its transcode) to every sink.

It keeps the current GOP, from its newest keyframe, so a sink attached at any moment gets
that keyframe and what followed at once (then live frames as they come), whatever the
camera's keyframe interval. Sinks are viewer tracks and a transcode's inbox; each has its
own bounded queue, so pushing never waits.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from tncam_live.media.payload_cache import LiveFrame


class Sink(Protocol):
    """Anything that takes a channel's frames (and queues them itself, without waiting)."""

    def push(self, frame: LiveFrame) -> None: ...


class Channel:
    """One video's current GOP and the sinks that get each of its frames."""

    def __init__(self, gop_limit: int) -> None:
        self.gop_limit = gop_limit
        self._gop: list[LiveFrame] = []
        self._sinks: list[Sink] = []
        self.keyframe_seen = asyncio.Event()
        self.frames = 0

    def publish(self, frame: LiveFrame) -> None:
        """One new frame: into the GOP cache and to every sink."""
        self.frames += 1
        if frame.keyframe:
            self._gop = [frame]
            self.keyframe_seen.set()
        elif self._gop:
            if len(self._gop) < self.gop_limit:
                self._gop.append(frame)
            else:  # a GOP this long is not cached: a new viewer waits for the next keyframe
                self._gop = []
        for sink in self._sinks:
            sink.push(frame)

    def attach(self, sink: Sink) -> None:
        """Send ``sink`` the cached GOP now, then every new frame."""
        for frame in self._gop:
            sink.push(frame)
        self._sinks.append(sink)

    def detach(self, sink: Sink) -> None:
        """Stop sending to ``sink`` (nothing if it was not attached)."""
        if sink in self._sinks:
            self._sinks.remove(sink)

    @property
    def keyframe(self) -> LiveFrame | None:
        """The cached GOP's keyframe, if any."""
        return self._gop[0] if self._gop else None

    @property
    def sinks(self) -> int:
        """How many sinks are attached."""
        return len(self._sinks)

    @property
    def cached_frames(self) -> int:
        """Frames in the GOP cache."""
        return len(self._gop)
