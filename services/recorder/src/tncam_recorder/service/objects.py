"""Reading stored objects (segments, init segments, export files) in chunks, checked whole."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, NotFoundError
from tncam_recorder.db import exports as export_db
from tncam_recorder.db import inits as init_db
from tncam_recorder.db import segments as segment_db
from tncam_recorder.domain.keys import EXPORT_CONTENT_TYPE, INIT_CONTENT_TYPE, SEGMENT_CONTENT_TYPE
from tncam_recorder.service.context import Recorder


@dataclass(frozen=True)
class ObjectRequest:
    """A chunk of one object: a segment or an export (by id), or an init (camera, sha256)."""

    kind: str  # "segment" | "init" | "export"
    object_id: uuid.UUID | None = None
    camera_id: str = ""
    init_sha256: str = ""
    offset: int = 0
    length: int = 0


@dataclass(frozen=True)
class Located:
    """Where an object is and what it must hash to."""

    key: str
    version_id: str
    total: int
    sha256: str
    content_type: str


@dataclass(frozen=True)
class Chunk:
    """Bytes of an object from ``offset``."""

    data: bytes
    offset: int
    located: Located

    @property
    def eof(self) -> bool:
        return self.offset + len(self.data) >= self.located.total


async def _locate(s: AsyncSession, rec: Recorder, req: ObjectRequest) -> Located:
    if req.kind == "segment" and req.object_id is not None:
        row = await segment_db.segment_by_id(s, req.object_id)
        if row is None:
            raise NotFoundError("recording.segment.not_found", "no such segment")
        return Located(row.object_key, row.version_id, row.bytes, row.sha256, SEGMENT_CONTENT_TYPE)
    if req.kind == "init":
        init = await init_db.get_init(s, rec.store.bucket, req.camera_id, req.init_sha256)
        if init is None:
            raise NotFoundError("recording.init.not_found", "no such init segment")
        return Located(init.object_key, init.version_id, init.bytes, init.sha256, INIT_CONTENT_TYPE)
    if req.kind == "export" and req.object_id is not None:
        exp = await export_db.get_export(s, req.object_id)
        if exp is None:
            raise NotFoundError("recording.export.not_found", "no such export")
        return Located(exp.object_key, exp.version_id, exp.bytes, exp.sha256, EXPORT_CONTENT_TYPE)
    raise InvalidInputError("recording.read.no_object", "name an object")


async def read_object(rec: Recorder, req: ObjectRequest) -> Chunk:
    """At most ``object_chunk_bytes`` of the object; a whole object read is hash-checked."""
    async with unit_of_work(rec.sessions) as s:
        obj = await _locate(s, rec, req)
    if req.offset > obj.total:
        raise InvalidInputError("recording.read.bad_offset", "offset beyond the object")
    chunk = rec.settings.object_chunk_bytes
    length = min(req.length or chunk, chunk, obj.total - req.offset)
    data = (
        await rec.store.get(obj.key, version_id=obj.version_id, offset=req.offset, length=length)
        if length > 0
        else b""
    )
    whole = req.offset == 0 and length == obj.total
    if whole and await asyncio.to_thread(_sha256, data) != obj.sha256:
        raise InvalidInputError(
            "recording.read.integrity", f"{obj.key}: stored bytes do not match their SHA-256"
        )
    return Chunk(data, req.offset, obj)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
