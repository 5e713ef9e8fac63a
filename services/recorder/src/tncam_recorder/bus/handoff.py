"""The hand-off streams as a buffer: how many segments wait, for how long, in which streams."""

from __future__ import annotations

import json

import nats.errors
import nats.js.errors
from nats.js.client import JetStreamContext

from tncam_contracts.catalog import SEGMENT_CLOSED, subject
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
    base = subject(namespace, SEGMENT_CLOSED.base)
    names: set[str] = set()
    offset = 0
    while True:
        # STREAM.NAMES with a subject filter, through nats-py's request helper: its only
        # public call for it (find_stream_name_by_subject) keeps the first name. Paged.
        try:
            resp = await js._api_request(
                f"{js._prefix}.STREAM.NAMES",
                json.dumps({"subject": f"{base}.>", "offset": offset}).encode(),
                timeout=5.0,
            )
        except (TimeoutError, nats.errors.Error) as e:
            raise UnavailableError("bus.stream.list", f"listing hand-off streams: {e}") from e
        page = resp.get("streams") or []
        names.update(n for n in page if partition_label(n, namespace) is not None)
        offset += len(page)
        if not page or offset >= int(resp.get("total", 0)):
            return names
