"""Decommissioning (Art. 11.4): wipe a camera's or the bucket's footage with every version,
verify nothing is left, and issue an Ed25519-signed deletion certificate."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.common.v1 import actor_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import ConflictError, InvalidInputError, UnavailableError
from tncam_recorder.db import exports as export_db
from tncam_recorder.db import holds as hold_db
from tncam_recorder.db import inits as init_db
from tncam_recorder.db import segments as segment_db
from tncam_recorder.domain.actors import actor_dict, require_actor
from tncam_recorder.domain.audit_events import other_event
from tncam_recorder.domain.keys import camera_prefix, iso
from tncam_recorder.domain.requests import camera, require_text
from tncam_recorder.domain.signing import canonical_json, fingerprint, public_bytes
from tncam_recorder.service.context import Recorder

log = logging.getLogger("tncam.recorder.decommission")
CERTIFICATE_FORMAT = "tncam-deletion-certificate/1"


@dataclass(frozen=True)
class Certificate:
    certificate_id: uuid.UUID
    json: bytes
    signature: bytes
    public_key: bytes
    objects_deleted: int
    segments_deleted: int


async def decommission(
    rec: Recorder,
    *,
    scope: str,  # "camera" | "bucket"
    camera_id: str,
    reason: str,
    document_reference: str,
    actor: actor_pb2.Actor,
) -> Certificate:
    """Delete everything in scope irrecoverably and return the signed certificate."""
    op = "decommission"
    require_actor(actor, op)
    why = require_text(reason, "reason", op)
    document = require_text(document_reference, "document_reference", op)
    if scope not in ("camera", "bucket"):
        raise InvalidInputError("recording.decommission.bad_scope", "scope: camera or bucket")
    cam: str | None = camera(camera_id, op) if scope == "camera" else None
    prefix = camera_prefix(cam) if cam is not None else ""
    cert_id = uuid.uuid4()
    started = rec.clock()
    target = cam or rec.store.bucket

    async with unit_of_work(rec.sessions) as s:
        if await hold_db.held_segments(s, cam) or await hold_db.active_holds(s, cam):
            raise ConflictError(
                "recording.decommission.held",
                f"{target} has footage under an active legal hold; release the hold first",
            )
        await rec.audit.record(
            other_event(
                action="footage.decommission.started",
                actor=actor,
                kind="deletion_certificate",
                target_id=str(cert_id),
                cameras=[cam] if cam else [],
                purpose_code=audit_pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
                purpose_text=why,
                after={"scope": scope, "target": target, "document_reference": document},
                now=started,
            )
        )
        rows = await segment_db.lock_camera_segments(s, cam)
        try:
            versions = await rec.store.purge_versions(prefix)
        except UnavailableError as e:
            if e.code != "recording.delete.leftover":
                raise
            raise ConflictError("recording.decommission.leftover", f"{target}: {e.message}") from e
        listing = sorted(f"{v.key}\t{v.version_id}" for v in versions)
        deleted_bytes = sum(v.size for v in versions if not v.delete_marker)
        await segment_db.delete_segments(s, [r.segment_id for r in rows])
        for init in await init_db.lock_orphan_inits(s, rec.store.bucket, cam):
            await init_db.delete_init(s, init)
        await export_db.delete_exports_of(s, cam)
        remaining_rows = len(await segment_db.lock_camera_segments(s, cam))
        completed = rec.clock()
        public = rec.signing_key.public_key()
        body = {
            "format": CERTIFICATE_FORMAT,
            "certificate_id": str(cert_id),
            "title": "Biên bản xác nhận xoá dữ liệu hình ảnh (Deletion certificate)",
            "scope": scope,
            "camera_id": cam or "",
            "bucket": rec.store.bucket,
            "reason": why,
            "document_reference": document,
            "requested_by": actor_dict(actor),
            "started_at": iso(started),
            "completed_at": iso(completed),
            "segments_deleted": len(rows),
            "objects_deleted": len(versions),
            "bytes_deleted": deleted_bytes,
            "first_segment_start": iso(min((r.start_at for r in rows), default=None)),
            "last_segment_end": iso(max((r.end_at for r in rows), default=None)),
            "deleted_versions_sha256": hashlib.sha256("\n".join(listing).encode()).hexdigest(),
            "verification": {
                "method": "list every object version and delete marker after deletion",
                "remaining_versions": 0,
                "remaining_index_rows": remaining_rows,
            },
            "signer": fingerprint(public),
        }
        data = canonical_json(body)
        signature = rec.signing_key.sign(data)
        await export_db.add_certificate(
            s,
            {
                "certificate_id": cert_id,
                "scope": scope,
                "camera_id": cam or "",
                "certificate_json": data.decode(),
                "signature": signature,
                "issued_at": completed,
            },
        )
        await rec.audit.record(
            other_event(
                action="footage.decommission.completed",
                actor=actor,
                kind="deletion_certificate",
                target_id=str(cert_id),
                cameras=[cam] if cam else [],
                purpose_code=audit_pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
                purpose_text=why,
                after={
                    "segments_deleted": len(rows),
                    "objects_deleted": len(versions),
                    "certificate_sha256": hashlib.sha256(data).hexdigest(),
                },
                now=completed,
            )
        )
    rec.metrics.segments_deleted.labels(reason="decommission").inc(len(rows))
    log.info("decommissioned %s: %d segments, %d versions", target, len(rows), len(versions))
    return Certificate(cert_id, data, signature, public_bytes(public), len(versions), len(rows))
