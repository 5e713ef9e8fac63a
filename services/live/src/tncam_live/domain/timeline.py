"""One continuous 90 kHz timeline per fan-out, across the publisher's sessions (pure).

Ingest's timestamps rise within a publishing session and may jump (even back) when it
reconnects or the camera's lease moves (ADR 0020). RTP timestamps sent to a viewer must keep
rising, and every viewer of a fan-out shares the same packets, so the fan-out places each
access unit on its own timeline once: a new session continues one frame after the last.
"""

from __future__ import annotations

CLOCK_RATE = 90_000
#: Frame step assumed before two frames were seen (25 frames/s).
DEFAULT_STEP = CLOCK_RATE // 25
#: A step longer than this is a pause, not a frame interval.
MAX_STEP = CLOCK_RATE


class Timeline:
    """Maps (session_id, pts) to a timestamp that rises for the fan-out's whole life."""

    def __init__(self) -> None:
        self._session: str | None = None
        self._offset = 0
        self._last: int | None = None
        self._step = DEFAULT_STEP
        self._measured = False

    @property
    def frame_rate(self) -> float | None:
        """Frames per second from the last frame step; None before two frames were seen."""
        return CLOCK_RATE / self._step if self._measured else None

    def place(self, session_id: str, pts: int) -> int:
        """The timestamp of an access unit of ``session_id`` stamped ``pts``."""
        if session_id != self._session:
            self._session = session_id
            self._offset = 0 if self._last is None else self._last + self._step - pts
        out = pts + self._offset
        if self._last is not None:
            if out <= self._last:  # went back inside a session: continue, as for a new one
                self._offset += self._last + self._step - out
                out = self._last + self._step
            else:
                self._step = min(out - self._last, MAX_STEP)
                self._measured = True
        self._last = out
        return out
