"""The hand-off streams as a buffer: how many segments wait, for how long, in which streams."""

from __future__ import annotations

import nats.errors
import nats.js.errors
from nats.js.client import JetStreamContext

from tncam_contracts.partitions import partition_label
from tncam_mesh.clock import utc_now
from tncam_mesh.errors import UnavailableError


async def buffer_state(js: JetStreamContext, stream: str) -> tuple[int, float]:
    """(messages waiting, age in seconds of the oldest, 0 when empty) of ``stream``."""
    info = await js.stream_info(stream)
    age = 0.0
    if info.state.messages:
        first = await js.get_msg(stream, seq=info.state.first_seq, next=True)
        if first.time is not None:
            age = (utc_now() - first.time).total_seconds()
    return info.state.messages, max(0.0, age)


async def buffer_states(js: JetStreamContext, names: set[str]) -> dict[str, tuple[int, float]]:
    """``buffer_state`` of each of ``names`` that exists, by name (sorted)."""
    states: dict[str, tuple[int, float]] = {}
    for name in sorted(names):
        try:
            states[name] = await buffer_state(js, name)
        except nats.js.errors.NotFoundError:
            continue  # removed meanwhile, or not declared yet
    return states


async def handoff_stream_names(js: JetStreamContext, namespace: str) -> set[str]:
    """Names of the streams that hold hand-off subjects under ``namespace``: the single
    stream and the partitions of any N, the current ones and those left from another N."""
    names: set[str] = set()
    offset = 0
    while True:
        # STREAM.LIST, paged (nats-py's public listing; a deployment has tens of streams).
        try:
            infos = await js.streams_info(offset=offset)
        except (TimeoutError, nats.errors.Error) as e:
            raise UnavailableError("bus.stream.list", f"listing hand-off streams: {e}") from e
        names.update(
            i.config.name
            for i in infos
            if i.config.name and partition_label(i.config.name, namespace) is not None
        )
        offset += len(infos)
        if not infos:
            return names
