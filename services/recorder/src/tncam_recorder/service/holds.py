"""Legal holds (lưu giữ theo vụ việc): S3 object legal hold on every covered version, mirrored
in the index; audited before they take effect (fail closed)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.common.v1 import actor_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ConflictError, InvalidInputError, NotFoundError
from tncam_recorder.db import holds as hold_db
from tncam_recorder.db.rows import HoldRow, SegmentRow
from tncam_recorder.domain.actors import actor_dict, require_actor
from tncam_recorder.domain.audit_events import other_event
from tncam_recorder.domain.keys import iso
from tncam_recorder.domain.requests import camera, require_text
from tncam_recorder.service.context import Recorder

log = logging.getLogger("tncam.recorder.holds")


@dataclass(frozen=True)
class HoldResult:
    hold: HoldRow
    segments_changed: int


def _new_hold(
    rec: Recorder,
    *,
    case_reference: str,
    authority: str,
    reason: str,
    camera_ids: list[str],
    start: dt.datetime,
    end: dt.datetime,
    actor: actor_pb2.Actor,
    document_number: str,
) -> HoldRow:
    """The validated hold a request asks for (not yet recorded)."""
    op = "legal_hold"
    require_actor(actor, op)
    if not camera_ids:
        raise InvalidInputError("recording.legal_hold.no_cameras", "at least one camera")
    cams = sorted({camera(c, op) for c in camera_ids})
    return HoldRow(
        hold_id=uuid.uuid4(),
        case_reference=require_text(case_reference, "case_reference", op),
        authority=require_text(authority, "authority", op),
        reason=require_text(reason, "reason", op),
        camera_ids=cams,
        start_at=start,
        end_at=end,
        placed_by=actor_dict(actor),
        placed_at=rec.clock(),
        released_at=None,
        released_by=None,
        release_reason="",
        document_number=require_text(document_number, "document_number", op),
    )


async def _require_footage(rec: Recorder, hold: HoldRow) -> None:
    """Refuse a hold whose range holds no footage of one of its cameras: nothing to keep, and
    most likely a wrong camera or date (nothing is written)."""
    async with unit_of_work(rec.sessions) as s:
        found = await hold_db.cameras_with_footage(s, hold.camera_ids, hold.start_at, hold.end_at)
    missing = [c for c in hold.camera_ids if c not in found]
    if missing:
        raise InvalidInputError(
            "recording.legal_hold.no_footage",
            "Không có dữ liệu ghi hình của camera trong khoảng thời gian này "
            f"(no footage in the range): {', '.join(missing)}",
            details={"camera_ids": missing},
        )


async def _audit_placed(rec: Recorder, hold: HoldRow, actor: actor_pb2.Actor) -> None:
    details = {
        "hold_id": str(hold.hold_id),
        "case_reference": hold.case_reference,
        "authority": hold.authority,
        "document_number": hold.document_number,
        "reason": hold.reason,
        "start": iso(hold.start_at),
        "end": iso(hold.end_at),
    }
    await rec.audit.record(
        other_event(
            action="footage.legal_hold.placed",
            actor=actor,
            kind="legal_hold",
            target_id=str(hold.hold_id),
            cameras=hold.camera_ids,
            purpose_code=audit_pb.PURPOSE_CODE_CASE_INVESTIGATION,
            purpose_text=hold.reason,
            after=details,
            now=hold.placed_at,
        )
    )


async def _mark_segments(rec: Recorder, hold: HoldRow) -> list[SegmentRow]:
    """Mark the hold's segments in the index, hold them in the store; the marking commits
    only once every version is held. Waits for a sweep batch holding some of these rows."""
    async with unit_of_work(rec.sessions) as s:
        covered = await hold_db.mark_held(s, hold)
        for seg in covered:
            await rec.store.set_legal_hold(seg.object_key, seg.version_id, True)
    return covered


async def _withdraw(rec: Recorder, hold: HoldRow, error: BaseException) -> None:
    """Not placed after all: close the hold again (kept as a record, like the audit event),
    with whatever segments writers marked meanwhile."""
    try:
        async with unit_of_work(rec.sessions) as s:
            freed = await hold_db.release_hold(
                s,
                hold.hold_id,
                released_at=rec.clock(),
                released_by=actor_dict(rec.service_actor),
                reason=f"placement failed: {type(error).__name__}",
            )
            for seg in freed:
                await rec.store.set_legal_hold(seg.object_key, seg.version_id, False)
    except Exception:
        log.exception(
            "legal hold %s half placed: recorded but its segments not all marked", hold.hold_id
        )


async def place_hold(
    rec: Recorder,
    *,
    case_reference: str,
    authority: str,
    reason: str,
    camera_ids: list[str],
    start: dt.datetime,
    end: dt.datetime,
    actor: actor_pb2.Actor,
    document_number: str,
) -> HoldResult:
    """Hold every segment of the cameras in [start, end) (and later arrivals in the range)."""
    hold = _new_hold(
        rec,
        case_reference=case_reference,
        authority=authority,
        reason=reason,
        camera_ids=camera_ids,
        start=start,
        end=end,
        actor=actor,
        document_number=document_number,
    )
    await _require_footage(rec, hold)
    # Fail closed: no hold without its audit record.
    await _audit_placed(rec, hold, actor)
    # 1. The hold itself, committed on its own: from here on a retention sweep keeps every
    #    segment it covers (the sweep re-checks active holds before each deletion) and writers
    #    index new segments in its range as held.
    async with unit_of_work(rec.sessions) as s:
        await hold_db.insert_hold(s, hold)
    # 2. Its segments, marked and held; if that fails the hold is withdrawn and the caller
    #    sees the error.
    try:
        covered = await _mark_segments(rec, hold)
    except BaseException as e:
        await _withdraw(rec, hold, e)
        raise
    log.info(
        "legal hold placed",
        extra={"hold_id": str(hold.hold_id), "segments": len(covered), "cameras": hold.camera_ids},
    )
    return HoldResult(hold, len(covered))


async def release_hold(
    rec: Recorder, *, hold_id: str, reason: str, actor: actor_pb2.Actor
) -> HoldResult:
    """Release a hold; segments no other hold covers lose their S3 legal hold."""
    op = "legal_hold"
    require_actor(actor, op)
    why = require_text(reason, "reason", op)
    try:
        hid = uuid.UUID(hold_id)
    except ValueError as e:
        raise InvalidInputError("recording.legal_hold.bad_id", "hold_id is not a UUID") from e
    now = rec.clock()
    async with unit_of_work(rec.sessions) as s:
        hold = await hold_db.get_hold(s, hid, lock=True)
        if hold is None:
            raise NotFoundError("recording.legal_hold.not_found", f"no legal hold {hold_id}")
        if hold.released_at is not None:
            raise ConflictError("recording.legal_hold.released", f"hold {hold_id} already released")
        await rec.audit.record(
            other_event(
                action="footage.legal_hold.released",
                actor=actor,
                kind="legal_hold",
                target_id=hold_id,
                cameras=hold.camera_ids,
                purpose_code=audit_pb.PURPOSE_CODE_CASE_INVESTIGATION,
                purpose_text=why,
                after={
                    "hold_id": hold_id,
                    "case_reference": hold.case_reference,
                    "release_reason": why,
                },
                now=now,
            )
        )
        freed = await hold_db.release_hold(
            s, hid, released_at=now, released_by=actor_dict(actor), reason=why
        )
        for seg in freed:
            await rec.store.set_legal_hold(seg.object_key, seg.version_id, False)
        released = await hold_db.get_hold(s, hid)
    assert released is not None
    log.info("legal hold released", extra={"hold_id": hold_id, "segments": len(freed)})
    return HoldResult(released, len(freed))


async def list_holds(
    rec: Recorder,
    *,
    active_only: bool,
    camera_id: str,
    case_reference: str,
    limit: int,
    offset: int,
) -> tuple[list[HoldRow], int]:
    """One page of holds, newest first, and the number matching."""
    cam = camera(camera_id, "list_legal_holds") if camera_id else ""
    async with unit_of_work(rec.sessions) as s:
        return await hold_db.list_holds(
            s,
            active_only=active_only,
            camera_id=cam,
            case_reference=case_reference.strip(),
            limit=limit,
            offset=offset,
        )
