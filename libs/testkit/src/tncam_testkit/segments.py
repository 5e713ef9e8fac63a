"""Hand-offs as ingest sends them: ``SegmentClosed`` messages of an fMP4 clip, published."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from nats.js.client import JetStreamContext

from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import SEGMENT_CLOSED, segment_idempotency_key
from tncam_mesh.jetstream import publish


def segment_closed(
    camera_id: str,
    start: dt.datetime,
    fragment: bytes,
    *,
    init: bytes,
    sequence: int,
    session_id: str,
    include_init: bool,
) -> segment_pb2.SegmentClosed:
    """The hand-off of one 1 s H.265 fragment starting at ``start``."""
    msg = segment_pb2.SegmentClosed(
        camera_id=camera_id,
        sequence=sequence,
        session_id=session_id,
        idempotency_key=segment_idempotency_key(camera_id, start),
        init_sha256=hashlib.sha256(init).hexdigest(),
        init_included=include_init,
        init_segment=init if include_init else b"",
        media_bytes=fragment,
        size_bytes=len(fragment),
        sha256=hashlib.sha256(fragment).hexdigest(),
        codec="hevc",
    )
    msg.segment_start.FromDatetime(start)
    msg.segment_end.FromDatetime(start + dt.timedelta(seconds=1))
    return msg


async def publish_clip(
    js: JetStreamContext,
    namespace: str,
    camera_id: str,
    init: bytes,
    fragments: Sequence[bytes],
    starts: Sequence[dt.datetime],
    *,
    session_id: str = "s",
) -> None:
    """Publish one hand-off per fragment (the init segment with the first), as ingest does."""
    for i, (fragment, start) in enumerate(zip(fragments, starts, strict=True)):
        msg = segment_closed(
            camera_id,
            start,
            fragment,
            init=init,
            sequence=i,
            session_id=session_id,
            include_init=i == 0,
        )
        await publish(
            js, SEGMENT_CLOSED.subject(camera_id, namespace), msg, msg_id=msg.idempotency_key
        )
