"""A camera stream's one shared H.265 -> H.264 transcode (ADR 0022).

Started with the stream's first viewer that needs it, stopped with the last. It is a sink of
the camera's channel (with its own bounded inbox: when it falls behind it drops to the next
keyframe, as a slow viewer does) and the source of its own channel, which every transcode
viewer of the camera attaches to. Decoding and encoding run in the transcode's own thread
(``tncam-transcode-<camera>``), never on the event loop; frames go out in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from tncam_live.domain.frame_queue import FrameQueue
from tncam_live.media.payload_cache import LiveFrame
from tncam_live.media.transcoder import H264Transcoder, TranscodeOptions
from tncam_live.metrics import LiveMetrics
from tncam_live.service.channel import Channel
from tncam_live.service.context import Spawn

log = logging.getLogger("tncam.live.transcode")

THREAD_PREFIX = "tncam-transcode"


class Transcode:
    """The transcoder of one camera stream, fed by its channel, feeding its own."""

    def __init__(
        self,
        name: str,
        source: Channel,
        options: TranscodeOptions,
        metrics: LiveMetrics,
        spawn: Spawn,
        *,
        inbox_frames: int,
        gop_limit: int,
        frame_rate: float | None = None,
    ) -> None:
        self.name = name
        self.source = source
        self.output = Channel(gop_limit)
        self.metrics = metrics
        self._spawn = spawn
        self._inbox: FrameQueue[LiveFrame] = FrameQueue(inbox_frames)
        self._ready = asyncio.Event()
        self._transcoder = H264Transcoder(options, frame_rate)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"{THREAD_PREFIX}-{name}")
        self._task: asyncio.Task[None] | None = None

    def push(self, frame: LiveFrame) -> None:
        """A camera frame to transcode (the source channel calls this)."""
        dropped = self._inbox.offer(frame)
        if dropped:
            self.metrics.dropped_frames.labels(stage="transcode").inc(dropped)
        if len(self._inbox):
            self._ready.set()

    def start(self) -> None:
        """Attach to the camera's channel and transcode until stopped."""
        self._task = self._spawn(f"transcode-{self.name}", self._run())
        self.source.attach(self)
        self.metrics.transcoders.inc()
        log.info("transcode started", extra={"camera_id": self.name})

    async def stop(self) -> None:
        """Detach, finish the frame in hand, end the thread."""
        self.source.detach(self)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
            self.metrics.transcoders.dec()
        await asyncio.to_thread(self._executor.shutdown, wait=True, cancel_futures=True)
        log.info("transcode stopped", extra={"camera_id": self.name})

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            frame = self._inbox.take()
            if frame is None:
                self._ready.clear()
                await self._ready.wait()
                continue
            frames = await loop.run_in_executor(self._executor, self._transcode, frame)
            for out in frames:
                self.output.publish(out)

    def _transcode(self, frame: LiveFrame) -> list[LiveFrame]:
        started = time.perf_counter()
        frames = self._transcoder.transcode(bytes(frame.packet), frame.pts)
        self.metrics.transcode_seconds.observe(time.perf_counter() - started)
        if frame.capture_ns:  # zerolatency: each picture out is the one just in
            frames = [dataclasses.replace(f, capture_ns=frame.capture_ns) for f in frames]
        return frames
