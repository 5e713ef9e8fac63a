"""Retention sweep: the backstop to lifecycle rules. Deletes expired, unheld segments with all
their versions, verifies nothing is left, removes their index rows; audited first (fail closed)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam_mesh.db import unit_of_work
from tncam_recorder.db import holds as hold_db
from tncam_recorder.db import inits as init_db
from tncam_recorder.db import segments as segment_db
from tncam_recorder.db.rows import SegmentRow
from tncam_recorder.domain.audit_events import footage_event
from tncam_recorder.domain.keys import iso
from tncam_recorder.domain.retention import expiry_cutoff
from tncam_recorder.service.context import Recorder

log = logging.getLogger("tncam.recorder.sweep")


@dataclass
class SweepResult:
    segments: int = 0
    versions: int = 0
    bytes: int = 0
    init_segments: int = 0


async def sweep(rec: Recorder, *, now: dt.datetime | None = None) -> SweepResult:
    """One pass over every retention class at ``now`` (the recorder's clock by default)."""
    now = now or rec.clock()
    result = SweepResult()
    classes = dict(rec.settings.retention_classes)
    async with unit_of_work(rec.sessions) as s:
        strays = await segment_db.unknown_classes(s, list(classes))
    for name in [*sorted(classes), *strays]:
        cutoff = expiry_cutoff(name, classes, now)
        while True:
            selected = await _sweep_batch(rec, name, cutoff, now, result)
            if selected < rec.settings.sweep_batch:
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
    """Delete one batch; returns how many rows were selected (a full batch means: go on)."""
    async with unit_of_work(rec.sessions) as s:
        selected = await segment_db.lock_expired(
            s, retention_class, cutoff, rec.settings.sweep_batch
        )
        if not selected:
            return 0
        holds = await hold_db.active_hold_spans(
            s,
            sorted({r.camera_id for r in selected}),
            min(r.start_at for r in selected),
            max(r.end_at for r in selected),
        )
        rows = [
            r
            for r in selected
            if not any(
                r.camera_id in cams and start < r.end_at and end > r.start_at
                for cams, start, end in holds
            )
        ]
        # The deletion record goes to the audit log before anything is deleted.
        for cam, segs in _by_camera(rows):
            await rec.audit.record(
                _event(rec, "footage.retention.deleted", cam, segs, retention_class, cutoff, now)
            )
        deleted: list[SegmentRow] = []
        kept: list[SegmentRow] = []
        for row in rows:
            # A legal hold placed since the rows were selected wins. Placing it commits the
            # hold first and only then marks its segments (which waits for our row locks), so
            # this new statement sees it: checked right before each deletion, at most the one
            # segment whose deletion had begun when the hold was placed goes.
            if await _held(s, row):
                kept.append(row)
                continue
            # Every version and delete marker of the key, then a listing proving none is left.
            res.versions += await rec.store.purge(row.object_key, exact=True)
            deleted.append(row)
        for cam, segs in _by_camera(kept):
            log.info(
                "%d segment(s) held since the sweep selected them: kept",
                len(segs),
                extra={"camera_id": cam},
            )
            # Corrects the deletion record above for these segments.
            await rec.audit.record(
                _event(rec, "footage.retention.kept", cam, segs, retention_class, cutoff, now)
            )
        await segment_db.delete_segments(s, [r.segment_id for r in deleted])
    res.segments += len(deleted)
    res.bytes += sum(r.bytes for r in deleted)
    rec.metrics.segments_deleted.labels(reason="retention").inc(len(deleted))
    return len(selected)


async def _held(s: AsyncSession, row: SegmentRow) -> bool:
    return bool(await hold_db.active_hold_ids(s, row.camera_id, row.start_at, row.end_at))


def _by_camera(
    rows: list[SegmentRow],
) -> list[tuple[str, list[SegmentRow]]]:
    by_camera: dict[str, list[SegmentRow]] = defaultdict(list)
    for row in rows:
        by_camera[row.camera_id].append(row)
    return sorted(by_camera.items())


def _event(
    rec: Recorder,
    action: str,
    camera_id: str,
    segs: list[SegmentRow],
    retention_class: str,
    cutoff: dt.datetime,
    now: dt.datetime,
) -> audit_pb.AuditEvent:
    deleted = action.endswith(".deleted")
    return footage_event(
        action=action,
        actor=rec.service_actor,
        camera_id=camera_id,
        start=min(r.start_at for r in segs),
        end=max(r.end_at for r in segs),
        purpose_code=audit_pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
        purpose_text=(
            f"retention class {retention_class} expired (ended before {iso(cutoff)})"
            if deleted
            else "not deleted: a legal hold was placed while the retention sweep ran"
        ),
        after={
            "reason": "retention_expired" if deleted else "legal_hold_placed_during_sweep",
            "retention_class": retention_class,
            "cutoff": iso(cutoff),
            "segments": len(segs),
            "bytes": sum(r.bytes for r in segs),
            "sites": list(rec.settings.storage_sites),
            "objects": [r.object_key for r in segs],
            "sha256": [r.sha256 for r in segs],
        },
        now=now,
    )


async def purge_orphan_inits(rec: Recorder, camera_id: str | None) -> int:
    """Delete init segments no remaining segment needs (all versions, rows).

    The rows are locked and re-checked (:func:`init_db.lock_orphan_inits`); a writer indexing a
    segment with one of them holds its row share-locked, so it is skipped, and a writer that
    comes after finds the row gone and stores the init again.
    """
    count = 0
    async with unit_of_work(rec.sessions) as s:
        for init in await init_db.lock_orphan_inits(s, rec.store.bucket, camera_id):
            await rec.store.purge(init.object_key, exact=True)
            await init_db.delete_init(s, init)
            count += 1
    return count
