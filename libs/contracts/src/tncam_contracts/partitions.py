"""The recording hand-off split over partitions (ADR 0030).

With ``HANDOFF_PARTITIONS`` = 1 (the default) the hand-off is the one work-queue stream
``RECORDING_HANDOFF`` on ``tncam.recording.v1.segment_closed.<camera_id>``, exactly as before.
With N > 1 it is N work-queue streams ``RECORDING_HANDOFF_P0`` .. ``RECORDING_HANDOFF_P{N-1}``,
partition ``k`` on ``tncam.recording.v1.segment_closed.p<k>.<camera_id>``; the publisher
(ingest) computes ``k`` from the camera id, so a camera's segments always take one stream and
keep their order there, and no server-side subject mapping is needed. The subjects of the
partitions have one token more than the single stream's, so none of these streams overlap and
streams of an earlier N can stay beside the current ones while the recorder drains them.

The partition is FNV-1a (32 bit) of the camera id's UTF-8 bytes modulo N: the function
nats-server's ``{{partition(n,token)}}`` mapping uses, so the two ways agree.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tncam_contracts.catalog import (
    RECORDING_HANDOFF_STREAM,
    SEGMENT_CLOSED,
    StreamSpec,
    check_namespace,
    check_token,
    subject,
)

#: Most partitions a deployment may configure (a pull consumer and a writer each).
MAX_HANDOFF_PARTITIONS = 64

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_PARTITION_RE = re.compile(r"^RECORDING_HANDOFF(?:_P([0-9]{1,3}))?$")


def fnv1a_32(data: bytes) -> int:
    """FNV-1a, 32 bit (Go's ``hash/fnv.New32a``)."""
    h = _FNV_OFFSET
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def _check_partitions(partitions: int) -> int:
    if not 1 <= partitions <= MAX_HANDOFF_PARTITIONS:
        raise ValueError(f"hand-off partitions must be 1..{MAX_HANDOFF_PARTITIONS}")
    return partitions


def handoff_partition(camera_id: str, partitions: int) -> int:
    """The partition (0..N-1) that carries every segment of ``camera_id``."""
    return fnv1a_32(camera_id.encode()) % _check_partitions(partitions)


def handoff_partition_stream(index: int) -> StreamSpec:
    """Partition ``index`` of a partitioned hand-off (unscoped): same limits as the single
    stream (work queue, discard new, 1 day, the largest message), its own subjects."""
    if not 0 <= index < MAX_HANDOFF_PARTITIONS:
        raise ValueError(f"hand-off partition {index} out of range")
    return replace(
        RECORDING_HANDOFF_STREAM,
        name=f"{RECORDING_HANDOFF_STREAM.name}_P{index}",
        subjects=(f"{SEGMENT_CLOSED.base}.p{index}.*",),
        description=f"{RECORDING_HANDOFF_STREAM.description} Partition {index} (ADR 0030).",
    )


def handoff_streams(partitions: int) -> tuple[StreamSpec, ...]:
    """The hand-off streams of ``partitions`` (unscoped), in partition order."""
    if _check_partitions(partitions) == 1:
        return (RECORDING_HANDOFF_STREAM,)
    return tuple(handoff_partition_stream(k) for k in range(partitions))


def segment_closed_subject(camera_id: str, partitions: int, namespace: str = "") -> str:
    """The subject ingest publishes ``camera_id``'s ``SegmentClosed`` on."""
    if _check_partitions(partitions) == 1:
        return SEGMENT_CLOSED.subject(camera_id, namespace)
    k = handoff_partition(camera_id, partitions)
    return subject(namespace, f"{SEGMENT_CLOSED.base}.p{k}.{check_token(camera_id, 'camera_id')}")


def partition_label(stream: StreamSpec | str, namespace: str = "") -> str | None:
    """The ``partition`` metric label of a hand-off stream (``"0"``.. for ``_P<k>``, ``"all"``
    for the single stream), or None when the (scoped) name is not a hand-off stream."""
    name = stream.name if isinstance(stream, StreamSpec) else stream
    prefix = f"{check_namespace(namespace).upper()}_" if namespace else ""
    if not name.startswith(prefix):
        return None
    m = _PARTITION_RE.match(name[len(prefix) :])
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else "all"


def handoff_stream_of(name: str, namespace: str = "") -> StreamSpec | None:
    """The unscoped spec of the hand-off stream scoped as ``name`` (any N), or None."""
    label = partition_label(name, namespace)
    if label is None:
        return None
    if label == "all":
        return RECORDING_HANDOFF_STREAM
    index = int(label)
    return handoff_partition_stream(index) if index < MAX_HANDOFF_PARTITIONS else None
