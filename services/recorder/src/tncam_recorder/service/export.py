"""Export (trích xuất): one MP4 of a camera and range, the original segments, and a manifest
signed with Ed25519, packed as a deterministic zip (see ``tncam_recorder.media.exportfile``)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import logging
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tncam.audit.v1 import audit_event_pb2 as audit_pb
from tncam.common.v1 import actor_pb2
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, NotFoundError, UnavailableError
from tncam_recorder.db import exports as export_db
from tncam_recorder.db import inits as init_db
from tncam_recorder.db import segments as segment_db
from tncam_recorder.db.rows import SegmentRow
from tncam_recorder.domain.actors import actor_dict, require_actor
from tncam_recorder.domain.audit_events import footage_event
from tncam_recorder.domain.keys import (
    EXPORT_CONTENT_TYPE,
    TAG_KIND,
    TAG_RETENTION,
    export_key,
    init_key,
    iso,
    stamp,
)
from tncam_recorder.domain.requests import camera
from tncam_recorder.domain.signing import canonical_json, fingerprint, public_pem
from tncam_recorder.domain.timeline import Span, build_timeline
from tncam_recorder.media import exportfile
from tncam_recorder.media.remux import Part, remux
from tncam_recorder.service.context import Recorder
from tncam_recorder.storage.s3 import Written

log = logging.getLogger("tncam.recorder.export")


@dataclass(frozen=True)
class ExportResult:
    export_id: uuid.UUID
    object_key: str
    version_id: str
    size: int
    sha256: str
    manifest_json: bytes
    signature: bytes
    segments: int
    gaps: int


@dataclass(frozen=True)
class _Request:
    """A validated export request."""

    camera_id: str
    start: dt.datetime
    end: dt.datetime
    requester: actor_pb2.Actor
    purpose_code: audit_pb.PurposeCode
    purpose_text: str
    grant_id: str
    export_id: uuid.UUID
    created: dt.datetime

    @property
    def purpose(self) -> str:
        return audit_pb.PurposeCode.Name(self.purpose_code)


@dataclass(frozen=True)
class _Bundle:
    """The stored export file and its signed manifest."""

    key: str
    written: Written
    manifest: bytes
    signature: bytes


def _check(
    rec: Recorder,
    camera_id: str,
    start: dt.datetime,
    end: dt.datetime,
    requester: actor_pb2.Actor,
    purpose_code: audit_pb.PurposeCode,
    purpose_text: str,
) -> str:
    """The camera of a valid request: an actor, a purpose, a range not over the limit."""
    op = "export"
    cam = camera(camera_id, op)
    require_actor(requester, op)
    if purpose_code in (audit_pb.PURPOSE_CODE_UNSPECIFIED, audit_pb.PURPOSE_CODE_NOT_APPLICABLE):
        raise InvalidInputError("recording.export.no_purpose", "a purpose is required")
    if not purpose_text.strip():
        raise InvalidInputError("recording.export.no_purpose", "the purpose text is required")
    if (end - start).total_seconds() > rec.settings.export_max_seconds:
        raise InvalidInputError(
            "recording.export.too_long",
            f"an export covers at most {rec.settings.export_max_seconds:.0f} s",
        )
    return cam


async def _whole_segments(
    rec: Recorder, cam: str, start: dt.datetime, end: dt.datetime
) -> list[SegmentRow]:
    """Only whole segments inside the range: an export never cuts a segment (remux only)."""
    async with unit_of_work(rec.sessions) as s:
        rows = await segment_db.segments_in_range(s, cam, start, end, limit=100_000)
    rows = [r for r in rows if r.start_at >= start and r.end_at <= end]
    if not rows:
        raise NotFoundError("recording.export.empty", f"no recording of {cam} in the range")
    return rows


async def _audit(rec: Recorder, req: _Request, segments: int) -> None:
    await rec.audit.record(
        footage_event(
            action="footage.export.created",
            actor=req.requester,
            camera_id=req.camera_id,
            start=req.start,
            end=req.end,
            purpose_code=req.purpose_code,
            purpose_text=req.purpose_text,
            after={"export_id": str(req.export_id), "grant_id": req.grant_id, "segments": segments},
            now=req.created,
        )
    )


def _manifest(
    rec: Recorder,
    req: _Request,
    entries: list[tuple[str, str, int]],
    segments_meta: list[dict[str, Any]],
    gaps: tuple[Span, ...],
) -> dict[str, Any]:
    return {
        "format": exportfile.FORMAT,
        "export_id": str(req.export_id),
        "camera_id": req.camera_id,
        "range": {"start": iso(req.start), "end": iso(req.end)},
        "requester": actor_dict(req.requester),
        "purpose": {"code": req.purpose, "text": req.purpose_text},
        "grant_id": req.grant_id,
        "created_at": iso(req.created),
        "signer": fingerprint(rec.signing_key.public_key()),
        "files": exportfile.manifest_files(entries),
        "segments": segments_meta,
        "gaps": [{"start": iso(g.start), "end": iso(g.end)} for g in gaps],
    }


async def _build(
    rec: Recorder, req: _Request, rows: list[SegmentRow], gaps: tuple[Span, ...]
) -> _Bundle:
    """Fetch, remux, sign, pack and store the export file."""
    with tempfile.TemporaryDirectory(prefix="tncam-export-") as tmp:
        work = Path(tmp)
        members, segments_meta, parts = await _fetch(rec, rows, req.start, work)
        video = work / exportfile.VIDEO
        await asyncio.to_thread(remux, parts, video)
        video_sha, video_size = await asyncio.to_thread(exportfile.sha256_file, video)
        entries = [(exportfile.VIDEO, video_sha, video_size), *members]
        manifest = canonical_json(_manifest(rec, req, entries, segments_meta, gaps))
        signature = rec.signing_key.sign(manifest)
        bundle = work / f"{req.export_id}.zip"
        files: list[tuple[str, bytes | Path]] = [
            (exportfile.MANIFEST, manifest),
            (exportfile.SIGNATURE, base64.b64encode(signature) + b"\n"),
            (exportfile.SIGNER, public_pem(rec.signing_key.public_key())),
            *sorted([(exportfile.VIDEO, video), *((name, work / name) for name, _, _ in members)]),
        ]
        await asyncio.to_thread(exportfile.write_bundle, bundle, files)
        key = export_key(req.export_id, req.created)
        written = await rec.store.put_file(
            key,
            bundle,
            content_type=EXPORT_CONTENT_TYPE,
            tags={TAG_RETENTION: rec.settings.default_retention_class, TAG_KIND: "export"},
        )
    return _Bundle(key, written, manifest, signature)


async def _index(rec: Recorder, req: _Request, bundle: _Bundle) -> None:
    async with unit_of_work(rec.sessions) as s:
        await export_db.add_export(
            s,
            {
                "export_id": req.export_id,
                "camera_id": req.camera_id,
                "start_at": req.start,
                "end_at": req.end,
                "requester": actor_dict(req.requester),
                "purpose": f"{req.purpose}: {req.purpose_text}",
                "grant_id": req.grant_id,
                "bucket": rec.store.bucket,
                "object_key": bundle.key,
                "version_id": bundle.written.version_id,
                "bytes": bundle.written.size,
                "sha256": bundle.written.sha256,
                "manifest_json": bundle.manifest.decode(),
                "created_at": req.created,
            },
        )


async def create_export(
    rec: Recorder,
    *,
    camera_id: str,
    start: dt.datetime,
    end: dt.datetime,
    requester: actor_pb2.Actor,
    purpose_code: audit_pb.PurposeCode,
    purpose_text: str,
    grant_id: str,
) -> ExportResult:
    """Build, sign, store and index one export; audited before any footage is read."""
    cam = _check(rec, camera_id, start, end, requester, purpose_code, purpose_text)
    rows = await _whole_segments(rec, cam, start, end)
    req = _Request(
        cam, start, end, requester, purpose_code, purpose_text, grant_id, uuid.uuid4(), rec.clock()
    )
    await _audit(rec, req, len(rows))
    timeline = build_timeline(
        [(r.start_at, r.end_at) for r in rows],
        Span(start, end),
        tolerance=dt.timedelta(seconds=rec.settings.gap_tolerance_s),
    )
    bundle = await _build(rec, req, rows, timeline.gaps)
    await _index(rec, req, bundle)
    log.info("export %s built: %d segments", req.export_id, len(rows), extra={"camera_id": cam})
    w = bundle.written
    return ExportResult(
        req.export_id,
        bundle.key,
        w.version_id,
        w.size,
        w.sha256,
        bundle.manifest,
        bundle.signature,
        len(rows),
        len(timeline.gaps),
    )


async def _fetch(
    rec: Recorder, rows: list[SegmentRow], start: dt.datetime, work: Path
) -> tuple[list[tuple[str, str, int]], list[dict[str, Any]], list[Part]]:
    """Download init segments and segments, checking each against the index's SHA-256."""
    (work / "init").mkdir()
    (work / "segments").mkdir()
    members: list[tuple[str, str, int]] = []
    inits: dict[str, Path] = {}
    segments_meta: list[dict[str, Any]] = []
    parts: list[Part] = []
    include = rec.settings.export_include_segments
    for index, row in enumerate(rows, start=1):
        if row.init_sha256 not in inits:
            async with unit_of_work(rec.sessions) as s:
                init = await init_db.get_init(s, row.bucket, row.camera_id, row.init_sha256)
            key = init.object_key if init else init_key(row.camera_id, row.init_sha256)
            data = await rec.store.get(key, version_id=init.version_id if init else "")
            name = f"init/{row.init_sha256}.mp4"
            path = work / name
            await asyncio.to_thread(_save, data, row.init_sha256, key, path)
            inits[row.init_sha256] = path
            if include:
                members.append((name, row.init_sha256, len(data)))
        data = await rec.store.get(row.object_key, version_id=row.version_id)
        name = f"segments/{index:06d}-{stamp(row.start_at)}.m4s"
        path = work / name
        await asyncio.to_thread(_save, data, row.sha256, row.object_key, path)
        if include:
            members.append((name, row.sha256, len(data)))
        segments_meta.append(
            {
                "index": index,
                "segment_id": str(row.segment_id),
                "start": iso(row.start_at),
                "end": iso(row.end_at),
                "sha256": row.sha256,
                "bytes": row.bytes,
                "init_sha256": row.init_sha256,
                "object_key": row.object_key,
                "version_id": row.version_id,
                "file": name if include else "",
            }
        )
        parts.append(Part(inits[row.init_sha256], path, (row.start_at - start).total_seconds()))
    return members, segments_meta, parts


def _save(data: bytes, sha256: str, key: str, path: Path) -> None:
    """Check the bytes against the index's SHA-256, then write them (in a worker thread)."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise UnavailableError(
            "recording.export.integrity",
            f"{key}: stored bytes no longer match the recorded SHA-256",
            retryable=False,
        )
    path.write_bytes(data)
