"""Decommissioning (Art. 11.4): wipe a camera's or the bucket's footage with every version,
verify nothing is left, and issue an Ed25519-signed deletion certificate."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

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
from tncam_recorder.domain.certificates import Deletion, certificate_body
from tncam_recorder.domain.keys import camera_prefix
from tncam_recorder.domain.requests import camera, require_text
from tncam_recorder.domain.signing import canonical_json, fingerprint, public_bytes
from tncam_recorder.service.context import Recorder

log = logging.getLogger("tncam.recorder.decommission")


@dataclass(frozen=True)
class Certificate:
    certificate_id: uuid.UUID
    json: bytes
    signature: bytes
    public_key: bytes
    objects_deleted: int
    segments_deleted: int


@dataclass(frozen=True)
class _Request:
    """A validated decommissioning request."""

    scope: str
    camera_id: str | None  # None: the whole bucket
    reason: str
    document: str
    actor: actor_pb2.Actor
    certificate_id: uuid.UUID

    @property
    def prefix(self) -> str:
        return camera_prefix(self.camera_id) if self.camera_id is not None else ""

    @property
    def cameras(self) -> list[str]:
        return [self.camera_id] if self.camera_id else []


def _request(
    scope: str, camera_id: str, reason: str, document_reference: str, actor: actor_pb2.Actor
) -> _Request:
    op = "decommission"
    require_actor(actor, op)
    why = require_text(reason, "reason", op)
    document = require_text(document_reference, "document_reference", op)
    if scope not in ("camera", "bucket"):
        raise InvalidInputError("recording.decommission.bad_scope", "scope: camera or bucket")
    cam: str | None = camera(camera_id, op) if scope == "camera" else None
    return _Request(scope, cam, why, document, actor, uuid.uuid4())


async def _audit(
    rec: Recorder, req: _Request, action: str, after: dict[str, Any], now: dt.datetime
) -> None:
    await rec.audit.record(
        other_event(
            action=action,
            actor=req.actor,
            kind="deletion_certificate",
            target_id=str(req.certificate_id),
            cameras=req.cameras,
            purpose_code=audit_pb.PURPOSE_CODE_SYSTEM_ADMINISTRATION,
            purpose_text=req.reason,
            after=after,
            now=now,
        )
    )


async def _delete(s: AsyncSession, rec: Recorder, req: _Request, target: str) -> Deletion:
    """Every version under the prefix, then the index rows; checked to be gone."""
    cam = req.camera_id
    rows = await segment_db.lock_camera_segments(s, cam)
    try:
        versions = await rec.store.purge_versions(req.prefix)
    except UnavailableError as e:
        if e.code != "recording.delete.leftover":
            raise
        raise ConflictError("recording.decommission.leftover", f"{target}: {e.message}") from e
    await segment_db.delete_segments(s, [r.segment_id for r in rows])
    for init in await init_db.lock_orphan_inits(s, rec.store.bucket, cam):
        await init_db.delete_init(s, init)
    await export_db.delete_exports_of(s, cam)
    return Deletion(
        segments=len(rows),
        first_start=min((r.start_at for r in rows), default=None),
        last_end=max((r.end_at for r in rows), default=None),
        versions=sorted(f"{v.key}\t{v.version_id}" for v in versions),
        bytes=sum(v.size for v in versions if not v.delete_marker),
        remaining_index_rows=len(await segment_db.lock_camera_segments(s, cam)),
    )


async def _certify(
    s: AsyncSession, rec: Recorder, req: _Request, started: dt.datetime, deletion: Deletion
) -> Certificate:
    """Sign the certificate of ``deletion`` and keep it."""
    completed = rec.clock()
    public = rec.signing_key.public_key()
    body = certificate_body(
        certificate_id=str(req.certificate_id),
        scope=req.scope,
        camera_id=req.camera_id or "",
        bucket=rec.store.bucket,
        reason=req.reason,
        document_reference=req.document,
        requested_by=actor_dict(req.actor),
        started=started,
        completed=completed,
        deletion=deletion,
        signer=fingerprint(public),
    )
    data = canonical_json(body)
    signature = rec.signing_key.sign(data)
    await export_db.add_certificate(
        s,
        {
            "certificate_id": req.certificate_id,
            "scope": req.scope,
            "camera_id": req.camera_id or "",
            "certificate_json": data.decode(),
            "signature": signature,
            "issued_at": completed,
            "public_key": public_bytes(public),
        },
    )
    objects = len(deletion.versions)
    cert = Certificate(
        req.certificate_id, data, signature, public_bytes(public), objects, deletion.segments
    )
    after = {
        "segments_deleted": deletion.segments,
        "objects_deleted": objects,
        "certificate_sha256": hashlib.sha256(data).hexdigest(),
    }
    await _audit(rec, req, "footage.decommission.completed", after, completed)
    return cert


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
    req = _request(scope, camera_id, reason, document_reference, actor)
    started = rec.clock()
    target = req.camera_id or rec.store.bucket
    async with unit_of_work(rec.sessions) as s:
        cam = req.camera_id
        if await hold_db.held_segments(s, cam) or await hold_db.active_holds(s, cam):
            raise ConflictError(
                "recording.decommission.held",
                f"{target} has footage under an active legal hold; release the hold first",
            )
        started_after = {"scope": scope, "target": target, "document_reference": req.document}
        await _audit(rec, req, "footage.decommission.started", started_after, started)
        deletion = await _delete(s, rec, req, target)
        cert = await _certify(s, rec, req, started, deletion)
    rec.metrics.segments_deleted.labels(reason="decommission").inc(deletion.segments)
    log.info(
        "decommissioned %s: %d segments, %d versions",
        target,
        deletion.segments,
        len(deletion.versions),
    )
    return cert
