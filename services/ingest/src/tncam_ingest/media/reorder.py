"""Decode times of a stream whose pictures arrive in decode order with presentation times only
(RTP carries the presentation time; a camera with B-frames sends pictures out of presentation
order). ADR 0024.

Two ways, for two consumers:

- ``fragment_decode_times``: a whole fragment at once (the recording). The decode times are
  the fragment's presentation times sorted: exact for closed GOPs, no delay, no edit list (the
  first picture presents at its decode time); B-frames get negative composition offsets
  (``trun`` version 1).
- ``DecodeClock``: one picture at a time, as it arrives (live view, which cannot wait for the
  fragment). The presentation times sorted and delayed by the stream's reorder depth, learned
  from the stream: each picture that presents before a decode time already given deepens it.
"""

from __future__ import annotations

import heapq


class DecodeClock:
    """Monotonic decode times, on arrival, for pictures in decode order.

    Without reordering (no B-frames) the decode time is the presentation time, at the cost of
    one comparison. Once a picture presents no later than a decode time already handed out,
    the depth grows by one and decode times lag that many pictures behind, taken from a heap
    of the presentation times; until the heap fills (and right after the depth grew) a decode
    time is the previous one plus one tick, so decode times always rise.
    """

    __slots__ = ("_heap", "_last", "depth")

    def __init__(self) -> None:
        #: Pictures a decoder holds before output (learned; H.265 ``sps_max_num_reorder_pics``).
        self.depth = 0
        self._heap: list[int] = []
        self._last: int | None = None

    def __call__(self, pts: int) -> int:
        last = self._last
        if last is None:
            self._last = pts
            return pts
        if pts <= last:
            self.depth += 1  # presented before a picture already decoded: deeper reordering
        elif not self.depth:
            self._last = pts
            return pts
        heap = self._heap
        heapq.heappush(heap, pts)
        dts = heapq.heappop(heap) if len(heap) > self.depth else last + 1
        if dts <= last:
            dts = last + 1
        self._last = dts
        return dts


def fragment_decode_times(pts: list[int], floor: int | None) -> list[int] | None:
    """Decode times for one fragment's samples (decode order, presentation times ``pts``):
    None when they are already in presentation order (decode time = presentation time), else
    the presentation times sorted, raised where needed to rise strictly above ``floor`` (the
    previous fragment's end: an open GOP's leading pictures present before its keyframe)."""
    dts = sorted(pts)
    if dts == pts and (floor is None or not pts or pts[0] >= floor):
        return None
    prev = dts[0] - 1 if floor is None else floor - 1
    for i, d in enumerate(dts):
        if d <= prev:
            d = prev + 1
            dts[i] = d
        prev = d
    return dts
