"""The recorder's events on the bus: ``SegmentStored`` once a segment is stored and indexed."""

from __future__ import annotations

from nats.js.client import JetStreamContext

from tncam.common.v1 import object_ref_pb2
from tncam.recording.v1 import segment_pb2
from tncam_contracts.catalog import SEGMENT_STORED
from tncam_mesh.jetstream import publish
from tncam_recorder.db.rows import SegmentRow
from tncam_recorder.domain.keys import INIT_CONTENT_TYPE, init_key


def segment_stored(row: SegmentRow, recorder_id: str) -> segment_pb2.SegmentStored:
    """The ``SegmentStored`` event of an index row."""
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
        recorder_id=recorder_id,
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
    return stored


async def publish_stored(
    js: JetStreamContext, namespace: str, row: SegmentRow, recorder_id: str
) -> None:
    """Confirm a stored segment (deduplicated by its idempotency key)."""
    await publish(
        js,
        SEGMENT_STORED.subject(row.camera_id, namespace),
        segment_stored(row, recorder_id),
        msg_id=f"stored:{row.idempotency_key}",
    )
