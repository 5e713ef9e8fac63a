"""The recorder's gauges: storage by retention class, legal holds, the hand-off buffer."""

from __future__ import annotations

from tncam_contracts.catalog import RECORDING_HANDOFF_STREAM
from tncam_mesh.db import unit_of_work
from tncam_recorder.bus.handoff import buffer_state
from tncam_recorder.db import holds as hold_db
from tncam_recorder.db import segments as segment_db
from tncam_recorder.service.context import Recorder


async def refresh_gauges(rec: Recorder) -> None:
    """Read the index and the hand-off stream once and set every gauge."""
    m = rec.metrics
    async with unit_of_work(rec.sessions) as s:
        for name, (count, size) in (await segment_db.storage_by_class(s)).items():
            m.storage_segments.labels(retention_class=name).set(count)
            m.storage_bytes.labels(retention_class=name).set(size)
        m.holds_active.set(await hold_db.active_holds(s, None))
        m.segments_held.set(await hold_db.held_segments(s, None))
    stream = RECORDING_HANDOFF_STREAM.scoped(rec.namespace).name
    messages, age = await buffer_state(rec.js, stream)
    m.buffer_messages.set(messages)
    m.buffer_age.set(age)
