"""SegmentClosed -> object store + index -> SegmentStored; ack only after both (idempotent)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import re
import time
from typing import Any

import nats.errors
import nats.js.errors
from nats.js.kv import KeyValue

from tncam.common.v1 import object_ref_pb2
from tncam.recording.v1 import segment_pb2
from tncam.registry.v1 import camera_config_pb2
from tncam_contracts.catalog import (
    CAMERA_CONFIG_KV,
    SEGMENT_STORED,
    check_token,
    segment_idempotency_key,
)
from tncam_mesh.db import unit_of_work
from tncam_mesh.errors import InvalidInputError, UnavailableError
from tncam_mesh.jetstream import Delivery, publish
from tncam_recorder.db import repo
from tncam_recorder.domain.keys import (
    INIT_CONTENT_TYPE,
    SEGMENT_CONTENT_TYPE,
    TAG_COMMUNE,
    TAG_KIND,
    TAG_RETENTION,
    init_key,
    retention_class_for,
    segment_id,
    segment_key,
)
from tncam_recorder.service.context import Recorder
from tncam_recorder.storage.s3 import ObjectDiffersError, Written

log = logging.getLogger("tncam.recorder.writer")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_MAX_KNOWN_INITS = 100_000
_MAX_CACHED_CAMERAS = 100_000
_TAG_VALUE_RE = re.compile(r"[^A-Za-z0-9 +\-=._:/@]")


class _InitGoneError(Exception):
    """The init segment's row vanished (orphan-init purge) before the segment was indexed."""


class SegmentWriter:
    """Handles one ``SegmentClosed`` delivery at a time (several writers run side by side)."""

    def __init__(self, rec: Recorder, stopping: asyncio.Event) -> None:
        self.rec = rec
        self.stopping = stopping
        self._kv: KeyValue | None = None
        # camera -> (valid until (monotonic), retention class, commune): the registry's
        # camera_config read once per camera and TTL, not once per segment.
        self._classes: dict[str, tuple[float, str, str]] = {}
        # (camera, init sha256) whose init row was seen: no lookup per segment. Only a hint:
        # the index transaction share-locks the row (see repo.lock_init).
        self._inits: set[tuple[str, str]] = set()

    async def handle(self, d: Delivery) -> None:
        """Store, index, confirm; while S3 is down keep the segment (in progress) and retry."""
        msg = d.decode(segment_pb2.SegmentClosed)
        self._validate(msg)
        received = time.perf_counter()
        delay = 0.25
        # A redelivery (or a retry below) may find its object, or even its row, already there.
        again = d.num_delivered > 1
        while True:
            try:
                await self.write(msg, redelivered=again)
                break
            except UnavailableError as e:
                if (
                    not e.retryable
                    or not e.code.startswith("recording.s3.")
                    or self.stopping.is_set()
                ):
                    raise
                self.rec.metrics.s3_unavailable.inc()
                log.warning(
                    "object store unavailable, keeping segment %s (%s)",
                    msg.idempotency_key,
                    e.code,
                    extra={"camera_id": msg.camera_id},
                )
                # Keeps the message ours (ack_wait restarts) without counting a delivery: the
                # stream is the buffer, and order is kept.
                with contextlib.suppress(nats.errors.Error, AttributeError):
                    await d.msg.in_progress()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self.stopping.wait()
                delay = min(delay * 2, self.rec.settings.s3_retry_cap_s)
                again = True
        self.rec.metrics.store_duration.observe(time.perf_counter() - received)

    def _validate(self, msg: segment_pb2.SegmentClosed) -> None:
        try:
            check_token(msg.camera_id, "camera_id")
        except ValueError as e:
            raise InvalidInputError("recording.segment.bad_camera", str(e)) from e
        if not msg.HasField("segment_start") or not msg.HasField("segment_end"):
            raise InvalidInputError("recording.segment.no_time", "segment start/end missing")
        if not _SHA_RE.match(msg.sha256) or not _SHA_RE.match(msg.init_sha256):
            raise InvalidInputError(
                "recording.segment.bad_hash", "sha256 and init_sha256 must be 64 hex characters"
            )
        if msg.WhichOneof("media") is None:
            raise InvalidInputError("recording.segment.no_media", "segment carries no media")
        start = msg.segment_start.ToDatetime(dt.UTC)
        end = msg.segment_end.ToDatetime(dt.UTC)
        if end < start:
            raise InvalidInputError("recording.segment.bad_time", "segment ends before it starts")

    async def write(
        self, msg: segment_pb2.SegmentClosed, *, redelivered: bool = False
    ) -> repo.SegmentRow:
        """The idempotent write of one segment; returns its index row.

        The SHA-256 from ingest is checked end to end by the store itself (the PUT carries it
        as ``x-amz-checksum-sha256``; a mismatch is refused and dead-lettered), so the
        recorder does not hash the bytes again. Idempotency: a conditional PUT never adds a
        version over an existing one with the same bytes; the row is inserted once.
        """
        rec = self.rec
        start = msg.segment_start.ToDatetime(dt.UTC)
        end = msg.segment_end.ToDatetime(dt.UTC)
        key = msg.idempotency_key or segment_idempotency_key(msg.camera_id, start)
        seg_id = segment_id(key)

        if redelivered:
            # Perhaps stored and indexed, only the ack was lost: then no S3 call at all.
            async with unit_of_work(rec.sessions) as s:
                existing = await repo.segment_by_key(s, key)
            if existing is not None:
                return await self._duplicate(msg, existing)

        media = await self._media(msg)
        if msg.size_bytes and len(media) != msg.size_bytes:
            raise InvalidInputError(
                "recording.segment.corrupt", f"{key}: {len(media)} bytes, not {msg.size_bytes}"
            )
        # The init is stored after the segment (a segment the store refuses stores nothing),
        # but a segment whose init will never come is not stored at all.
        init_known = await self._init_known(msg)
        retention_class, commune = await self._camera_class(msg.camera_id)
        object_key = segment_key(msg.camera_id, start)
        put = functools.partial(
            rec.store.put,
            object_key,
            media,
            sha256=msg.sha256,
            content_type=SEGMENT_CONTENT_TYPE,
            tags={TAG_RETENTION: retention_class, TAG_COMMUNE: commune, TAG_KIND: "segment"},
        )
        try:
            try:
                written = await put(maybe_stored=redelivered)
            except ObjectDiffersError:
                # Other bytes under this key: a conflict if they are indexed, else the leftover
                # of an attempt that never got indexed (replaced, as a new version).
                async with unit_of_work(rec.sessions) as s:
                    existing = await repo.segment_by_key(s, key)
                if existing is not None:
                    return await self._duplicate(msg, existing)
                written = await put(overwrite=True)
        except InvalidInputError as e:
            if e.code != "recording.object.checksum_mismatch":
                raise
            raise InvalidInputError(
                "recording.segment.corrupt", f"{key}: bytes do not match sha256 ({e.message})"
            ) from e
        if not init_known:
            await self._store_init(msg)

        values = {
            "segment_id": seg_id,
            "idempotency_key": key,
            "camera_id": msg.camera_id,
            "start_at": start,
            "end_at": end,
            "duration_ms": int(msg.duration.ToMilliseconds())
            if msg.HasField("duration")
            else int((end - start).total_seconds() * 1000),
            "bytes": written.size,
            "sha256": written.sha256,
            "bucket": rec.store.bucket,
            "object_key": object_key,
            "version_id": written.version_id,
            "init_sha256": msg.init_sha256,
            "retention_class": retention_class,
            "commune_code": commune,
            "held": False,
            "session_id": msg.session_id,
            "sequence": msg.sequence,
            "codec_string": msg.codec_string,
            "width": msg.width,
            "height": msg.height,
            "stored_at": rec.clock(),
        }
        for attempt in range(3):
            try:
                row, inserted = await self._index(msg, values, written)
                break
            except _InitGoneError:
                # Purged as an orphan since we looked: store it again (from this message) or
                # wait for the segment of the session that carries it.
                self._inits.discard((msg.camera_id, msg.init_sha256))
                if attempt == 2:
                    raise UnavailableError(
                        "recording.index.init_contention",
                        f"init {msg.init_sha256[:12]} of {msg.camera_id} keeps vanishing",
                    ) from None
                if not await self._init_known(msg):
                    await self._store_init(msg)
        if not inserted:
            return await self._duplicate(msg, row)
        if msg.WhichOneof("media") == "media_object":
            ref = msg.media_object
            await rec.store.remove_staged(ref.bucket, ref.key, ref.version_id)
        await self._confirm(msg, row)
        rec.metrics.segments_written.labels(result="stored").inc()
        rec.metrics.bytes_written.inc(row.bytes)
        rec.metrics.write_latency.observe(max(0.0, (rec.clock() - end).total_seconds()))
        return row

    async def _index(
        self, msg: segment_pb2.SegmentClosed, values: dict[str, Any], written: Written
    ) -> tuple[repo.SegmentRow, bool]:
        """One transaction: the row, its holds, the S3 hold if any; (row, newly inserted)."""
        rec = self.rec
        async with unit_of_work(rec.sessions) as s:
            # No legal hold can be marking this camera's segments until we commit; one placed
            # before is visible to the query below (holds commit before they mark).
            await repo.lock_camera_shared(s, msg.camera_id)
            # The init stays until we commit (the orphan purge skips share-locked rows).
            if not await repo.lock_init(s, rec.store.bucket, msg.camera_id, msg.init_sha256):
                raise _InitGoneError
            holds = await repo.active_hold_ids(
                s, msg.camera_id, values["start_at"], values["end_at"]
            )
            row = await repo.insert_segment(s, {**values, "held": bool(holds)})
            if row is None:
                existing = await repo.segment_by_key(s, values["idempotency_key"])
                assert existing is not None
                return existing, False
            if holds:
                await repo.link_holds(s, row.segment_id, holds)
                # Before the row commits: an indexed held segment is held in the store.
                await rec.store.set_legal_hold(row.object_key, written.version_id, True)
        return row, True

    async def _duplicate(
        self, msg: segment_pb2.SegmentClosed, existing: repo.SegmentRow
    ) -> repo.SegmentRow:
        if existing.sha256 != msg.sha256:
            raise InvalidInputError(
                "recording.segment.conflict",
                f"{existing.idempotency_key} was already stored with another SHA-256",
            )
        await self._confirm(msg, existing)
        self.rec.metrics.segments_written.labels(result="duplicate").inc()
        return existing

    async def _media(self, msg: segment_pb2.SegmentClosed) -> bytes:
        if msg.WhichOneof("media") == "media_bytes":
            return msg.media_bytes
        ref = msg.media_object
        return await self.rec.store.get(ref.key, version_id=ref.version_id, bucket=ref.bucket)

    async def _init_known(self, msg: segment_pb2.SegmentClosed) -> bool:
        """Whether the segment's init is stored; raises (retry later) if it is not and this
        message does not carry it."""
        if (msg.camera_id, msg.init_sha256) in self._inits:
            return True
        rec = self.rec
        async with unit_of_work(rec.sessions) as s:
            known = await repo.get_init(s, rec.store.bucket, msg.camera_id, msg.init_sha256)
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
        async with unit_of_work(rec.sessions) as s:
            await repo.add_init(
                s,
                repo.InitRow(
                    msg.camera_id,
                    msg.init_sha256,
                    rec.store.bucket,
                    key,
                    written.version_id,
                    written.size,
                ),
                rec.clock(),
            )
        self._remember_init(msg)

    def _remember_init(self, msg: segment_pb2.SegmentClosed) -> None:
        if len(self._inits) >= _MAX_KNOWN_INITS:
            self._inits.clear()
        self._inits.add((msg.camera_id, msg.init_sha256))

    async def _camera_class(self, camera_id: str) -> tuple[str, str]:
        """Retention class and commune from the registry's camera_config KV (defaults if none),
        cached per camera for ``camera_config_cache_s``."""
        now = time.monotonic()
        cached = self._classes.get(camera_id)
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        klass, commune = await self._read_camera_class(camera_id)
        if len(self._classes) >= _MAX_CACHED_CAMERAS:
            self._classes.clear()
        self._classes[camera_id] = (
            now + self.rec.settings.camera_config_cache_s,
            klass,
            commune,
        )
        return klass, commune

    async def _read_camera_class(self, camera_id: str) -> tuple[str, str]:
        settings = self.rec.settings
        default = (settings.default_retention_class, "")
        try:
            if self._kv is None:
                self._kv = await self.rec.js.key_value(
                    CAMERA_CONFIG_KV.scoped(self.rec.namespace).bucket
                )
            entry = await self._kv.get(camera_id)
        except (nats.js.errors.BucketNotFoundError, nats.js.errors.KeyNotFoundError):
            return default
        except (nats.errors.Error, TimeoutError) as e:
            raise UnavailableError(
                "recording.config.unavailable", f"camera_config of {camera_id}: {e}"
            ) from e
        if not entry.value:
            return default
        cfg = camera_config_pb2.CameraIngestConfig.FromString(entry.value)
        klass = retention_class_for(
            cfg.retention_days, settings.retention_classes, settings.default_retention_class
        )
        return klass, _TAG_VALUE_RE.sub("_", cfg.commune_code)[:128]

    async def _confirm(self, msg: segment_pb2.SegmentClosed, row: repo.SegmentRow) -> None:
        rec = self.rec
        stored = segment_pb2.SegmentStored(
            camera_id=row.camera_id,
            idempotency_key=row.idempotency_key,
            session_id=row.session_id,
            sequence=row.sequence,
            bucket=row.bucket,
            object_key=row.object_key,
            version_id=row.version_id,
            bytes=row.bytes,
            sha256=row.sha256,
            recorder_id=rec.settings.instance_id,
        )
        stored.segment_start.FromDatetime(row.start_at)
        stored.segment_end.FromDatetime(row.end_at)
        stored.stored_at.FromDatetime(row.stored_at)
        stored.init_object.CopyFrom(
            object_ref_pb2.ObjectRef(
                bucket=row.bucket,
                key=init_key(row.camera_id, row.init_sha256),
                sha256=row.init_sha256,
                content_type=INIT_CONTENT_TYPE,
            )
        )
        await publish(
            rec.js,
            SEGMENT_STORED.subject(row.camera_id, rec.namespace),
            stored,
            msg_id=f"stored:{row.idempotency_key}",
        )
