"""The segment write path: object store, then index, then ``SegmentStored`` (idempotent).

The SHA-256 from ingest is checked end to end by the store itself (the PUT carries it as
``x-amz-checksum-sha256``; a mismatch is refused and dead-lettered), so the recorder does not
hash the bytes again. Idempotency: a conditional PUT never adds a version over an existing one
with the same bytes; the row is inserted once.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import segment_idempotency_key
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, UnavailableError
from tncam_recorder.bus.camera_config import CameraClasses
from tncam_recorder.bus.events import publish_stored
from tncam_recorder.db import holds as hold_db
from tncam_recorder.db import inits as init_db
from tncam_recorder.db import segments as segment_db
from tncam_recorder.db.rows import InitRow, SegmentRow
from tncam_recorder.domain.index_meta import index_metadata
from tncam_recorder.domain.keys import (
    INIT_CONTENT_TYPE,
    SEGMENT_CONTENT_TYPE,
    TAG_COMMUNE,
    TAG_KIND,
    TAG_RETENTION,
    init_key,
    segment_id,
    segment_key,
)
from tncam_recorder.domain.signing import segment_id_key
from tncam_recorder.service.context import Recorder
from tncam_recorder.storage.s3 import ObjectDiffersError, Written

_MAX_KNOWN_INITS = 100_000
_INDEX_ATTEMPTS = 3


class _InitGoneError(Exception):
    """The init segment's row vanished (orphan-init purge) before the segment was indexed."""


class Segments:
    """Writes segments of one replica (several writers share it, and its caches)."""

    def __init__(self, rec: Recorder) -> None:
        self.rec = rec
        self.classes = CameraClasses(rec.js, rec.settings)
        self._id_key = segment_id_key(rec.signing_key)
        # (camera, init sha256) whose init row was seen: no lookup per segment. Only a hint:
        # the index transaction share-locks the row (see init_db.lock_init).
        self._inits: set[tuple[str, str]] = set()

    async def write(
        self, msg: segment_pb2.SegmentClosed, *, redelivered: bool = False
    ) -> SegmentRow:
        """The idempotent write of one (validated) segment; returns its index row."""
        start = msg.segment_start.ToDatetime(dt.UTC)
        key = msg.idempotency_key or segment_idempotency_key(msg.camera_id, start)
        if redelivered:
            # Perhaps stored and indexed, only the ack was lost: then no S3 call at all.
            existing = await self._indexed(key)
            if existing is not None:
                return await self._duplicate(msg, existing)
        media = await self._media(msg, key)
        # The init is stored after the segment (a segment the store refuses stores nothing),
        # but a segment whose init will never come is not stored at all.
        init_known = await self._init_known(msg)
        retention_class, commune = await self.classes.of(msg.camera_id)
        tags = {TAG_RETENTION: retention_class, TAG_COMMUNE: commune, TAG_KIND: "segment"}
        described = self._described(msg, key, retention_class, commune)
        stored = await self._put(
            msg, key, media, tags, index_metadata(described), redelivered=redelivered
        )
        if isinstance(stored, SegmentRow):
            return await self._duplicate(msg, stored)
        if not init_known:
            await self._store_init(msg)
        values = self._row_values(described, stored)
        row, inserted = await self._index_retrying(msg, values, stored)
        if not inserted:
            return await self._duplicate(msg, row)
        await self._stored(msg, row)
        return row

    async def _indexed(self, key: str) -> SegmentRow | None:
        async with unit_of_work(self.rec.sessions) as s:
            return await segment_db.segment_by_key(s, key)

    async def _media(self, msg: segment_pb2.SegmentClosed, key: str) -> bytes:
        """The segment's bytes, inline or staged by ingest, checked against their size."""
        if msg.WhichOneof("media") == "media_bytes":
            media = msg.media_bytes
        else:
            ref = msg.media_object
            media = await self.rec.store.get(ref.key, version_id=ref.version_id, bucket=ref.bucket)
        if msg.size_bytes and len(media) != msg.size_bytes:
            raise InvalidInputError(
                "recording.segment.corrupt", f"{key}: {len(media)} bytes, not {msg.size_bytes}"
            )
        return media

    async def _put(
        self,
        msg: segment_pb2.SegmentClosed,
        key: str,
        media: bytes,
        tags: dict[str, str],
        metadata: dict[str, str],
        *,
        redelivered: bool,
    ) -> Written | SegmentRow:
        """Store the bytes once; the index row instead when another attempt already did."""
        put = functools.partial(
            self.rec.store.put,
            segment_key(msg.camera_id, msg.segment_start.ToDatetime(dt.UTC)),
            media,
            sha256=msg.sha256,
            content_type=SEGMENT_CONTENT_TYPE,
            tags=tags,
            metadata=metadata,
        )
        try:
            try:
                return await put(maybe_stored=redelivered)
            except ObjectDiffersError:
                # Other bytes under this key: a conflict if they are indexed, else the leftover
                # of an attempt that never got indexed (replaced, as a new version).
                existing = await self._indexed(key)
                if existing is not None:
                    return existing
                return await put(overwrite=True)
        except InvalidInputError as e:
            if e.code != "recording.object.checksum_mismatch":
                raise
            raise InvalidInputError(
                "recording.segment.corrupt", f"{key}: bytes do not match sha256 ({e.message})"
            ) from e

    def _described(
        self, msg: segment_pb2.SegmentClosed, key: str, retention_class: str, commune: str
    ) -> dict[str, Any]:
        """The index columns the message gives (the object's own come from the store); the
        object carries them in its metadata too, so the index can be rebuilt from the bucket."""
        start = msg.segment_start.ToDatetime(dt.UTC)
        end = msg.segment_end.ToDatetime(dt.UTC)
        return {
            "idempotency_key": key,
            "camera_id": msg.camera_id,
            "start_at": start,
            "end_at": end,
            "duration_ms": int(msg.duration.ToMilliseconds())
            if msg.HasField("duration")
            else int((end - start).total_seconds() * 1000),
            "init_sha256": msg.init_sha256,
            "retention_class": retention_class,
            "commune_code": commune,
            "session_id": msg.session_id,
            "sequence": msg.sequence,
            "codec_string": msg.codec_string,
            "width": msg.width,
            "height": msg.height,
        }

    def _row_values(self, described: dict[str, Any], written: Written) -> dict[str, Any]:
        """The index row of a stored segment."""
        return {
            **described,
            "segment_id": segment_id(described["idempotency_key"], self._id_key),
            "bytes": written.size,
            "sha256": written.sha256,
            "bucket": self.rec.store.bucket,
            "object_key": written.key,
            "version_id": written.version_id,
            "held": False,
            "stored_at": self.rec.clock(),
        }

    async def _index_retrying(
        self, msg: segment_pb2.SegmentClosed, values: dict[str, Any], written: Written
    ) -> tuple[SegmentRow, bool]:
        """Index the segment, storing its init again if it was purged meanwhile."""
        for attempt in range(_INDEX_ATTEMPTS):
            try:
                return await self._index(msg, values, written)
            except _InitGoneError:
                # Purged as an orphan since we looked: store it again (from this message) or
                # wait for the segment of the session that carries it.
                self._inits.discard((msg.camera_id, msg.init_sha256))
                if attempt == _INDEX_ATTEMPTS - 1:
                    raise UnavailableError(
                        "recording.index.init_contention",
                        f"init {msg.init_sha256[:12]} of {msg.camera_id} keeps vanishing",
                    ) from None
                if not await self._init_known(msg):
                    await self._store_init(msg)
        raise AssertionError("unreachable")

    async def _index(
        self, msg: segment_pb2.SegmentClosed, values: dict[str, Any], written: Written
    ) -> tuple[SegmentRow, bool]:
        """One transaction: the row, its holds, the S3 hold if any; (row, newly inserted)."""
        rec = self.rec
        async with unit_of_work(rec.sessions) as s:
            # No legal hold can be marking this camera's segments until we commit; one placed
            # before is visible to the query below (holds commit before they mark).
            await segment_db.lock_camera_shared(s, msg.camera_id)
            # The init stays until we commit (the orphan purge skips share-locked rows).
            if not await init_db.lock_init(s, rec.store.bucket, msg.camera_id, msg.init_sha256):
                raise _InitGoneError
            holds = await hold_db.active_hold_ids(
                s, msg.camera_id, values["start_at"], values["end_at"]
            )
            row = await segment_db.insert_segment(s, {**values, "held": bool(holds)})
            if row is None:
                existing = await segment_db.segment_by_key(s, values["idempotency_key"])
                assert existing is not None
                return existing, False
            if holds:
                await hold_db.link_holds(s, row.segment_id, holds)
                # Before the row commits: an indexed held segment is held in the store.
                await rec.store.set_legal_hold(row.object_key, written.version_id, True)
        return row, True

    async def _stored(self, msg: segment_pb2.SegmentClosed, row: SegmentRow) -> None:
        """After the commit: the staged copy goes, the segment is confirmed and counted."""
        rec = self.rec
        if msg.WhichOneof("media") == "media_object":
            ref = msg.media_object
            await rec.store.remove_staged(ref.bucket, ref.key, ref.version_id)
        await self._confirm(row)
        rec.metrics.segments_written.labels(result="stored").inc()
        rec.metrics.bytes_written.inc(row.bytes)
        late = (rec.clock() - row.end_at).total_seconds()
        rec.metrics.write_latency.observe(max(0.0, late))

    async def _duplicate(self, msg: segment_pb2.SegmentClosed, existing: SegmentRow) -> SegmentRow:
        if existing.sha256 != msg.sha256:
            raise InvalidInputError(
                "recording.segment.conflict",
                f"{existing.idempotency_key} was already stored with another SHA-256",
            )
        await self._confirm(existing)
        self.rec.metrics.segments_written.labels(result="duplicate").inc()
        return existing

    async def _confirm(self, row: SegmentRow) -> None:
        rec = self.rec
        await publish_stored(rec.js, rec.namespace, row, rec.settings.instance_id)

    async def _init_known(self, msg: segment_pb2.SegmentClosed) -> bool:
        """Whether the segment's init is stored; raises (retry later) if it is not and this
        message does not carry it."""
        if (msg.camera_id, msg.init_sha256) in self._inits:
            return True
        rec = self.rec
        async with unit_of_work(rec.sessions) as s:
            known = await init_db.get_init(s, rec.store.bucket, msg.camera_id, msg.init_sha256)
        if known is not None:
            self._remember_init(msg)
            return True
        if not msg.init_included:
            # Its init segment travels with an earlier segment of the session: retry later.
            raise UnavailableError(
                "recording.init.unknown",
                f"init segment {msg.init_sha256[:12]} of {msg.camera_id} not stored yet",
            )
        return False

    async def _store_init(self, msg: segment_pb2.SegmentClosed) -> None:
        rec = self.rec
        key = init_key(msg.camera_id, msg.init_sha256)
        try:
            written = await rec.store.put(
                key,
                msg.init_segment,
                sha256=msg.init_sha256,
                content_type=INIT_CONTENT_TYPE,
                tags={TAG_KIND: "init"},
            )
        except InvalidInputError as e:
            if e.code != "recording.object.checksum_mismatch":
                raise
            raise InvalidInputError(
                "recording.init.corrupt", "init segment bytes do not match init_sha256"
            ) from e
        init = InitRow(
            msg.camera_id, msg.init_sha256, rec.store.bucket, key, written.version_id, written.size
        )
        async with unit_of_work(rec.sessions) as s:
            await init_db.add_init(s, init, rec.clock())
        self._remember_init(msg)

    def _remember_init(self, msg: segment_pb2.SegmentClosed) -> None:
        if len(self._inits) >= _MAX_KNOWN_INITS:
            self._inits.clear()
        self._inits.add((msg.camera_id, msg.init_sha256))
