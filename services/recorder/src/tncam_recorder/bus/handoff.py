"""The hand-off stream as a buffer: how many segments wait, and for how long."""

from __future__ import annotations

from nats.js.client import JetStreamContext

from tncam_mesh.clock import utc_now


async def buffer_state(js: JetStreamContext, stream: str) -> tuple[int, float]:
    """(messages waiting, age in seconds of the oldest, 0 when empty) of ``stream``."""
    info = await js.stream_info(stream)
    age = 0.0
    if info.state.messages:
        first = await js.get_msg(stream, seq=info.state.first_seq, next=True)
        if first.time is not None:
            age = (utc_now() - first.time).total_seconds()
    return info.state.messages, max(0.0, age)
