"""The newest snapshot of a camera: footage, so authorized and recorded like any other."""

from __future__ import annotations

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.camera.v1 import snapshot_pb2
from tncam_gateway.clients.snapshots import SnapshotSource
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.policy import Action
from tncam_gateway.domain.purpose import PurposeOfAccess
from tncam_gateway.service.footage import FootageGuard
from tncam_mesh.errors import NotFoundError


class SnapshotService:
    """Authorize, read the newest snapshot, record the access before the image is sent."""

    def __init__(self, *, footage: FootageGuard, source: SnapshotSource) -> None:
        self.footage = footage
        self.source = source

    async def latest(
        self,
        caller: Caller,
        client: ClientInfo,
        camera_id: str,
        purpose: PurposeOfAccess,
        grant_id: str | None,
    ) -> tuple[snapshot_pb2.SnapshotTaken, apb.AuditEvent]:
        """The snapshot (with an inline thumbnail) and the audit event of the access."""
        access = await self.footage.authorize(
            caller,
            client,
            action=Action.FOOTAGE_VIEW,
            kind="snapshot",
            camera_id=camera_id,
            purpose=purpose,
            grant_id=grant_id,
        )
        shot = await self.source.latest(camera_id)
        if shot.WhichOneof("image") != "jpeg_thumbnail":
            raise NotFoundError(
                "gateway.snapshot.not_inline",
                "Ảnh chụp không có bản thu nhỏ (no inline thumbnail)",
            )
        return shot, await self.footage.record(access, client)
