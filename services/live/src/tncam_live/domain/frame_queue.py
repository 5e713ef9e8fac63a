"""A viewer's bounded queue of frames: full means drop up to the next keyframe (pure).

A slow viewer must never stall the others nor grow memory: when its queue is full, what it
holds is dropped and it waits for the next keyframe, where its decoder can start again. Every
frame it did not get (after its first keyframe) is counted.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, Protocol, TypeVar


class Keyed(Protocol):
    """A frame that says whether a decoder can start at it."""

    @property
    def keyframe(self) -> bool: ...


F = TypeVar("F", bound=Keyed)


class FrameQueue(Generic[F]):
    """Frames for one viewer, at most ``bound``; starts at a keyframe, restarts at one."""

    def __init__(self, bound: int) -> None:
        if bound < 1:
            raise ValueError("a frame queue holds at least one frame")
        self.bound = bound
        self._frames: deque[F] = deque()
        self._waiting_keyframe = True
        self._started = False
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._frames)

    def offer(self, frame: F) -> int:
        """Queue ``frame`` if the viewer can use it; how many frames this cost the viewer."""
        if self._waiting_keyframe:
            if not frame.keyframe:
                return self._drop(1)
            self._waiting_keyframe = False
            self._started = True
        elif len(self._frames) >= self.bound:
            lost = len(self._frames)
            self._frames.clear()
            if not frame.keyframe:
                self._waiting_keyframe = True
                return self._drop(lost + 1)
            self._drop(lost)
            self._frames.append(frame)
            return lost
        self._frames.append(frame)
        return 0

    def take(self) -> F | None:
        """The oldest queued frame, or None."""
        return self._frames.popleft() if self._frames else None

    def _drop(self, frames: int) -> int:
        # Frames before a viewer's first keyframe were never its to lose.
        if not self._started:
            return 0
        self.dropped += frames
        return frames
