"""One WebSocket's MSE session (docs/adr/0023): its media from NATS through a bounded queue,
the keepalives that keep the live replica sending, and its end.

The relay subscribes to ``tncam.live.v1.media.<session_id>`` *before* it asks a replica to
open the session (so the init segment cannot be missed). The subscription's callback only
queues (``SegmentQueue``: a slow socket drops to the next keyframe), so a slow viewer never
holds up the bus nor any other viewer; the socket's sender takes from the queue at its own
pace. Every ``keepalive_s`` the relay tells the holding replica the session is still relayed;
a replica that no longer holds it (ended, restarted, gone) ends the relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError

from tncam.live.v1 import session_pb2
from tncam_gateway.domain.live_media import SegmentQueue
from tncam_gateway.service.live import LiveService, MseOpened
from tncam_mesh.errors import TncamError

Segment = session_pb2.LiveMediaSegment


class MseRelay:
    """The media, keepalives and end of one MSE viewer's session."""

    def __init__(
        self,
        live: LiveService,
        session_id: str,
        token: str,
        *,
        queue_frames: int,
        keepalive_s: float,
    ) -> None:
        self.live = live
        self.session_id = session_id
        self._token = token
        self._queue = SegmentQueue(queue_frames)
        self._ready = asyncio.Event()
        self._keepalive_s = keepalive_s
        self._next_keepalive = 0.0
        self._sub: Subscription | None = None
        self.opened: MseOpened | None = None

    @property
    def dropped(self) -> int:
        """Fragments this socket lost by falling behind."""
        return self._queue.dropped

    async def verify(self) -> None:
        """The live token is valid for this session (401 ``gateway.live.invalid_token``)."""
        await self.live.check_token(self.session_id, self._token)

    async def open(self, codecs: list[str]) -> MseOpened:
        """Subscribe to the session's media, then open it (once per token) on a replica."""
        self._sub = await self.live.edge.subscribe_media(self.session_id, self._on_segment)
        try:
            self.opened = await self.live.open_mse(self.session_id, self._token, codecs)
        except BaseException:
            await self._unsubscribe()
            raise
        self._next_keepalive = time.monotonic() + self._keepalive_s
        return self.opened

    def _on_segment(self, segment: Segment) -> None:
        self._queue.offer(segment)
        self._ready.set()

    async def next(self) -> Segment:
        """The next segment to send; a ``KIND_END`` one when the replica ended the session
        or no longer holds it."""
        assert self.opened is not None
        while True:
            now = time.monotonic()
            if now >= self._next_keepalive:
                self._next_keepalive = now + self._keepalive_s
                if not await self.live.keepalive(self.session_id, self.opened.replica_id):
                    return Segment(kind=Segment.KIND_END, end_reason="not_held")
            segment = self._queue.take()
            if segment is not None:
                return segment
            self._ready.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, self._next_keepalive - now)):
                    await self._ready.wait()

    async def close(self, *, by_viewer: bool) -> None:
        """Stop relaying; when the viewer left, end the session (closed at the replica, the
        end recorded) as a WHEP DELETE does."""
        await self._unsubscribe()
        if by_viewer and self.opened is not None:
            with contextlib.suppress(TncamError):  # already ended: nothing more to do
                await self.live.close(self.session_id, self._token)

    async def _unsubscribe(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(NatsError):
                await self._sub.unsubscribe()
            self._sub = None
