"""The index row a segment object carries in its user metadata, so the index can be rebuilt
from the bucket (``tncam recorder reindex``, issue 19): pure encoding and decoding.

A restored PostgreSQL lacks the segments stored after its last archived WAL; their objects are
on the replica site with everything their row needs: the columns below in one user-metadata
field (``x-amz-meta-tncam-index``, compact ASCII JSON, well under S3's 2 KB of user metadata),
the SHA-256 in ``x-amz-meta-sha256``, the size, version and time of the object from the store.
The segment id is recomputed from the idempotency key with the deployment's secret.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tncam_recorder.domain.keys import segment_id, segment_key, utc

META_INDEX = "tncam-index"
# The columns carried (the rest come from the object or are computed again).
_CARRIED = (
    "idempotency_key",
    "camera_id",
    "duration_ms",
    "init_sha256",
    "retention_class",
    "commune_code",
    "session_id",
    "sequence",
    "codec_string",
    "width",
    "height",
)
_INTS = frozenset({"duration_ms", "sequence", "width", "height"})
_VERSION = 1


class IndexMetadataError(ValueError):
    """A segment object's index metadata is missing, unreadable or does not match the key."""


def index_metadata(values: Mapping[str, Any]) -> dict[str, str]:
    """User metadata for a segment object from its index row values (before the PUT)."""
    doc: dict[str, Any] = {"v": _VERSION}
    for name in _CARRIED:
        doc[name] = values[name]
    doc["start_at"] = utc(values["start_at"]).isoformat()
    doc["end_at"] = utc(values["end_at"]).isoformat()
    return {META_INDEX: json.dumps(doc, separators=(",", ":"), ensure_ascii=True)}


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What the store says of one object version (HEAD)."""

    bucket: str
    key: str
    version_id: str
    size: int
    sha256: str
    last_modified: dt.datetime
    metadata: Mapping[str, str]


def row_values(obj: StoredObject, secret: bytes) -> dict[str, Any]:
    """The index row of a segment object (``live_seq`` and ``held`` are the index's own)."""
    raw = obj.metadata.get(META_INDEX)
    if not raw:
        raise IndexMetadataError(f"{obj.key}: no {META_INDEX} metadata")
    try:
        doc = json.loads(raw)
        if not isinstance(doc, dict) or doc.get("v") != _VERSION:
            raise IndexMetadataError(f"{obj.key}: unknown {META_INDEX} version")
        values: dict[str, Any] = {name: doc[name] for name in _CARRIED}
        for name in _INTS:
            values[name] = int(values[name])
        start = utc(dt.datetime.fromisoformat(doc["start_at"]))
        end = utc(dt.datetime.fromisoformat(doc["end_at"]))
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, IndexMetadataError):
            raise
        raise IndexMetadataError(f"{obj.key}: unreadable {META_INDEX} metadata ({e})") from e
    if segment_key(values["camera_id"], start) != obj.key:
        raise IndexMetadataError(f"{obj.key}: metadata names another camera or start")
    if len(obj.sha256) != 64 or end < start:
        raise IndexMetadataError(f"{obj.key}: no SHA-256, or it ends before it starts")
    return {
        **values,
        "segment_id": segment_id(values["idempotency_key"], secret),
        "start_at": start,
        "end_at": end,
        "bytes": obj.size,
        "sha256": obj.sha256,
        "bucket": obj.bucket,
        "object_key": obj.key,
        "version_id": obj.version_id,
        "stored_at": obj.last_modified,
        "held": False,
    }


def hours_since(since: dt.datetime, now: dt.datetime) -> list[str]:
    """The ``<yyyy>/<mm>/<dd>/<hh>/`` key parts of every UTC hour from ``since`` to ``now``."""
    t = utc(since).replace(minute=0, second=0, microsecond=0)
    end = utc(now)
    out = []
    while t <= end:
        out.append(f"{t:%Y/%m/%d/%H}/")
        t += dt.timedelta(hours=1)
    return out
