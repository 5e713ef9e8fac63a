"""SegmentClosed -> object store + index -> SegmentStored; ack only after both (idempotent)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import re
import time

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
from tncam_recorder.context import Recorder
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

log = logging.getLogger("tncam.recorder.writer")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_TAG_VALUE_RE = re.compile(r"[^A-Za-z0-9 +\-=._:/@]")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class SegmentWriter:
    """Handles one ``SegmentClosed`` delivery at a time (several writers run side by side)."""

    def __init__(self, rec: Recorder, stopping: asyncio.Event) -> None:
        self.rec = rec
        self.stopping = stopping
        self._kv: KeyValue | None = None

    async def handle(self, d: Delivery) -> None:
        """Store, index, confirm; while S3 is down keep the segment (in progress) and retry."""
        msg = d.decode(segment_pb2.SegmentClosed)
        self._validate(msg)
        received = time.perf_counter()
        delay = 0.25
        while True:
            try:
                await self.write(msg)
                break
            except UnavailableError as e:
                if not e.code.startswith("recording.s3.") or self.stopping.is_set():
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

    async def write(self, msg: segment_pb2.SegmentClosed) -> repo.SegmentRow:
        """The idempotent write of one segment; returns its index row."""
        rec = self.rec
        start = msg.segment_start.ToDatetime(dt.UTC)
        end = msg.segment_end.ToDatetime(dt.UTC)
        key = msg.idempotency_key or segment_idempotency_key(msg.camera_id, start)
        seg_id = segment_id(key)

        async with unit_of_work(rec.sessions) as s:
            existing = await repo.segment_by_key(s, key)
        if existing is not None:
            if existing.sha256 != msg.sha256:
                raise InvalidInputError(
                    "recording.segment.conflict",
                    f"{key} was already stored with another SHA-256",
                )
            await self._confirm(msg, existing)
            rec.metrics.segments_written.labels(result="duplicate").inc()
            return existing

        media = await self._media(msg)
        # Hashing 3 MB costs milliseconds of CPU: off the event loop (hashlib releases the GIL).
        if await asyncio.to_thread(_sha, media) != msg.sha256 or (
            msg.size_bytes and len(media) != msg.size_bytes
        ):
            raise InvalidInputError(
                "recording.segment.corrupt", f"{key}: bytes do not match sha256/size_bytes"
            )
        await self._ensure_init(msg)
        retention_class, commune = await self._camera_class(msg.camera_id)
        async with unit_of_work(rec.sessions) as s:
            holds = await repo.active_hold_ids(s, msg.camera_id, start, end)

        object_key = segment_key(msg.camera_id, start)
        written = await rec.store.put(
            object_key,
            media,
            sha256=msg.sha256,
            content_type=SEGMENT_CONTENT_TYPE,
            tags={TAG_RETENTION: retention_class, TAG_COMMUNE: commune, TAG_KIND: "segment"},
            legal_hold=bool(holds),
        )
        if holds:  # also when the version existed from an earlier, unindexed attempt
            await rec.store.set_legal_hold(object_key, written.version_id, True)
        now = rec.clock()
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
            "stored_at": now,
        }
        async with unit_of_work(rec.sessions) as s:
            await repo.insert_segment(s, values)
            await repo.link_holds(s, seg_id, holds)
            row = await repo.segment_by_key(s, key)
        assert row is not None
        if msg.WhichOneof("media") == "media_object":
            ref = msg.media_object
            await rec.store.remove_staged(ref.bucket, ref.key, ref.version_id)
        await self._confirm(msg, row)
        rec.metrics.segments_written.labels(result="stored").inc()
        rec.metrics.bytes_written.inc(row.bytes)
        rec.metrics.write_latency.observe(max(0.0, (rec.clock() - end).total_seconds()))
        return row

    async def _media(self, msg: segment_pb2.SegmentClosed) -> bytes:
        if msg.WhichOneof("media") == "media_bytes":
            return bytes(msg.media_bytes)
        ref = msg.media_object
        return await self.rec.store.get(ref.key, version_id=ref.version_id, bucket=ref.bucket)

    async def _ensure_init(self, msg: segment_pb2.SegmentClosed) -> None:
        rec = self.rec
        async with unit_of_work(rec.sessions) as s:
            known = await repo.get_init(s, rec.store.bucket, msg.camera_id, msg.init_sha256)
        if known is not None:
            return
        if not msg.init_included:
            # Its init segment travels with an earlier segment of the session: retry later.
            raise UnavailableError(
                "recording.init.unknown",
                f"init segment {msg.init_sha256[:12]} of {msg.camera_id} not stored yet",
            )
        data = bytes(msg.init_segment)
        if await asyncio.to_thread(_sha, data) != msg.init_sha256:
            raise InvalidInputError(
                "recording.init.corrupt", "init segment bytes do not match init_sha256"
            )
        key = init_key(msg.camera_id, msg.init_sha256)
        written = await rec.store.put(
            key,
            data,
            sha256=msg.init_sha256,
            content_type=INIT_CONTENT_TYPE,
            tags={TAG_KIND: "init"},
        )
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

    async def _camera_class(self, camera_id: str) -> tuple[str, str]:
        """Retention class and commune from the registry's camera_config KV (defaults if none)."""
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
