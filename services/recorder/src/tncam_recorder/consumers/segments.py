"""SegmentClosed -> the write path (``service.segments``); ack only after it (idempotent).

The handler decodes and validates the message, and keeps it (in progress) while the object
store is down: the stream is the buffer.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
import time

import nats.errors

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import check_token
from tncam_mesh.clock import wait_or_stop
from tncam_mesh.consumer import Delivery
from tncam_mesh.errors import InvalidInputError, UnavailableError
from tncam_recorder.service.context import Recorder
from tncam_recorder.service.segments import Segments

log = logging.getLogger("tncam.recorder.writer")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def validate(msg: segment_pb2.SegmentClosed) -> None:
    """Refuse (dead-letter) a hand-off that cannot be a segment."""
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


class SegmentWriter:
    """Handles one ``SegmentClosed`` delivery at a time (several writers run side by side)."""

    def __init__(self, rec: Recorder, stopping: asyncio.Event) -> None:
        self.rec = rec
        self.stopping = stopping
        self.segments = Segments(rec)

    async def handle(self, d: Delivery) -> None:
        """Store, index, confirm; while S3 is down keep the segment (in progress) and retry."""
        msg = d.decode(segment_pb2.SegmentClosed)
        validate(msg)
        received = time.perf_counter()
        delay = 0.25
        # A redelivery (or a retry below) may find its object, or even its row, already there.
        again = d.num_delivered > 1
        while True:
            try:
                await self.segments.write(msg, redelivered=again)
                break
            except UnavailableError as e:
                if (
                    not e.retryable
                    or not e.code.startswith("recording.s3.")
                    or self.stopping.is_set()
                ):
                    raise
                await self._keep(d, msg, e, delay)
                delay = min(delay * 2, self.rec.settings.s3_retry_cap_s)
                again = True
        self.rec.metrics.store_duration.observe(time.perf_counter() - received)

    async def _keep(
        self, d: Delivery, msg: segment_pb2.SegmentClosed, e: UnavailableError, delay: float
    ) -> None:
        """The object store is down: hold on to the message and wait ``delay``."""
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
        await wait_or_stop(self.stopping, delay)
