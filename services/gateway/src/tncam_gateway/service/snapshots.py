"""The newest snapshot of a camera: footage, so authorized and recorded like any other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tncam.audit.v1 import audit_event_pb2 as apb
from tncam.camera.v1 import snapshot_pb2
from tncam_gateway.clients.recorder import Recordings
from tncam_gateway.clients.snapshots import SnapshotSource
from tncam_gateway.domain.caller import Caller, ClientInfo
from tncam_gateway.domain.policy import Action
from tncam_gateway.domain.purpose import PurposeOfAccess
from tncam_gateway.service.footage import FootageGuard
from tncam_mesh.errors import ConflictError, NotFoundError, UnavailableError

#: Reads of the newest event when ingest replaced the image between the event and the read.
ATTEMPTS = 2


@dataclass(frozen=True)
class Snapshot:
    """The JPEG of a camera's newest snapshot and when it was taken (UTC)."""

    jpeg: bytes
    taken_at: datetime


def _not_found() -> NotFoundError:
    return NotFoundError(
        "gateway.snapshot.not_found", "Chưa có ảnh chụp của camera (no snapshot of this camera)"
    )


class SnapshotService:
    """Authorize, read the newest snapshot, record the access before the image is sent."""

    def __init__(
        self, *, footage: FootageGuard, source: SnapshotSource, recordings: Recordings
    ) -> None:
        self.footage = footage
        self.source = source
        self.recordings = recordings

    async def latest(
        self,
        caller: Caller,
        client: ClientInfo,
        camera_id: str,
        purpose: PurposeOfAccess,
        grant_id: str | None,
    ) -> tuple[Snapshot, apb.AuditEvent]:
        """The snapshot's JPEG and the audit event of the access (written before it is sent)."""
        access = await self.footage.authorize(
            caller,
            client,
            action=Action.FOOTAGE_VIEW,
            kind="snapshot",
            camera_id=camera_id,
            purpose=purpose,
            grant_id=grant_id,
        )
        snapshot = await self._read(camera_id)
        return snapshot, await self.footage.record(access, client)

    async def _read(self, camera_id: str) -> Snapshot:
        for _ in range(ATTEMPTS):
            shot = await self.source.latest(camera_id)
            try:
                jpeg = await self._image(camera_id, shot)
            except ConflictError:
                continue  # a newer snapshot replaced the object: its event is the newest now
            return Snapshot(jpeg, shot.taken_at.ToDatetime(UTC))
        raise UnavailableError(
            "gateway.snapshot.unavailable", "Ảnh chụp đang được thay, thử lại (snapshot changing)"
        )

    async def _image(self, camera_id: str, shot: snapshot_pb2.SnapshotTaken) -> bytes:
        which = shot.WhichOneof("image")
        if which == "jpeg_thumbnail":
            return shot.jpeg_thumbnail
        if which != "image_object":  # metrics only: ingest has no object store configured
            raise _not_found()
        try:
            # The recorder serves it only if it is this camera's snapshot object.
            return await self.recordings.snapshot(camera_id, shot.image_object)
        except NotFoundError as e:
            raise _not_found() from e
