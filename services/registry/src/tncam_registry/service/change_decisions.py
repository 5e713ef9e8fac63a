"""A province admin approves (the change applies, as the approver's) or rejects (the camera
stays as it is) a pending change request; both are audited."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tncam.registry.v1 import changes_pb2, service_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ConflictError, InvalidInputError, NotFoundError
from tncam_registry.db import changes as db
from tncam_registry.domain import access
from tncam_registry.domain.changes import ChangeKind, ChangeStatus
from tncam_registry.service.cameras import apply_deactivation, apply_update
from tncam_registry.service.change_requests import request_to_pb
from tncam_registry.service.context import RegistryContext

MAX_REASON = 1000


async def decide_change_request(
    ctx: RegistryContext, req: changes_pb2.DecideCameraChangeRequest
) -> changes_pb2.DecideCameraChangeReply:
    """Approve or reject one pending request (rejecting needs a reason)."""
    op = "decide_change_request"
    access.check_decide_change(req.actor)
    reason = req.reason.strip()
    if not req.approve and not reason:
        raise InvalidInputError(f"registry.{op}.reason_required", "a rejection needs a reason")
    if len(reason) > MAX_REASON:
        raise InvalidInputError(f"registry.{op}.reason_too_long", "reason: at most 1000 chars")
    async with unit_of_work(ctx.sessions) as s:
        row = await db.lock_request(s, req.id) if _is_uuid(req.id) else None
        if row is None:
            raise NotFoundError(f"registry.{op}.not_found", f"no change request {req.id}")
        if row["status"] != ChangeStatus.PENDING.value:
            raise ConflictError(
                f"registry.{op}.already_decided", f"change request {req.id} is {row['status']}"
            )
        status = ChangeStatus.APPROVED if req.approve else ChangeStatus.REJECTED
        decision = {
            "status": status.value,
            "decided_by": req.actor.id,
            "decided_at": ctx.clock(),
            "decision_reason": reason,
        }
        # Decided first: the pending row would otherwise hold the change back again.
        await db.decide(s, req.id, decision)
        if req.approve:
            await _apply(ctx, s, row, req)
        await ctx.audit(
            s,
            actor=req.actor,
            action=f"camera.change.{status.value}",
            cameras=[row["camera_id"]],
            before={"change_request_id": req.id, "status": row["status"]},
            after={"change_request_id": req.id, **decision, "decided_at": None},
            request_id=req.request_id,
        )
    await ctx.flush()
    return changes_pb2.DecideCameraChangeReply(request=request_to_pb({**row, **decision}))


async def _apply(
    ctx: RegistryContext, s: AsyncSession, row: Any, req: changes_pb2.DecideCameraChangeRequest
) -> None:
    """Carry out the stored change as the approver (whose changes apply at once)."""
    kind = ChangeKind(row["kind"])
    payload: bytes = row["payload"]
    if kind is ChangeKind.DEACTIVATE:
        deactivation = service_pb2.DeactivateCameraRequest.FromString(payload)
        deactivation.actor.CopyFrom(req.actor)
        deactivation.request_id = req.request_id
        await apply_deactivation(ctx, s, deactivation, "deactivate_camera")
        return
    update = service_pb2.UpdateCameraRequest.FromString(payload)
    update.actor.CopyFrom(req.actor)
    update.request_id = req.request_id
    update.expected_revision = 0  # the approver approves the summary, whatever came between
    await apply_update(ctx, s, update, "update_camera")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
