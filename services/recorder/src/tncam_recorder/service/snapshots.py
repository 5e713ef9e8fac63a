"""A camera's newest snapshot JPEG for the gateway: read from ingest's snapshot bucket only
when the reference is that camera's, within the cap, and the bytes are the ones it names."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from tncam_mesh.errors import ConflictError, NotFoundError
from tncam_recorder.domain.snapshots import SnapshotRef, is_jpeg, refusal
from tncam_recorder.service.context import Recorder

log = logging.getLogger("tncam.recorder.snapshots")


def _not_found() -> NotFoundError:
    return NotFoundError("recording.snapshot.not_found", "no such snapshot")


async def read_snapshot(rec: Recorder, camera_id: str, ref: SnapshotRef) -> bytes:
    """The JPEG ``ref`` names for ``camera_id``.

    NotFoundError for a reference that is not the camera's snapshot (another camera's key,
    another bucket, a path outside its prefix, too large, no hash) and for bytes that are not
    a JPEG; ConflictError (retryable) when the object no longer hashes to the reference, as
    when ingest replaced it between the event and this read.
    """
    cap = rec.settings.snapshot_max_bytes
    bucket = rec.settings.snapshot_bucket
    why = refusal(camera_id, ref, bucket=bucket, max_bytes=cap)
    if why is not None:
        # A forged or foreign reference in an event is worth a look, not an answer.
        log.warning("snapshot reference refused: %s", why, extra={"camera_id": camera_id})
        raise _not_found()
    # One byte past the cap: a larger object than its reference says is refused, never read.
    data = await rec.store.get(ref.key, version_id=ref.version_id, length=cap + 1, bucket=bucket)
    if len(data) > cap:
        log.warning("snapshot over the cap", extra={"camera_id": camera_id})
        raise _not_found()
    if len(data) != ref.size_bytes or await asyncio.to_thread(_sha256, data) != ref.sha256:
        raise ConflictError(
            "recording.snapshot.changed",
            "the snapshot object no longer matches its reference",
            retryable=True,
        )
    if not is_jpeg(data):
        log.warning("snapshot object is not a JPEG", extra={"camera_id": camera_id})
        raise _not_found()
    return data


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
