"""An MSE viewer's bounded queue of media segments (pure; docs/adr/0023).

The gateway relays an MSE session's segments from NATS to the viewer's WebSocket. A socket
that cannot keep up must neither stall the bus subscription (and the other viewers on it)
nor grow memory: when the queue holds ``bound`` fragments, they are dropped and the viewer
waits for the next keyframe fragment, where its decoder can start again. Init segments and
the end marker are never dropped (a fragment is useless without its init segment).
"""

from __future__ import annotations

from collections import deque

from tncam.live.v1 import session_pb2

Segment = session_pb2.LiveMediaSegment


class SegmentQueue:
    """At most ``bound`` fragments (plus init/end segments), dropping to the next keyframe."""

    def __init__(self, bound: int) -> None:
        if bound < 1:
            raise ValueError("a segment queue holds at least one fragment")
        self.bound = bound
        self._items: deque[Segment] = deque()
        self._fragments = 0
        self._waiting_keyframe = False
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    def offer(self, segment: Segment) -> None:
        """Queue ``segment`` unless the viewer is waiting for a keyframe it is not."""
        if segment.kind != Segment.KIND_FRAGMENT:
            self._items.append(segment)
            return
        if self._fragments >= self.bound:
            kept = [s for s in self._items if s.kind != Segment.KIND_FRAGMENT]
            self.dropped += self._fragments
            self._items = deque(kept)
            self._fragments = 0
            self._waiting_keyframe = True
        if self._waiting_keyframe:
            if not segment.keyframe:
                self.dropped += 1
                return
            self._waiting_keyframe = False
        self._items.append(segment)
        self._fragments += 1

    def take(self) -> Segment | None:
        """The oldest queued segment, or None."""
        if not self._items:
            return None
        segment = self._items.popleft()
        if segment.kind == Segment.KIND_FRAGMENT:
            self._fragments -= 1
        return segment
