"""Retention sweep: the backstop to lifecycle rules. Deletes expired, unheld segments with all
their versions, verifies nothing is left, removes their index rows; audited first (fail closed)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam_mesh.db import unit_of_work
from tncam_recorder.context import Recorder
from tncam_recorder.db import repo
from tncam_recorder.domain.retention import expiry_cutoff
from tncam_recorder.pipeline.common import footage_event, iso

log = logging.getLogger("tncam.recorder.sweep")


@dataclass
class SweepResult:
    segments: int = 0
    versions: int = 0
    bytes: int = 0
    init_segments: int = 0
    cameras: set[str] = field(default_factory=set)


async def sweep(rec: Recorder, *, now: dt.datetime | None = None) -> SweepResult:
    """One pass over every retention class at ``now`` (the recorder's clock by default)."""
    now = now or rec.clock()
    result = SweepResult()
    classes = dict(rec.settings.retention_classes)
    async with unit_of_work(rec.sessions) as s:
        strays = await repo.unknown_classes(s, list(classes))
    for name in [*sorted(classes), *strays]:
        cutoff = expiry_cutoff(name, classes, now)
        while True:
            deleted = await _sweep_batch(rec, name, cutoff, now, result)
            if deleted < rec.settings.sweep_batch:
                break
    result.init_segments = await purge_orphan_inits(rec, None)
    if result.segments:
        log.info(
            "retention sweep deleted %d segments (%d versions)",
            result.segments,
            result.versions,
            extra={"bytes": result.bytes},
        )
    return result


async def _sweep_batch(
    rec: Recorder, retention_class: str, cutoff: dt.datetime, now: dt.datetime, res: SweepResult
) -> int:
    async with unit_of_work(rec.sessions) as s:
        rows = await repo.lock_expired(s, retention_class, cutoff, rec.settings.sweep_batch)
        if not rows:
            return 0
        by_camera: dict[str, list[repo.SegmentRow]] = defaultdict(list)
        for row in rows:
            by_camera[row.camera_id].append(row)
        # The deletion record goes to the audit log before anything is deleted.
        for cam, segs in sorted(by_camera.items()):
            await rec.audit.record(
                footage_event(
                    action="footage.retention.deleted",
                    actor=rec.service_actor,
                    camera_id=cam,
                    start=min(r.start_at for r in segs),
                    end=max(r.end_at for r in segs),
                    purpose_code=audit_pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
                    purpose_text=(
                        f"retention class {retention_class} expired (ended before {iso(cutoff)})"
                    ),
                    after={
                        "reason": "retention_expired",
                        "retention_class": retention_class,
                        "cutoff": iso(cutoff),
                        "segments": len(segs),
                        "bytes": sum(r.bytes for r in segs),
                        "objects": [r.object_key for r in segs],
                        "sha256": [r.sha256 for r in segs],
                    },
                    now=now,
                )
            )
        for row in rows:
            # Every version and delete marker of the key, then a listing proving none is left.
            res.versions += await rec.store.purge(row.object_key, exact=True)
        await repo.delete_segments(s, [r.segment_id for r in rows])
    res.segments += len(rows)
    res.bytes += sum(r.bytes for r in rows)
    res.cameras.update(r.camera_id for r in rows)
    rec.metrics.segments_deleted.labels(reason="retention").inc(len(rows))
    return len(rows)


async def purge_orphan_inits(rec: Recorder, camera_id: str | None) -> int:
    """Delete init segments no remaining segment needs (all versions, rows)."""
    count = 0
    async with unit_of_work(rec.sessions) as s:
        for init in await repo.orphan_inits(s, rec.store.bucket, camera_id):
            await rec.store.purge(init.object_key, exact=True)
            await repo.delete_init(s, init)
            count += 1
    return count
