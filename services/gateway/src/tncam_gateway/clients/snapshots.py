"""The latest snapshot of a camera, read from the CAMERA stream (ingest's SnapshotTaken)."""

from __future__ import annotations

import nats.js.errors
from nats.js import JetStreamContext

from tncam.camera.v1 import snapshot_pb2
from tncam_contracts.catalog import CAMERA_SNAPSHOT_TAKEN
from tncam_mesh.errors import NotFoundError, UnavailableError


class SnapshotSource:
    """Direct get of the last ``snapshot_taken.<camera_id>`` message."""

    def __init__(self, js: JetStreamContext, *, namespace: str) -> None:
        self._js = js
        self._namespace = namespace
        self._stream = CAMERA_SNAPSHOT_TAKEN.scoped_stream(namespace).name

    async def latest(self, camera_id: str) -> snapshot_pb2.SnapshotTaken:
        """The newest snapshot event of ``camera_id`` (NotFoundError if none)."""
        subject = CAMERA_SNAPSHOT_TAKEN.subject(camera_id, self._namespace)
        try:
            msg = await self._js.get_last_msg(self._stream, subject)
        except nats.js.errors.NotFoundError as e:
            raise NotFoundError(
                "gateway.snapshot.not_found", f"Chưa có ảnh chụp của camera {camera_id}"
            ) from e
        except (nats.errors.Error, TimeoutError) as e:
            raise UnavailableError(
                "gateway.snapshot.unavailable", "Không đọc được ảnh chụp (snapshot unavailable)"
            ) from e
        return CAMERA_SNAPSHOT_TAKEN.decode(msg.data or b"")
