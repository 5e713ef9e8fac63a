"""The recorder's gauges: storage by retention class, legal holds, the hand-off buffer."""

from __future__ import annotations

from tncam_contracts.partitions import handoff_streams, partition_label
from tncam_mesh.db import unit_of_work
from tncam_recorder.bus.handoff import buffer_states, handoff_stream_names
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
    # Every hand-off stream: the N partitions and any left from another N (ADR 0030).
    current = {
        s.scoped(rec.namespace).name for s in handoff_streams(rec.settings.handoff_partitions)
    }
    names = current | await handoff_stream_names(rec.js, rec.namespace)
    total, oldest = 0, 0.0
    for name, (messages, age) in (await buffer_states(rec.js, names)).items():
        label = partition_label(name, rec.namespace) or name
        m.partition_messages.labels(partition=label).set(messages)
        m.partition_age.labels(partition=label).set(age)
        total, oldest = total + messages, max(oldest, age)
    m.buffer_messages.set(total)
    m.buffer_age.set(oldest)
