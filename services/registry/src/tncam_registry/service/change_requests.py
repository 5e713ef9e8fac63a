"""Change requests that would hide a camera: recording one, listing them (the decision is in
``change_decisions``)."""

from __future__ import annotations

import uuid
from typing import Any

from google.protobuf.message import Message
from sqlalchemy.ext.asyncio import AsyncSession

from tncam.common.v1 import actor_pb2
from tncam.registry.v1 import changes_pb2
from tncam_mesh.errors import ConflictError, InvalidInputError
from tncam_registry.db import changes as db
from tncam_registry.domain import access
from tncam_registry.domain.changes import (
    KIND_TO_PB,
    PB_TO_STATUS,
    STATUS_TO_PB,
    ChangeKind,
    ChangeStatus,
)
from tncam_registry.domain.views import ts
from tncam_registry.service.context import RegistryContext

MAX_LIST = 500


def request_to_pb(row: Any) -> changes_pb2.CameraChangeRequest:
    """A request row as the API shows it (never its payload)."""
    out = changes_pb2.CameraChangeRequest(
        id=str(row["id"]),
        camera_id=row["camera_id"],
        owner_unit_id=row["owner_unit_id"],
        kind=KIND_TO_PB[ChangeKind(row["kind"])],
        status=STATUS_TO_PB[ChangeStatus(row["status"])],
        requested_by=row["requested_by"],
        requested_by_name=row["requested_by_name"],
        reason=row["reason"],
        summary=list(row["summary"]),
        decided_by=row["decided_by"],
        decision_reason=row["decision_reason"],
    )
    for name in ("requested_at", "decided_at"):
        value = ts(row[name])
        if value is not None:
            getattr(out, name).CopyFrom(value)
    return out


async def request_change(
    ctx: RegistryContext,
    s: AsyncSession,
    *,
    kind: ChangeKind,
    camera: Any,
    actor: actor_pb2.Actor,
    reason: str,
    payload: Message,
    summary: list[str],
    request_id: str,
    op: str,
) -> changes_pb2.CameraChangeRequest:
    """Keep the change as a pending request (in the caller's transaction), audited."""
    if await db.pending_of(s, camera["id"]) is not None:
        raise ConflictError(
            f"registry.{op}.change_pending",
            f"camera {camera['id']} already has a change waiting for approval",
        )
    row = {
        "id": str(uuid.uuid4()),
        "camera_id": camera["id"],
        "owner_unit_id": camera["owner_unit_id"],
        "kind": kind.value,
        "status": ChangeStatus.PENDING.value,
        "requested_by": actor.id,
        "requested_by_name": actor.display_name,
        "requested_at": ctx.clock(),
        "reason": reason,
        "payload": payload.SerializeToString(),
        "summary": summary,
        "decided_by": "",
        "decided_at": None,
        "decision_reason": "",
    }
    await db.insert_request(s, row)
    await ctx.audit(
        s,
        actor=actor,
        action="camera.change.requested",
        cameras=[camera["id"]],
        after={"change_request_id": row["id"], "kind": kind.value, "summary": summary},
        request_id=request_id,
        other=None,
    )
    return request_to_pb(row)


async def list_change_requests(
    ctx: RegistryContext, req: changes_pb2.ListCameraChangeRequestsRequest
) -> changes_pb2.ListCameraChangeRequestsReply:
    """Requests newest first: province roles every unit's, unit roles their own unit's."""
    op = "list_change_requests"
    own = access.change_list_unit(req.actor, ctx.ref.units)
    limit = req.limit or 100
    if limit > MAX_LIST:
        raise InvalidInputError(f"registry.{op}.limit", "limit must be at most 500")
    status = PB_TO_STATUS.get(req.status)
    async with ctx.sessions() as s:
        rows = await db.list_requests(
            s,
            status=status.value if status else "",
            owner_unit_id=own or req.owner_unit_id,
            camera_id=req.camera_id,
            limit=limit,
        )
    return changes_pb2.ListCameraChangeRequestsReply(requests=[request_to_pb(r) for r in rows])
