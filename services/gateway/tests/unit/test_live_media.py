"""An MSE socket's bounded queue: a slow socket drops to the next keyframe, never the init."""

from __future__ import annotations

import pytest

from tncam.live.v1 import session_pb2
from tncam_gateway.domain.live_media import SegmentQueue

Segment = session_pb2.LiveMediaSegment


def frag(n: int, key: bool = False) -> Segment:
    return Segment(kind=Segment.KIND_FRAGMENT, sequence=n, keyframe=key)


def drain(q: SegmentQueue) -> list[tuple[int, int]]:
    out = []
    while (s := q.take()) is not None:
        out.append((s.kind, s.sequence))
    return out


def test_full_queue_drops_to_the_next_keyframe_and_keeps_init_and_end() -> None:
    q = SegmentQueue(3)
    q.offer(Segment(kind=Segment.KIND_INIT, sequence=0))
    for n in range(1, 4):
        q.offer(frag(n, key=n == 1))
    q.offer(frag(4))  # full: the three are dropped, and 4 is no keyframe
    q.offer(frag(5))
    q.offer(frag(6, key=True))
    q.offer(Segment(kind=Segment.KIND_END, sequence=7))
    assert drain(q) == [
        (Segment.KIND_INIT, 0),
        (Segment.KIND_FRAGMENT, 6),
        (Segment.KIND_END, 7),
    ]
    assert q.dropped == 5


def test_a_keeping_up_socket_loses_nothing() -> None:
    q = SegmentQueue(2)
    for n in range(10):
        q.offer(frag(n, key=n == 0))
        assert q.take() is not None
    assert q.dropped == 0
    assert len(q) == 0
    with pytest.raises(ValueError, match="at least one"):
        SegmentQueue(0)
